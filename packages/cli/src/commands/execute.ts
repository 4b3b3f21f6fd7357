import { secretSourceProblem } from '@tandem/protocol';
import { Command } from 'commander';
import { z } from 'zod';
import { cliLogger } from '../cli-logger.js';
import type { CommandContext } from '../command-context.js';
import { addClientAuthFlags, clientAuthFrom, clientAuthSchema } from '../credential-flags.js';
import { DEFAULT_DECLINE_SECONDS, DEFAULT_EXECUTE_CPUS, DEFAULT_EXECUTE_DISK, DEFAULT_EXECUTE_MEM } from '../defaults.js';
import { runExecute } from '../execute/run-execute.js';
import { flag, masterFlag } from '../flag-option.js';
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
    name: nonEmpty().optional(),
    gracePeriod: seconds().optional(),
    timeout: seconds(),
    declineSeconds: seconds(),
  })
  .extend(clientAuthSchema.shape);

function collect(value: string, previous: string[] | undefined): string[] {
  return [...(previous ?? []), value];
}

export function executeCommand(ctx: CommandContext): Command {
  const cmd = new Command('execute')
    .description(
      "Run one command as a task (like mesos-execute): wait for an offer, launch, print each state change and the task's output; exit with the task's exit code.",
    )
    .usage('--master HOST:PORT [options] -- CMD [ARGS...]')
    .argument('[command...]', "the argv, run as is (no shell); with --image it may be empty to run the image's CMD")
    .addOption(masterFlag())
    .addOption(flag('--image <image>', 'run in this Docker image (container type DOCKER); without it the process containerizer runs the command'))
    .addOption(flag('--cpus <n>', 'CPUs for the task', DEFAULT_EXECUTE_CPUS))
    .addOption(flag('--mem <mib>', 'memory for the task, MiB', DEFAULT_EXECUTE_MEM))
    .addOption(flag('--disk <mib>', 'disk for the task, MiB', DEFAULT_EXECUTE_DISK))
    .addOption(flag('--env <NAME=VALUE>', 'an environment variable for the task; repeat for more').argParser(collect).default([], 'none'))
    .addOption(
      flag('--secret-env <NAME=SOURCE>', 'an environment variable whose value the agent reads from its --secrets-dir (the file SOURCE there); repeat for more')
        .argParser(collect)
        .default([], 'none'),
    )
    .addOption(flag('--name <name>', "the task's name (and its id's prefix) (default: the command's basename)"))
    .addOption(flag('--grace-period <seconds>', "SIGTERM-to-SIGKILL grace when the task is killed (default: the agent's, 3 s)"))
    .addOption(flag('--timeout <seconds>', 'kill the task and exit 1 after this long; 0 = no limit', 0))
    .addOption(flag('--decline-seconds <seconds>', 'refuse_seconds for offers it does not need', DEFAULT_DECLINE_SECONDS))
    .action(async (argv: string[]) => {
      const o = parseOptions(cmd, executeSchema);
      if (argv.length === 0 && !o.image) {
        throw new Error('execute: give the command after --, e.g. tandem execute --master 127.0.0.1:5050 -- echo hello');
      }
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
    });
  addClientAuthFlags(cmd, 'the operator');
  return cmd;
}
