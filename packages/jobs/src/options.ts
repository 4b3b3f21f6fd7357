import { type BackoffOptions, Code, DEFAULT_MAX_BODY_BYTES, type Logger, TandemError } from '@tandem/protocol';
import type { Store } from '@tandem/store';
import { type Clock, systemClock } from './core/clock.js';

export const DEFAULT_JOBS_PORT = 8090;
export const DEFAULT_JOBS_HOST = '0.0.0.0';
export const DEFAULT_FRAMEWORK_NAME = 'tandem-jobs';
/** A week: a restarted jobs framework re-subscribes as itself and keeps its tasks. */
export const DEFAULT_FAILOVER_TIMEOUT_SECONDS = 7 * 24 * 3600;
/** Offers it does not need stay away this long (Marathon's 120 s); revive brings them back. */
export const DEFAULT_DECLINE_SECONDS = 120;
/** Pause before a failed task is retried under ON_FAILURE. */
export const DEFAULT_RETRY_DELAY_MS = 1000;
/** Finished runs kept per job (in the history lists and as run records). */
export const DEFAULT_HISTORY_LIMIT = 50;
/** Live tasks are reconciled with the master this often (and on every subscription). */
export const DEFAULT_RECONCILE_INTERVAL_MS = 60_000;

export { DEFAULT_MAX_BODY_BYTES };

export interface JobsFrameworkOptions {
  /** The master's gRPC address, host:port. */
  master: string;
  /** Where jobs, schedules, runs and history live; the framework does not close it. */
  store: Store;
  /** HTTP port of the REST API; 0 = any free port, -1 = no HTTP server. @default 8090 */
  port?: number;
  /** @default 0.0.0.0 */
  host?: string;
  /** @default the system clock */
  clock?: Clock;
  logger?: Logger;
  /** @default 'tandem-jobs' */
  frameworkName?: string;
  /** @default a week */
  failoverTimeoutSeconds?: number;
  /** @default 120 */
  declineSeconds?: number;
  /** @default 1000 */
  retryDelayMs?: number;
  /** @default 50 */
  historyLimit?: number;
  /** @default 60000 */
  reconcileIntervalMs?: number;
  /** Request bodies over this many bytes are refused with 413. @default 1048576 (1 MiB) */
  maxBodyBytes?: number;
  /** Re-subscription backoff of the driver. */
  reconnect?: BackoffOptions;
  /** Aborting it stops the framework, as `stop()` does. */
  signal?: AbortSignal;
}

export interface ResolvedJobsOptions {
  master: string;
  store: Store;
  port: number;
  host: string;
  clock: Clock;
  logger: Logger | undefined;
  frameworkName: string;
  failoverTimeoutSeconds: number;
  declineSeconds: number;
  retryDelayMs: number;
  historyLimit: number;
  reconcileIntervalMs: number;
  maxBodyBytes: number;
  reconnect: BackoffOptions | undefined;
  signal: AbortSignal | undefined;
}

/** Fills every option's default; a bad body limit throws naming the option. */
export function jobsDefaults(o: JobsFrameworkOptions): ResolvedJobsOptions {
  const maxBodyBytes = o.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES;
  if (!Number.isSafeInteger(maxBodyBytes) || maxBodyBytes < 1) {
    throw new TandemError(Code.InvalidArgument, `maxBodyBytes: must be a whole number of bytes >= 1, got ${maxBodyBytes}`, { field: 'maxBodyBytes' });
  }
  return {
    master: o.master,
    store: o.store,
    port: o.port ?? DEFAULT_JOBS_PORT,
    host: o.host ?? DEFAULT_JOBS_HOST,
    clock: o.clock ?? systemClock(),
    logger: o.logger,
    frameworkName: o.frameworkName ?? DEFAULT_FRAMEWORK_NAME,
    failoverTimeoutSeconds: o.failoverTimeoutSeconds ?? DEFAULT_FAILOVER_TIMEOUT_SECONDS,
    declineSeconds: o.declineSeconds ?? DEFAULT_DECLINE_SECONDS,
    retryDelayMs: o.retryDelayMs ?? DEFAULT_RETRY_DELAY_MS,
    historyLimit: o.historyLimit ?? DEFAULT_HISTORY_LIMIT,
    reconcileIntervalMs: o.reconcileIntervalMs ?? DEFAULT_RECONCILE_INTERVAL_MS,
    maxBodyBytes,
    reconnect: o.reconnect,
    signal: o.signal,
  };
}
