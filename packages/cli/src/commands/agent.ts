// The light module only: the agent itself (dockerode, gRPC) loads when the command runs.
import { DOCKER_ALLOW_ITEMS, parseDockerAllow, parseDockerImages } from '@tandem/agent/docker-allow';
import { ValidationError } from '@tandem/protocol';
import { Command } from 'commander';
import { z } from 'zod';
import { cliLogger } from '../cli-logger.js';
import type { ContainerizerName } from '../cluster/start-agent.js';
import type { CommandContext } from '../command-context.js';
import { addCorsFlag, corsOption, corsSchema } from '../cors-flag.js';
import { addCredentialFlag, credentialOption, credentialSchema } from '../credential-flags.js';
import { DEFAULT_AGENT_PORT, DEFAULT_AGENT_WORK_DIR, DEFAULT_CONTAINERIZERS, DEFAULT_FETCH_MAX_URIS } from '../defaults.js';
import { flag, masterFlag } from '../flag-option.js';
import { addHttpAuthFlags, httpAuthFrom, httpAuthSchema } from '../http-auth-flags.js';
import { httpRateFlags, httpRateOption, httpRateSchema } from '../limit-flags.js';
import { parseOptions } from '../parse-options.js';
import { address, count, nonEmpty, port } from '../schemas.js';
import { stopOnSignal } from '../stop-on-signal.js';
import { addTlsFlags, tlsOption, tlsSchema } from '../tls-flags.js';

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

export function agentCommand(ctx: CommandContext): Command {
  const cmd = new Command('agent')
    .description("Run a Tandem agent: it dials the master, offers this host's resources and runs tasks in containers.")
    .addOption(masterFlag())
    .addOption(
      flag(
        '--port <port>',
        "port of the agent's HTTP /health and /api/v1/state (the agent dials the master; the master never connects here); 0 = any free port",
        DEFAULT_AGENT_PORT,
      ),
    )
    .addOption(flag('--work-dir <dir>', 'directory of checkpoints and task sandboxes', DEFAULT_AGENT_WORK_DIR))
    .addOption(flag('--hostname <name>', 'hostname the agent registers with (default: os.hostname())'))
    .addOption(flag('--containerizers <list>', 'containerizers to use, in preference order: docker,process; each must be available', DEFAULT_CONTAINERIZERS))
    .addOption(flag('--resources <spec>', 'override detected resources, Mesos syntax: "cpus:2;mem:2048;disk:10000;ports:[31000-32000]"'))
    .addOption(flag('--attributes <spec>', 'agent attributes, e.g. "rack:r1;zone:a"'))
    .addOption(flag('--docker-allow <list>', `what Docker tasks may ask for, all denied by default; comma-separated: ${DOCKER_ALLOW_ITEMS}`))
    .addOption(flag('--docker-images <globs>', "the images Docker tasks may use, e.g. 'registry.example/*,busybox:*' (* matches anything); default: any"))
    .addOption(
      flag(
        '--task-user <name>',
        "the user of process tasks that name none, neither in the command nor the framework (default: nobody when the agent runs as root, else the agent's own user)",
      ),
    )
    .addOption(flag('--allow-root-tasks', 'let process tasks run as root (refused by default)'))
    .addOption(flag('--docker-config <file>', "a Docker config.json whose registry credentials ('auths') are used for pulls"))
    .addOption(
      flag(
        '--fetch-allow-dir <dirs>',
        "the directories (comma-separated, absolute) whose files tasks may fetch by file URL (Marathon's fetch, CommandInfo.uris); none by default: http(s) only",
      ),
    )
    .addOption(
      flag(
        '--fetch-allow-loopback',
        "let tasks' http(s) URIs reach this host's loopback addresses (127.0.0.0/8, ::1); refused by default. Link-local addresses (169.254.0.0/16, fe80::/10: cloud metadata) are refused always",
      ),
    )
    .addOption(
      flag('--fetch-max-uris <n>', 'the most URIs (fetch, uris, artifacts) a task may carry; more is TASK_ERROR naming command.uris', DEFAULT_FETCH_MAX_URIS),
    )
    .addOption(
      flag(
        '--docker-bridge-network <name>',
        "the Docker network that tasks in bridge mode (Marathon's container/bridge, docker.network BRIDGE) join, their port mappings published on their host ports; default: bridge",
      ),
    )
    .addOption(
      flag(
        '--secrets-dir <dir>',
        'where the secrets that tasks reference are read: the secret "db" is the file <dir>/db (default: none; a task referencing a secret fails)',
      ),
    )
    .action(async () => {
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
    });
  addTlsFlags(cmd, 'the agent', true);
  addCredentialFlag(cmd, 'the agent');
  addHttpAuthFlags(cmd, "the agent's HTTP API", '/health');
  addCorsFlag(cmd);
  for (const option of httpRateFlags('/health')) cmd.addOption(option);
  return cmd;
}
