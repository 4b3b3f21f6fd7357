import {
  type Acls,
  type BackoffOptions,
  Code,
  DEFAULT_MAX_BODY_BYTES,
  type GrpcCredential,
  type HttpAuth,
  type Logger,
  parseMasterList,
  type RateLimit,
  TandemError,
  type TlsFiles,
} from '@tandem/protocol';
import { DEFAULT_DECLINE_MS, DEFAULT_RECONCILE_INTERVAL_MS, DEFAULT_SERVICE_FAILOVER_TIMEOUT_MS, DEFAULT_SERVICE_HOST } from './defaults.js';

/** The options every service framework on the SDK (apps, jobs) takes: the master, its REST API, its framework info. */
export interface ServiceFrameworkOptions {
  /** The masters' gRPC addresses: `host:port`, or several (`h1:5050,h2:5050`, or a list); the driver follows the leader. */
  master: string | readonly string[];
  /** HTTP port of the REST API; 0 = any free port, -1 = no HTTP server. @default the framework's own (apps 8080, jobs 8090) */
  port?: number;
  /** @default DEFAULT_SERVICE_HOST ('0.0.0.0') */
  host?: string;
  logger?: Logger;
  /** @default the framework's own ('tandem-apps', 'tandem-jobs') */
  frameworkName?: string;
  /** @default DEFAULT_SERVICE_FAILOVER_TIMEOUT_MS / 1000 (a week) */
  failoverTimeoutSeconds?: number;
  /** @default DEFAULT_DECLINE_MS / 1000 (120) */
  declineSeconds?: number;
  /** @default DEFAULT_RECONCILE_INTERVAL_MS (60000) */
  reconcileIntervalMs?: number;
  /** Request bodies over this many bytes are refused with 413. @default DEFAULT_MAX_BODY_BYTES (1 MiB) */
  maxBodyBytes?: number;
  /** Requests per principal (per IP address when anonymous) the REST API answers; more are 429 with Retry-After (`/ping` exempt). `false`: no limit. @default DEFAULT_HTTP_RATE_LIMIT (1000/s, burst 2000) */
  httpRateLimit?: RateLimit | false;
  /** Re-subscription backoff of the driver. @default the driver's (DEFAULT_RECONNECT) */
  reconnect?: BackoffOptions;
  /** Basic credentials and bearer tokens the REST API requires (every path but `/ping`). @default none: the API is open */
  httpAuth?: HttpAuth;
  /**
   * Mutual TLS to the masters (the driver's `tls`): the framework's certificate and key and
   * the cluster CA; the REST API then serves HTTPS only, with the same files (the
   * certificate needs the API's host names: `tandem certs issue --host`). @default undefined (plaintext)
   */
  tls?: TlsFiles;
  /** A principal and secret for the masters (the driver's `credential`, `--credential FILE`). @default none */
  credential?: GrpcCredential;
  /** Origins allowed cross-origin requests on the REST API (`--cors-origin`). @default none: CORS off */
  corsOrigins?: readonly string[];
  /**
   * ACLs on the REST API (`--acls`): apps check `deploy_apps` on app and group ids, jobs
   * `run_jobs` on job ids, both `view` on reads; a denial is 403 naming the rule.
   * @default none: every authenticated request is allowed
   */
  acls?: Acls;
  /** Aborting it stops the framework, as `stop()` does. */
  signal?: AbortSignal;
}

export interface ResolvedServiceFrameworkOptions {
  /** The masters, checked, as one `h1:5050,h2:5050` string (what the driver takes, and `/v2/info` shows). */
  master: string;
  port: number;
  host: string;
  logger: Logger | undefined;
  frameworkName: string;
  failoverTimeoutSeconds: number;
  declineSeconds: number;
  reconcileIntervalMs: number;
  maxBodyBytes: number;
  httpRateLimit: RateLimit | false | undefined;
  reconnect: BackoffOptions | undefined;
  httpAuth: HttpAuth | undefined;
  tls: TlsFiles | undefined;
  credential: GrpcCredential | undefined;
  corsOrigins: readonly string[] | undefined;
  acls: Acls | undefined;
  signal: AbortSignal | undefined;
}

/** Fills the shared options' defaults (`own`: the framework's port and name); a bad master list or body limit throws naming the option. */
export function resolveServiceFrameworkOptions(o: ServiceFrameworkOptions, own: { port: number; frameworkName: string }): ResolvedServiceFrameworkOptions {
  const maxBodyBytes = o.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES;
  if (!Number.isSafeInteger(maxBodyBytes) || maxBodyBytes < 1) {
    throw new TandemError(Code.InvalidArgument, `maxBodyBytes: must be a whole number of bytes >= 1, got ${maxBodyBytes}`, { field: 'maxBodyBytes' });
  }
  return {
    master: parseMasterList(o.master, 'master').join(','),
    port: o.port ?? own.port,
    host: o.host ?? DEFAULT_SERVICE_HOST,
    logger: o.logger,
    frameworkName: o.frameworkName ?? own.frameworkName,
    failoverTimeoutSeconds: o.failoverTimeoutSeconds ?? DEFAULT_SERVICE_FAILOVER_TIMEOUT_MS / 1000,
    declineSeconds: o.declineSeconds ?? DEFAULT_DECLINE_MS / 1000,
    reconcileIntervalMs: o.reconcileIntervalMs ?? DEFAULT_RECONCILE_INTERVAL_MS,
    maxBodyBytes,
    httpRateLimit: o.httpRateLimit,
    reconnect: o.reconnect,
    httpAuth: o.httpAuth,
    tls: o.tls,
    credential: o.credential,
    corsOrigins: o.corsOrigins,
    acls: o.acls,
    signal: o.signal,
  };
}

// Every default, from the module that loads nothing (`@tandem/<pkg>/defaults`).
export * from './defaults.js';
