import { type DockerHostAccess, marathonDockerHostAccess } from '@tandem/framework-sdk';
import { secretSourceProblem } from '@tandem/protocol';
import type { Command } from 'commander';
import { z } from 'zod';
import { cliLogger } from '../cli-logger.js';
import type { CommandContext } from '../command-context.js';
import { clientAuthFrom, clientAuthSchema } from '../credential-flags.js';
import { runExecute } from '../execute/run-execute.js';
import { parseOptions } from '../parse-options.js';
import { masters, nonEmpty, nonNegative, positive, seconds } from '../schemas.js';

const ENV_PAIR = /^[A-Za-z_][A-Za-z0-9_]*=/;

export const executeSchema = z
  .object({
    master: masters(),
    image: nonEmpty().optional(),
    cpus: positive('number of CPUs'),
    mem: positive('number of MiB'),
    disk: nonNegative('number of MiB'),
    env: z
      .array(z.string().regex(ENV_PAIR, 'must be NAME=VALUE'))
      .transform((pairs) => Object.fromEntries(pairs.map((p) => [p.slice(0, p.indexOf('=')), p.slice(p.indexOf('=') + 1)]))),
    secretEnv: z
      .array(
        z
          .string()
          .regex(ENV_PAIR, 'must be NAME=SOURCE')
          .superRefine((p, ctx) => {
            const problem = secretSourceProblem(p.slice(p.indexOf('=') + 1));
            if (problem !== undefined) ctx.addIssue({ code: 'custom', message: `the source ${problem}` });
          }),
      )
      .transform((pairs) => Object.fromEntries(pairs.map((p) => [p.slice(0, p.indexOf('=')), { secret: p.slice(p.indexOf('=') + 1) }]))),
    volume: z.array(z.string()).superRefine((values, ctx) => dockerParameterIssues('v', values, ctx)),
    capAdd: z.array(z.string()).superRefine((values, ctx) => dockerParameterIssues('cap-add', values, ctx)),
    name: nonEmpty().optional(),
    gracePeriod: seconds().optional(),
    timeout: seconds(),
    declineSeconds: seconds(),
  })
  .extend(clientAuthSchema.shape);

/** `--volume` and `--cap-add` read as Docker's `-v` and `--cap-add` (marathonDockerHostAccess's rules). */
function dockerParameterIssues(key: 'v' | 'cap-add', values: string[], ctx: z.RefinementCtx): void {
  for (const value of values) {
    const [problem] = marathonDockerHostAccess({ docker: { image: 'x', parameters: [{ key, value }] } }, '').problems;
    if (problem) ctx.addIssue({ code: 'custom', message: (problem.errors[0] ?? '').replace(`${key}: `, '') });
  }
}

/** What `--volume` and `--cap-add` ask of the agent's host, for `TaskSpec.docker`. */
function dockerAccessOf(o: { volume: string[]; capAdd: string[] }): DockerHostAccess {
  const parameters = [...o.volume.map((value) => ({ key: 'v', value })), ...o.capAdd.map((value) => ({ key: 'cap-add', value }))];
  return marathonDockerHostAccess({ docker: { image: 'x', parameters } }, '').access;
}

export async function runExecuteCommand(ctx: CommandContext, cmd: Command, argv: string[]): Promise<void> {
  const o = parseOptions(cmd, executeSchema);
  if (argv.length === 0 && !o.image) {
    throw new Error('execute: give the command after --, e.g. tandem execute --master 127.0.0.1:5050 -- echo hello');
  }
  if (!o.image && (o.volume.length > 0 || o.capAdd.length > 0)) throw new Error('execute: --volume and --cap-add need --image (a Docker task)');
  const docker = dockerAccessOf(o);
  const signal = ctx.shutdownSignal();
  try {
    const code = await runExecute(
      {
        master: o.master,
        argv,
        cpus: o.cpus,
        mem: o.mem,
        disk: o.disk,
        env: { ...o.env, ...o.secretEnv },
        timeoutSeconds: o.timeout,
        declineSeconds: o.declineSeconds,
        ...clientAuthFrom(o),
        ...(o.image ? { image: o.image } : {}),
        ...(Object.keys(docker).length > 0 ? { docker } : {}),
        ...(o.name ? { name: o.name } : {}),
        ...(o.gracePeriod === undefined ? {} : { gracePeriodSeconds: o.gracePeriod }),
      },
      ctx.io,
      signal.received,
      cliLogger('execute'),
    );
    ctx.setExitCode(code);
  } finally {
    signal.dispose();
  }
}
