import {
  Agent,
  type AgentHttpApi,
  type Containerizer,
  checkSecretsDir,
  DockerContainerizer,
  type DockerCredentials,
  type DockerPolicy,
  loadDockerCredentials,
  ProcessContainerizer,
  startAgentHttp,
} from '@tandem/agent';
import { Code, type GrpcCredential, type HttpAuth, type Logger, type RateLimit, TandemError, type TlsFiles } from '@tandem/protocol';

export type ContainerizerName = 'docker' | 'process';

/** What the CLI tells the agent; the one place the CLI touches @tandem/agent. */
export interface AgentLaunch {
  master: string;
  workDir: string;
  hostname?: string;
  resources?: string;
  attributes?: string;
  /** In preference order. */
  containerizers: readonly ContainerizerName[];
  /**
   * true: every listed containerizer must be available (an explicit --containerizers).
   * false: the unavailable ones are dropped, as long as one is left (`tandem up`).
   */
  strict: boolean;
  /** For the CLI's own messages; the agent logs as component "agent". */
  logger?: Logger;
  /** Serve the agent's /health and /api/v1/state on this port (0 = any free one); off when unset. */
  httpPort?: number;
  /** @default '0.0.0.0' */
  httpHost?: string;
  /** Mutual TLS to the masters (AgentOptions.tls); the HTTP API then serves HTTPS only. */
  tls?: TlsFiles;
  /** A principal and secret sent to the masters (`--credential`; AgentOptions.credential). */
  credential?: GrpcCredential;
  /** Credentials the HTTP API requires on every path but /health (`--http-credentials`...). */
  httpAuth?: HttpAuth;
  /** Origins allowed cross-origin requests on the HTTP API (`--cors-origin`). */
  corsOrigins?: readonly string[];
  /** Requests per client over this rate are 429 on the agent's HTTP API (`--http-rate-limit`). @default DEFAULT_HTTP_RATE_LIMIT */
  httpRateLimit?: RateLimit | false;
  /** The Docker containerizer's policy (`--docker-allow`, `--docker-images`) and registry credentials file (`--docker-config`). */
  docker?: { policy?: DockerPolicy; configFile?: string; bridgeNetwork?: string };
  /** Who process tasks run as: `--task-user` (default nobody as root) and `--allow-root-tasks`. */
  process?: { taskUser?: string; allowRootTasks?: boolean };
  /** Where tasks' secret references are read (`--secrets-dir`): checked to be a readable directory at start. */
  secretsDir?: string;
  /** The directories tasks may fetch file URIs from (`--fetch-allow-dir`); none by default. */
  fetchAllowDirs?: readonly string[];
  /** Whether tasks' http(s) URIs may reach this host's loopback (`--fetch-allow-loopback`). @default false */
  fetchAllowLoopback?: boolean;
  /** The most URIs a task may carry (`--fetch-max-uris`). @default DEFAULT_FETCH_MAX_URIS */
  fetchMaxUris?: number;
}

export interface RunningAgent {
  readonly agentId: string | undefined;
  /** The containerizers in use. */
  readonly containerizers: readonly ContainerizerName[];
  /** The HTTP port actually bound, when `httpPort` was given. */
  readonly httpPort: number | undefined;
  /** Stops the agent; its tasks keep running unless `killTasks` (then it waits, bounded, for them to end). */
  stop(options?: { killTasks?: boolean }): Promise<void>;
  /** Resolves once the agent has stopped, by `stop()` or because the master shut it down (it was marked gone). */
  closed(): Promise<void>;
}

export async function startAgent(options: AgentLaunch): Promise<RunningAgent> {
  // A secrets dir or a credentials file that cannot be read fails the start, before anything else.
  if (options.secretsDir) await checkSecretsDir(options.secretsDir);
  const credentials: DockerCredentials | undefined = options.docker?.configFile ? await loadDockerCredentials(options.docker.configFile) : undefined;
  const create = (name: ContainerizerName): Containerizer =>
    name === 'docker'
      ? new DockerContainerizer({
          ...(options.docker?.policy ? { policy: options.docker.policy } : {}),
          ...(credentials ? { credentials } : {}),
          ...(options.docker?.bridgeNetwork ? { bridgeNetwork: options.docker.bridgeNetwork } : {}),
        })
      : new ProcessContainerizer({
          ...(options.process?.taskUser ? { taskUser: options.process.taskUser } : {}),
          allowRootTasks: options.process?.allowRootTasks ?? false,
        });
  const usable: { name: ContainerizerName; containerizer: Containerizer }[] = [];
  for (const name of options.containerizers) {
    const containerizer = create(name);
    if (await containerizer.available()) {
      usable.push({ name, containerizer });
    } else if (options.strict) {
      throw new TandemError(
        Code.FailedPrecondition,
        `--containerizers: ${name} is not available on this host${name === 'docker' ? ' (no Docker Engine answers)' : ''}`,
        {
          field: '--containerizers',
        },
      );
    } else {
      options.logger?.info({ containerizer: name }, 'containerizer not available here; skipped');
    }
  }
  if (usable.length === 0) {
    throw new TandemError(Code.FailedPrecondition, `--containerizers: none of ${options.containerizers.join(',')} is available`, {
      field: '--containerizers',
    });
  }
  const agent = new Agent({
    master: options.master,
    workDir: options.workDir,
    containerizers: usable.map((u) => u.containerizer),
    ...(options.hostname ? { hostname: options.hostname } : {}),
    ...(options.resources ? { resources: options.resources } : {}),
    ...(options.attributes ? { attributes: options.attributes } : {}),
    ...(options.tls ? { tls: options.tls } : {}),
    ...(options.credential ? { credential: options.credential } : {}),
    ...(options.secretsDir ? { secretsDir: options.secretsDir } : {}),
    ...(options.fetchAllowDirs ? { fetchAllowDirs: options.fetchAllowDirs } : {}),
    ...(options.fetchAllowLoopback ? { fetchAllowLoopback: true } : {}),
    ...(options.fetchMaxUris !== undefined ? { fetchMaxUris: options.fetchMaxUris } : {}),
  });
  let http: AgentHttpApi | undefined;
  if (options.httpPort !== undefined) {
    http = await startAgentHttp(agent, options.httpHost ?? '0.0.0.0', options.httpPort, {
      ...(options.tls ? { tls: options.tls } : {}),
      ...(options.httpAuth ? { auth: options.httpAuth } : {}),
      ...(options.corsOrigins ? { corsOrigins: options.corsOrigins } : {}),
      ...(options.httpRateLimit === undefined ? {} : { rateLimit: options.httpRateLimit }),
      ...(options.logger ? { logger: options.logger } : {}),
    });
  }
  try {
    await agent.start();
  } catch (err) {
    await http?.close();
    throw err;
  }
  return {
    get agentId() {
      return agent.agentId;
    },
    containerizers: usable.map((u) => u.name),
    httpPort: http?.port,
    stop: async (stopOptions = {}) => {
      await http?.close();
      await agent.stop(stopOptions);
    },
    closed: () => agent.closed(),
  };
}
