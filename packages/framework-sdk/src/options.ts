import { hostname } from 'node:os';
import { type BackoffOptions, type ClientOptions, type GrpcCredential, type Logger, parseMasterList, type TlsFiles } from '@tandem/protocol';

/** Who the framework is. Only `name` is required. */
export interface FrameworkOptions {
  name: string;
  /** Roles the framework subscribes for. @default ['*'] */
  roles?: string[];
  principal?: string;
  /**
   * Seconds the master keeps the framework's tasks after it disconnects; a driver that
   * re-subscribes within it fails over without losing tasks. @default DEFAULT_FAILOVER_TIMEOUT_MS / 1000 (0)
   */
  failoverTimeoutSeconds?: number;
  /** Set to fail over an existing framework (e.g. after a scheduler restart). */
  id?: string;
  capabilities?: string[];
  /**
   * The user the framework's process tasks run as on agents (Mesos' FrameworkInfo.user).
   * @default '' (none: each agent's `--task-user`, `nobody` on an agent run as root)
   */
  user?: string;
  /** @default os.hostname() */
  hostname?: string;
  labels?: Record<string, string>;
}

export interface DriverOptions {
  /**
   * The masters' gRPC addresses: `host:port`, or several (`h1:5050,h2:5050`, or a list).
   * The driver subscribes to the first; a standby names the leader and the driver goes
   * there, and a master that cannot be reached is skipped to the next.
   */
  master: string | readonly string[];
  framework: FrameworkOptions;
  /** Roles that start out suppressed. @default [] */
  suppressedRoles?: string[];
  /**
   * Acknowledge status updates that carry a uuid once the handler's promise resolves
   * (or, for `updates()`, when the consumer asks for the next item). @default true
   */
  autoAcknowledge?: boolean;
  /**
   * Acknowledge, without delivering, an agent's resend of an update the framework has
   * moved past (STARTING after RUNNING, anything after a terminal state; see
   * `StaleUpdateFilter`). Agents send a task's updates without waiting for each ack, so
   * such resends happen when an ack is lost. @default true
   */
  dropStaleUpdates?: boolean;
  /** Backoff between re-subscription attempts. @default { initialMs: 250, maxMs: 10000 } */
  reconnect?: BackoffOptions;
  /** Heartbeats missed before the stream is considered dead and re-opened. @default 5 */
  maxMissedHeartbeats?: number;
  /** Deadline of every unary Scheduler.Call. @default 10000 */
  callTimeoutMs?: number;
  /** Credentials and such for the gRPC channel. */
  client?: ClientOptions;
  /**
   * Mutual TLS to the masters (`readTlsFiles`): the framework's certificate and key and the
   * cluster CA; never plaintext then. Short for `client: { tls }`. @default undefined (plaintext)
   */
  tls?: TlsFiles;
  /**
   * A principal and secret (`--credential FILE`, `parseCredential`) sent with every call to
   * the masters, for a master with `--credentials`. Short for `client: { credential }`.
   * The framework is bound to this principal (or its certificate's) at its first SUBSCRIBE.
   * @default undefined (none)
   */
  credential?: GrpcCredential;
  logger?: Logger;
  /** Aborting it stops the driver, as `stop()` does. */
  signal?: AbortSignal;
}

export const DEFAULT_ROLES: readonly string[] = ['*'];
/** A framework's tasks go when it disconnects, unless it asks the master to keep them (services: DEFAULT_SERVICE_FAILOVER_TIMEOUT_MS). */
export const DEFAULT_FAILOVER_TIMEOUT_MS = 0;
export const DEFAULT_RECONNECT: Readonly<Required<BackoffOptions>> = {
  initialMs: 250,
  maxMs: 10_000,
  multiplier: 2,
  jitter: 0.2,
};
export const DEFAULT_MAX_MISSED_HEARTBEATS = 5;
export const DEFAULT_CALL_TIMEOUT_MS = 10_000;
export const DEFAULT_AUTO_ACKNOWLEDGE = true;
export const DEFAULT_DROP_STALE_UPDATES = true;

export interface ResolvedDriverOptions {
  /** The masters, parsed: at least one `host:port`. */
  masters: readonly string[];
  framework: Required<Omit<FrameworkOptions, 'id' | 'labels'>> & Pick<FrameworkOptions, 'id' | 'labels'>;
  suppressedRoles: string[];
  autoAcknowledge: boolean;
  dropStaleUpdates: boolean;
  reconnect: Required<BackoffOptions>;
  maxMissedHeartbeats: number;
  callTimeoutMs: number;
  client: ClientOptions;
  logger: Logger | undefined;
  signal: AbortSignal | undefined;
}

/** Fills every option's default; a bad `master` throws a ValidationError naming it. */
export function resolveDriverOptions(options: DriverOptions): ResolvedDriverOptions {
  const f = options.framework;
  return {
    masters: parseMasterList(options.master, 'master'),
    framework: {
      name: f.name,
      roles: f.roles && f.roles.length > 0 ? [...f.roles] : [...DEFAULT_ROLES],
      principal: f.principal ?? '',
      failoverTimeoutSeconds: f.failoverTimeoutSeconds ?? DEFAULT_FAILOVER_TIMEOUT_MS / 1000,
      id: f.id,
      capabilities: f.capabilities ?? [],
      user: f.user ?? '',
      hostname: f.hostname ?? hostname(),
      labels: f.labels,
    },
    suppressedRoles: options.suppressedRoles ?? [],
    autoAcknowledge: options.autoAcknowledge ?? DEFAULT_AUTO_ACKNOWLEDGE,
    dropStaleUpdates: options.dropStaleUpdates ?? DEFAULT_DROP_STALE_UPDATES,
    reconnect: { ...DEFAULT_RECONNECT, ...options.reconnect },
    maxMissedHeartbeats: options.maxMissedHeartbeats ?? DEFAULT_MAX_MISSED_HEARTBEATS,
    callTimeoutMs: options.callTimeoutMs ?? DEFAULT_CALL_TIMEOUT_MS,
    client: {
      ...options.client,
      ...(options.tls ? { tls: options.tls } : {}),
      ...(options.credential ? { credential: options.credential } : {}),
    },
    logger: options.logger,
    signal: options.signal,
  };
}

/** @deprecated the name of `resolveDriverOptions` before every package's resolver was named `resolveXOptions`. */
export const driverDefaults = resolveDriverOptions;
