import type { Acls, BasicCredential, HttpAuth, Logger, TlsFiles } from '@tandem/protocol';
import type { NatsKvStore, Store } from '@tandem/store';
import type { AgentRemovalRateLimit } from './agent-removal-limit.js';
import type { Allocator, RoleQuota } from './allocator/allocator.js';
import type { MasterLimitOptions } from './call-limits.js';
import { DEFAULT_MASTER_OPTIONS } from './defaults.js';
import type { UiLinks } from './ui-links.js';

export interface MasterOptions {
  /** Interface both servers bind. @default '0.0.0.0' */
  host?: string;
  /** gRPC port (Scheduler, Agent, Operator services); 0 picks a free one. @default 5050 */
  port?: number;
  /** HTTP port (JSON state, health); 0 picks a free one, -1 disables. @default 5051 */
  httpPort?: number;
  /** Registry and logs live here. @default './.tandem/master' */
  workDir?: string;
  /** How often the master pings each agent. @default 15000 */
  agentPingIntervalMs?: number;
  /** Missed pings after which an agent is unreachable. @default 5 */
  maxMissedPings?: number;
  /**
   * After a restart, how long the master waits for the agents its registry admitted to
   * re-register (Mesos' `agent_reregister_timeout`). Until then it gives no verdict on
   * tasks it does not know that may be on them (reconciliation, kills); then those agents
   * are recorded unreachable and such tasks are TASK_UNREACHABLE. @default 600000
   */
  agentReregisterTimeoutMs?: number;
  /**
   * At most `count` agents per `perMs` are marked unreachable for missing their pings
   * (Mesos' `agent_removal_rate_limit`; permits spaced `perMs / count` apart); the others
   * wait DISCONNECTED, their tasks not yet TASK_UNREACHABLE, and leave the queue if they
   * answer or re-register. So a network blip cannot empty a cluster. @default undefined (unlimited)
   */
  agentRemovalRateLimit?: AgentRemovalRateLimit;
  /**
   * Limits against denial of service (call-limits.ts): per-principal rates of calls and new
   * streams, caps on open streams, agents and frameworks per principal, the HTTP API's
   * rate, the largest gRPC message. @default DEFAULT_CALL_LIMITS, DEFAULT_HTTP_RATE_LIMIT, 64 MiB
   */
  limits?: MasterLimitOptions;
  /** Rescind offers not answered in this time; 0 = never (Mesos' default). @default 0 */
  offerTimeoutMs?: number;
  /** Batch allocation period; freed resources are also allocated at once. @default 1000 */
  allocationIntervalMs?: number;
  /** HEARTBEAT period on framework streams. @default 15000 */
  frameworkHeartbeatMs?: number;
  /** Completed tasks kept for the state endpoints. @default 1000 */
  maxCompletedTasks?: number;
  /** Decline filter applied to unused resources when a call sets none (Mesos: 5 s). @default 5 */
  defaultRefuseSeconds?: number;
  /**
   * Role weights to start with (role -> weight > 0), as Mesos' deprecated `--weights`. Used
   * only while the registry holds no weights: then they are validated (a bad one fails
   * `start()`), applied and stored. Once weights are stored (from here or from
   * `Operator.UpdateWeights`), the registry wins and these are ignored with a warning.
   */
  weights?: Readonly<Record<string, number>>;
  /** Role quotas to start with; the same rule as `weights` (the registry wins once it holds any). */
  quotas?: Readonly<Record<string, RoleQuota>>;
  /** Where the registry lives; defaults to a FileStore under workDir/registry. */
  store?: Store;
  /**
   * High availability: several masters on one NATS KV bucket, one of them leading. The
   * master serves at once as a standby (every call answered UNAVAILABLE naming the leader,
   * HTTP 307 to it), contends for the lease in the bucket, and reads the registry and acts
   * only once it leads. It stops acting the moment it cannot prove it still holds the lease,
   * and then stops (`Master.steppedDown` resolves): run a new Master to stand by again.
   * `store` is ignored; `workDir` is not used.
   */
  ha?: MasterHaOptions;
  /**
   * Mutual TLS on the gRPC port (`readTlsFiles`): the master serves only TLS, and every
   * agent, framework and operator must present a certificate signed by `tls.ca`.
   * @default undefined (plaintext)
   */
  tls?: TlsFiles;
  /**
   * ACLs (`--acls FILE`, `parseAcls`): who may register frameworks for which roles, run
   * tasks as which users and images, register agents, kill, tear down, view, change
   * weights and quotas, mark agents gone. @default Acls.permissive() (everything allowed)
   */
  acls?: Acls;
  /**
   * Principals and secrets a gRPC call may present as `authorization: Basic` metadata
   * (`--credentials FILE`). With credentials or `tls`, a call that proves no principal is
   * UNAUTHENTICATED. @default none (without `tls` too: an open cluster, no principals)
   */
  credentials?: readonly BasicCredential[];
  /**
   * Credentials the HTTP API requires on every path but `/health` (`--http-credentials`,
   * `--http-credentials-file`, `--http-tokens-file`). With `tls` the HTTP API serves
   * HTTPS only, and a client certificate signed by the CA also proves a principal.
   * @default undefined (open)
   */
  httpAuth?: HttpAuth;
  /** Origins allowed cross-origin requests on the HTTP API (`--cors-origin`). @default none: CORS off */
  corsOrigins?: readonly string[];
  /** The apps and jobs APIs the web UI shows (`--apps-url`, `--jobs-url`); `Master.uiLinks` changes them later. @default none */
  uiLinks?: UiLinks;
  allocator?: Allocator;
  logger?: Logger;
}

export interface MasterHaOptions {
  /** The registry's bucket (`tandem-master`); the master owns it from here on and closes it when it stops. */
  store: NatsKvStore;
  /** The host other masters send clients to (this master's gRPC and HTTP ports are added). @default the `host` option, or the machine's hostname when it is 0.0.0.0 or :: */
  advertiseHost?: string;
  /** @default DEFAULT_LEASE_TTL_MS (10 s) */
  leaseTtlMs?: number;
}

export type ResolvedMasterOptions = typeof DEFAULT_MASTER_OPTIONS &
  Pick<
    MasterOptions,
    | 'store'
    | 'allocator'
    | 'logger'
    | 'weights'
    | 'quotas'
    | 'ha'
    | 'agentRemovalRateLimit'
    | 'tls'
    | 'acls'
    | 'credentials'
    | 'httpAuth'
    | 'corsOrigins'
    | 'uiLinks'
  > & {
    -readonly [K in keyof typeof DEFAULT_MASTER_OPTIONS]: (typeof DEFAULT_MASTER_OPTIONS)[K] extends number ? number : string;
  };

/** Fills every option's default. */
export function resolveMasterOptions(options: MasterOptions): ResolvedMasterOptions {
  const out: Record<string, unknown> = { ...DEFAULT_MASTER_OPTIONS };
  for (const [k, v] of Object.entries(options)) if (v !== undefined) out[k] = v;
  return out as ResolvedMasterOptions;
}

/** @deprecated the name of `resolveMasterOptions` before every package's resolver was named `resolveXOptions`. */
export const masterDefaults = resolveMasterOptions;

// Every default, from the module that loads nothing (`@tandem/<pkg>/defaults`).
export * from './defaults.js';
