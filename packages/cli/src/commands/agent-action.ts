// The light module only: the agent itself (dockerode, gRPC) loads when the command runs.
import { parseDockerAllow, parseDockerImages } from '@tandem/agent/docker-allow';
import { ValidationError } from '@tandem/protocol';
import type { Command } from 'commander';
import { z } from 'zod';
import { cliLogger } from '../cli-logger.js';
import type { ContainerizerName } from '../cluster/start-agent.js';
import type { CommandContext } from '../command-context.js';
import { corsOption, corsSchema } from '../cors-flag.js';
import { credentialOption, credentialSchema } from '../credential-flags.js';
import { httpAuthFrom, httpAuthSchema } from '../http-auth-flags.js';
import { httpRateOption, httpRateSchema } from '../limit-flags.js';
import { parseOptions } from '../parse-options.js';
import { address, count, nonEmpty, port } from '../schemas.js';
import { stopOnSignal } from '../stop-on-signal.js';
import { tlsOption, tlsSchema } from '../tls-flags.js';

const CONTAINERIZERS = ['docker', 'process'] as const;

export const containerizerList = () =>
  z
    .string()
    .transform((s) =>
      s
        .split(',')
        .map((x) => x.trim())
        .filter(Boolean),
    )
    .pipe(z.array(z.enum(CONTAINERIZERS, { error: 'must be a comma-separated list of docker, process' })).min(1, 'must name at least one of docker, process'));

/** A flag's value through an @tandem/agent parser whose ValidationError becomes the flag's issue. */
function parsedBy<T>(parse: (s: string | undefined) => T) {
  return z
    .string()
    .optional()
    .transform((s, ctx) => {
      try {
        return parse(s);
      } catch (err) {
        ctx.addIssue({ code: 'custom', message: err instanceof ValidationError ? (err.details[0]?.errors[0] ?? err.message) : String(err) });
        return z.NEVER;
      }
    });
}

export const agentSchema = z
  .object({
    master: address(),
    port: port(),
    workDir: nonEmpty(),
    hostname: nonEmpty().optional(),
    containerizers: containerizerList(),
    resources: z.string().optional(),
    attributes: z.string().optional(),
    dockerAllow: parsedBy((s) => parseDockerAllow(s)),
    dockerImages: parsedBy((s) => parseDockerImages(s)),
    dockerConfig: nonEmpty().optional(),
    dockerBridgeNetwork: z
      .string()
      .regex(/^[A-Za-z0-9][A-Za-z0-9_.-]*$/, 'must be a Docker network name')
      .optional(),
    taskUser: z
      .string()
      .regex(/^[A-Za-z_][A-Za-z0-9_.-]{0,31}\$?$/, 'must be a user name')
      .optional(),
    allowRootTasks: z.boolean().optional(),
    secretsDir: nonEmpty().optional(),
    fetchAllowDir: z
      .string()
      .transform((s) => s.split(',').map((d) => d.trim()))
      .pipe(z.array(z.string().startsWith('/', 'must be a comma-separated list of absolute directories')))
      .optional(),
    fetchAllowLoopback: z.boolean().optional(),
    fetchMaxUris: count().optional(),
  })
  .extend(tlsSchema.shape)
  .extend(httpAuthSchema.shape)
  .extend(corsSchema.shape)
  .extend(httpRateSchema.shape)
  .extend(credentialSchema.shape);

export async function runAgent(ctx: CommandContext, cmd: Command): Promise<void> {
  const o = parseOptions(cmd, agentSchema);
  const httpAuth = await httpAuthFrom(o);
  const cors = corsOption(o);
  const { startAgent } = await import('../cluster/start-agent.js');
  const log = cliLogger('agent');
  const signal = ctx.shutdownSignal();
  try {
    const agent = await startAgent({
      master: o.master,
      workDir: o.workDir,
      containerizers: o.containerizers as ContainerizerName[],
      strict: true,
      ...tlsOption(o),
      ...credentialOption(o),
      ...(httpAuth ? { httpAuth } : {}),
      ...cors,
      ...httpRateOption(o),
      logger: log,
      httpPort: o.port,
      ...(o.hostname ? { hostname: o.hostname } : {}),
      ...(o.resources ? { resources: o.resources } : {}),
      ...(o.attributes ? { attributes: o.attributes } : {}),
      process: { ...(o.taskUser ? { taskUser: o.taskUser } : {}), allowRootTasks: o.allowRootTasks ?? false },
      docker: {
        policy: { ...o.dockerAllow, images: o.dockerImages },
        ...(o.dockerConfig ? { configFile: o.dockerConfig } : {}),
        ...(o.dockerBridgeNetwork ? { bridgeNetwork: o.dockerBridgeNetwork } : {}),
      },
      ...(o.secretsDir ? { secretsDir: o.secretsDir } : {}),
      ...(o.fetchAllowDir ? { fetchAllowDirs: o.fetchAllowDir } : {}),
      fetchAllowLoopback: o.fetchAllowLoopback ?? false,
      ...(o.fetchMaxUris !== undefined ? { fetchMaxUris: o.fetchMaxUris } : {}),
    });
    log.info({ agentId: agent.agentId, master: o.master, containerizers: agent.containerizers, httpPort: agent.httpPort }, 'agent started');
    ctx.io.stdout(`tandem agent: ${agent.agentId ?? '(registering)'} on master ${o.master}, containerizers ${agent.containerizers.join(',')}\n`);
    // The master may shut the agent down (it was marked gone): then exit 1, saying so, rather than wait for a signal.
    const shutDown = agent.closed().then(() => true);
    if (await Promise.race([stopOnSignal(ctx, signal, log, 'agent', () => agent.stop()).then(() => false), shutDown])) {
      await agent.stop();
      log.error({ agentId: agent.agentId }, 'the master shut this agent down; exiting');
      ctx.io.stderr('tandem agent: the master shut this agent down (marked gone?); its tasks were killed and its id forgotten\n');
      ctx.setExitCode(1);
    }
  } finally {
    signal.dispose();
  }
}
