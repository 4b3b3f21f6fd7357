import { type BackoffOptions, Code, DEFAULT_MAX_BODY_BYTES, type Logger, TandemError } from '@tandem/protocol';
import type { Store } from '@tandem/store';
import { DEFAULT_MAX_INSTANCES_PER_APP } from './app/validate-app.js';

export const DEFAULT_APPS_PORT = 8080;
export const DEFAULT_APPS_HOST = '0.0.0.0';
export const DEFAULT_FRAMEWORK_NAME = 'tandem-apps';
/** A week, as Marathon's --failover_timeout: a restarted apps framework keeps its tasks. */
export const DEFAULT_FAILOVER_TIMEOUT_SECONDS = 7 * 24 * 3600;
/** Offers it has no use for stay away this long (Marathon's --decline_offer_duration). */
export const DEFAULT_DECLINE_SECONDS = 120;
/** Offers declined while instances wait come back this soon, so the diagnostics stay fresh. */
export const DEFAULT_WAITING_DECLINE_SECONDS = 5;
/** Explicit and implicit reconciliation, besides the one at every subscription. */
export const DEFAULT_RECONCILE_INTERVAL_MS = 60_000;
/** How often instances are converged toward their apps and deployments checked. */
export const DEFAULT_TICK_MS = 500;
export const DEFAULT_MIN_REVIVE_INTERVAL_MS = 1_000;
/** A kill with no terminal update after this long is sent again. */
export const DEFAULT_KILL_RETRY_MS = 10_000;
/** Versions kept per app (Marathon's --zk_max_versions). */
export const DEFAULT_MAX_VERSIONS = 50;
/** Deployment timeout for apps that set none; 0 = none. */
export const DEFAULT_DEPLOYMENT_TIMEOUT_SECONDS = 0;
/** Service ports for `port: 0` come from [min, max), as Marathon's --local_port_min/--local_port_max. */
export const DEFAULT_LOCAL_PORT_MIN = 10_000;
export const DEFAULT_LOCAL_PORT_MAX = 20_000;
export { DEFAULT_MAX_BODY_BYTES, DEFAULT_MAX_INSTANCES_PER_APP };

export interface AppsFrameworkOptions {
  /** The master's gRPC address, host:port. */
  master: string;
  /** Where apps, versions, deployments and instances live; the framework does not close it. */
  store: Store;
  /** HTTP port of the REST API; 0 = any free port, -1 = no HTTP server. @default 8080 */
  port?: number;
  /** @default 0.0.0.0 */
  host?: string;
  logger?: Logger;
  /** @default 'tandem-apps' */
  frameworkName?: string;
  /** @default ['*'] */
  roles?: string[];
  /** @default a week */
  failoverTimeoutSeconds?: number;
  /** @default 120 */
  declineSeconds?: number;
  /** @default 5 */
  waitingDeclineSeconds?: number;
  /** @default 60000 */
  reconcileIntervalMs?: number;
  /** @default 500 */
  tickMs?: number;
  /** @default 1000 */
  minReviveIntervalMs?: number;
  /** @default 10000 */
  killRetryMs?: number;
  /** @default 50 */
  maxVersions?: number;
  /** @default 50000 */
  maxInstancesPerApp?: number;
  /** Allow privileged containers (agents must allow them too). @default false */
  allowPrivileged?: boolean;
  /** @default 0 (none) */
  deploymentTimeoutSeconds?: number;
  /** Lowest service port assigned to a `port: 0` (Marathon's --local_port_min). @default 10000 */
  localPortMin?: number;
  /** Service ports are assigned below this one (Marathon's --local_port_max). @default 20000 */
  localPortMax?: number;
  /** Request bodies over this many bytes are refused with 413. @default 1048576 (1 MiB) */
  maxBodyBytes?: number;
  /** Re-subscription backoff of the driver. */
  reconnect?: BackoffOptions;
  /** Aborting it stops the framework, as `stop()` does. */
  signal?: AbortSignal;
}

export type ResolvedAppsOptions = Required<Omit<AppsFrameworkOptions, 'logger' | 'reconnect' | 'signal'>> &
  Pick<AppsFrameworkOptions, 'logger' | 'reconnect' | 'signal'>;

function checkPortRange(min: number, max: number): void {
  if (!Number.isInteger(min) || min < 1 || min > 65535) throw new TandemError(Code.InvalidArgument, `localPortMin: must be a port from 1 to 65535, got ${min}`, { field: 'localPortMin' });
  if (!Number.isInteger(max) || max > 65536) throw new TandemError(Code.InvalidArgument, `localPortMax: must be a whole number up to 65536 (the range excludes it), got ${max}`, { field: 'localPortMax' });
  if (max <= min) throw new TandemError(Code.InvalidArgument, `localPortMax: must be greater than localPortMin (${min}), got ${max}`, { field: 'localPortMax' });
}

function checkBodyLimit(bytes: number): void {
  if (!Number.isSafeInteger(bytes) || bytes < 1) throw new TandemError(Code.InvalidArgument, `maxBodyBytes: must be a whole number of bytes >= 1, got ${bytes}`, { field: 'maxBodyBytes' });
}

/** Fills every option's default; a bad service port range or body limit throws naming the option. */
export function appsDefaults(o: AppsFrameworkOptions): ResolvedAppsOptions {
  const localPortMin = o.localPortMin ?? DEFAULT_LOCAL_PORT_MIN;
  const localPortMax = o.localPortMax ?? DEFAULT_LOCAL_PORT_MAX;
  checkPortRange(localPortMin, localPortMax);
  const maxBodyBytes = o.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES;
  checkBodyLimit(maxBodyBytes);
  return {
    master: o.master,
    store: o.store,
    port: o.port ?? DEFAULT_APPS_PORT,
    host: o.host ?? DEFAULT_APPS_HOST,
    logger: o.logger,
    frameworkName: o.frameworkName ?? DEFAULT_FRAMEWORK_NAME,
    roles: o.roles ?? ['*'],
    failoverTimeoutSeconds: o.failoverTimeoutSeconds ?? DEFAULT_FAILOVER_TIMEOUT_SECONDS,
    declineSeconds: o.declineSeconds ?? DEFAULT_DECLINE_SECONDS,
    waitingDeclineSeconds: o.waitingDeclineSeconds ?? DEFAULT_WAITING_DECLINE_SECONDS,
    reconcileIntervalMs: o.reconcileIntervalMs ?? DEFAULT_RECONCILE_INTERVAL_MS,
    tickMs: o.tickMs ?? DEFAULT_TICK_MS,
    minReviveIntervalMs: o.minReviveIntervalMs ?? DEFAULT_MIN_REVIVE_INTERVAL_MS,
    killRetryMs: o.killRetryMs ?? DEFAULT_KILL_RETRY_MS,
    maxVersions: o.maxVersions ?? DEFAULT_MAX_VERSIONS,
    maxInstancesPerApp: o.maxInstancesPerApp ?? DEFAULT_MAX_INSTANCES_PER_APP,
    allowPrivileged: o.allowPrivileged ?? false,
    deploymentTimeoutSeconds: o.deploymentTimeoutSeconds ?? DEFAULT_DEPLOYMENT_TIMEOUT_SECONDS,
    localPortMin,
    localPortMax,
    maxBodyBytes,
    reconnect: o.reconnect,
    signal: o.signal,
  };
}
