import { hostname as osHostname } from 'node:os';
import { join } from 'node:path';
import { type BackoffOptions, componentLogger, type GrpcCredential, type Logger, parseMasterList, type TlsFiles } from '@tandem/protocol';
import type { Containerizer } from './containerizer/types.js';
import * as defaults from './defaults.js';
import { Fetcher } from './fetcher.js';
import { DirectorySecretSource, NO_SECRETS, type SecretSource } from './secret-source.js';
import type { SharedAgentChannel } from './shared-agent-channel.js';

export interface AgentOptions {
  /**
   * The masters' gRPC addresses: `host:port`, or several (`h1:5050,h2:5050`, or a list).
   * The agent dials the first; a standby names the leader and the agent goes there, and
   * an unreachable master is skipped to the next.
   */
  master: string | readonly string[];
  /** Checkpoints and sandboxes live under this directory. */
  workDir: string;
  /** @default os.hostname(); distinct hostnames let several agents share a machine */
  hostname?: string;
  /** Mesos syntax, e.g. `cpus:2;mem:2048;disk:10000;ports:[31000-32000]`; names left out are auto-detected. */
  resources?: string;
  /** `rack:r1;zone:a` */
  attributes?: string;
  /**
   * In preference order. A task with container type DOCKER (or a docker image) needs
   * `docker`; others use `process`, or the first available one.
   */
  containerizers: readonly Containerizer[];
  /**
   * Resend of unacknowledged status updates (Mesos: 10 s doubling to 10 min). A safety net
   * only: updates travel on an ordered stream and are all resent at once on re-registration,
   * so a short interval would just resend what is merely waiting for a busy framework.
   * @default DEFAULT_STATUS_RETRY_MS ({ initial: 10000, max: 600000 })
   */
  statusRetryMs?: { initial: number; max: number };
  /** Redialling the master. @default DEFAULT_RECONNECT_BACKOFF ({ initialMs: 500, maxMs: 15000 }) */
  reconnectBackoff?: BackoffOptions;
  /** SIGTERM-to-SIGKILL grace when neither the kill nor the task says. @default DEFAULT_KILL_GRACE_PERIOD_MS (3000) */
  defaultKillGracePeriodMs?: number;
  /** How long to wait for `registered` after sending `register`. @default DEFAULT_REGISTER_TIMEOUT_MS (15000) */
  registerTimeoutMs?: number;
  /**
   * At most this many containerizer launches (image check, create, start) run at once; a
   * task's checkpoint and STARTING happen before it takes a slot. @default DEFAULT_MAX_CONCURRENT_LAUNCHES (8)
   */
  maxConcurrentLaunches?: number;
  /**
   * Mutual TLS to the masters (`readTlsFiles`): this agent's certificate and key, and the
   * cluster CA the masters' certificates must be signed by. Never falls back to plaintext.
   * @default undefined (plaintext)
   */
  tls?: TlsFiles;
  /**
   * A principal and secret (`--credential FILE`) sent with every call to the masters, for a
   * master with `--credentials` (without TLS, or beside it). @default undefined (none)
   */
  credential?: GrpcCredential;
  /**
   * Where the secrets that tasks' environment variables reference are read at launch
   * (`tandem agent --secrets-dir`): the secret `db-password` is the file
   * `<secretsDir>/db-password`. Without it, a task that references a secret fails with
   * REASON_SECRET_GENERATION_FAILED. @default undefined (no secret source)
   */
  secretsDir?: string;
  /**
   * The directories tasks' file URIs (`CommandInfo.uris`, Marathon's fetch) may read from
   * (`tandem agent --fetch-allow-dir`). http(s) URIs need none. @default [] (file URIs refused)
   */
  fetchAllowDirs?: readonly string[];
  /**
   * Whether tasks' http(s) URIs may reach this host's loopback addresses
   * (`tandem agent --fetch-allow-loopback`); link-local addresses (cloud metadata) are
   * refused always. @default false
   */
  fetchAllowLoopback?: boolean;
  /** The most URIs a task may carry (`tandem agent --fetch-max-uris`). @default DEFAULT_FETCH_MAX_URIS (32) */
  fetchMaxUris?: number;
  logger?: Logger;
}

/**
 * Options for hollow agents only (`tandem hollow`, benchmarks and scale tests), kept out
 * of `AgentOptions`, the options of an agent that runs real work; `Agent` takes
 * `AgentOptions & HollowAgentOptions`.
 */
export interface HollowAgentOptions {
  /**
   * Keep every checkpoint (agent id, task.json, status update logs) in memory and
   * create no sandbox directories, so thousands of agents in one process do no disk I/O per task. Nothing survives a
   * restart of the agent object. Never set it for an agent that runs real work.
   * @default false
   */
  hollowInMemoryCheckpoints?: boolean;
  /**
   * A channel to the masters shared by many agents of one process (its owner closes it),
   * which follows the leader for all of them. By default each agent makes its own channel.
   */
  hollowSharedChannel?: SharedAgentChannel;
}

export interface ResolvedAgentOptions {
  /** The masters, parsed: at least one `host:port`. */
  masters: readonly string[];
  workDir: string;
  hostname: string;
  resources: string | undefined;
  attributes: string | undefined;
  containerizers: readonly Containerizer[];
  statusRetryMs: { initial: number; max: number };
  reconnectBackoff: BackoffOptions;
  defaultKillGracePeriodMs: number;
  registerTimeoutMs: number;
  maxConcurrentLaunches: number;
  tls: TlsFiles | undefined;
  credential: GrpcCredential | undefined;
  /** Where tasks' secret references are resolved (NO_SECRETS without `secretsDir`). */
  secrets: SecretSource;
  /** Fetches tasks' URIs into their sandboxes; its cache is `<workDir>/fetch-cache`. */
  fetcher: Fetcher;
  hollowInMemoryCheckpoints: boolean;
  hollowSharedChannel: SharedAgentChannel | undefined;
  logger: Logger;
}

export const AGENT_VERSION = '0.1.0';

/** Fills every option's default; a bad `master` throws a ValidationError naming it. */
export function resolveAgentOptions(options: AgentOptions & HollowAgentOptions): ResolvedAgentOptions {
  return {
    masters: parseMasterList(options.master, 'master'),
    workDir: options.workDir,
    hostname: options.hostname ?? osHostname(),
    resources: options.resources,
    attributes: options.attributes,
    containerizers: options.containerizers,
    statusRetryMs: options.statusRetryMs ?? { ...defaults.DEFAULT_STATUS_RETRY_MS },
    reconnectBackoff: options.reconnectBackoff ?? defaults.DEFAULT_RECONNECT_BACKOFF,
    defaultKillGracePeriodMs: options.defaultKillGracePeriodMs ?? defaults.DEFAULT_KILL_GRACE_PERIOD_MS,
    registerTimeoutMs: options.registerTimeoutMs ?? defaults.DEFAULT_REGISTER_TIMEOUT_MS,
    maxConcurrentLaunches: options.maxConcurrentLaunches ?? defaults.DEFAULT_MAX_CONCURRENT_LAUNCHES,
    tls: options.tls,
    credential: options.credential,
    secrets: options.secretsDir ? new DirectorySecretSource(options.secretsDir) : NO_SECRETS,
    fetcher: new Fetcher({
      allowDirs: options.fetchAllowDirs ?? [],
      cacheDir: join(options.workDir, 'fetch-cache'),
      allowLoopback: options.fetchAllowLoopback ?? false,
      ...(options.fetchMaxUris !== undefined ? { maxUris: options.fetchMaxUris } : {}),
    }),
    hollowInMemoryCheckpoints: options.hollowInMemoryCheckpoints ?? false,
    hollowSharedChannel: options.hollowSharedChannel,
    logger: options.logger ?? componentLogger('agent'),
  };
}

/** @deprecated the name of `resolveAgentOptions` before every package's resolver was named `resolveXOptions`. */
export const addDefaults = resolveAgentOptions;

// Every default, from the module that loads nothing (`@tandem/<pkg>/defaults`).
export * from './defaults.js';
