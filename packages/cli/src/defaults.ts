import { DEFAULT_AGENT_HTTP_PORT, DEFAULT_AGENT_WORK_DIR, DEFAULT_FETCH_MAX_URIS } from '@tandem/agent/defaults';
import {
  DEFAULT_APPS_PORT,
  DEFAULT_DEPLOYMENT_TIMEOUT_MS,
  DEFAULT_LOCAL_PORT_MAX,
  DEFAULT_LOCAL_PORT_MIN,
  DEFAULT_MAINTENANCE_LEAD_SECONDS,
} from '@tandem/apps/defaults';
import { DEFAULT_DECLINE_MS, DEFAULT_SERVICE_FAILOVER_TIMEOUT_MS, DEFAULT_SERVICE_HOST } from '@tandem/framework-sdk/defaults';
import { DEFAULT_JOBS_PORT } from '@tandem/jobs/defaults';
import { DEFAULT_MASTER_OPTIONS } from '@tandem/master/defaults';

/**
 * The defaults of the CLI's flags. Every number a library has a default for comes from
 * that library (durations there in ms; flags in seconds divide them); only what exists
 * in the CLI alone (work dirs of the services, `execute`, `hollow`, env names) is
 * declared here.
 */
const seconds = (ms: number): number => ms / 1000;

// tandem master / up
export const DEFAULT_MASTER_PORT = DEFAULT_MASTER_OPTIONS.port;
export const DEFAULT_HTTP_PORT = DEFAULT_MASTER_OPTIONS.httpPort;
export const DEFAULT_HOST = DEFAULT_MASTER_OPTIONS.host;
export const DEFAULT_MASTER_WORK_DIR = DEFAULT_MASTER_OPTIONS.workDir;
export const DEFAULT_AGENT_PING_INTERVAL_SECONDS = seconds(DEFAULT_MASTER_OPTIONS.agentPingIntervalMs);
export const DEFAULT_MAX_MISSED_PINGS = DEFAULT_MASTER_OPTIONS.maxMissedPings;
export const DEFAULT_AGENT_REREGISTER_TIMEOUT_SECONDS = seconds(DEFAULT_MASTER_OPTIONS.agentReregisterTimeoutMs);
export const DEFAULT_OFFER_TIMEOUT_SECONDS = seconds(DEFAULT_MASTER_OPTIONS.offerTimeoutMs);
export const DEFAULT_ALLOCATION_INTERVAL_SECONDS = seconds(DEFAULT_MASTER_OPTIONS.allocationIntervalMs);
/** `tandem up` listens on this interface unless `--bind` says otherwise. */
export const DEFAULT_UP_BIND = '127.0.0.1';
/** `tandem up`: the parent of the master/, agent/, jobs/ and apps/ work dirs. */
export const DEFAULT_WORK_DIR = './.tandem';

// tandem agent
export const DEFAULT_AGENT_PORT = DEFAULT_AGENT_HTTP_PORT;
export { DEFAULT_AGENT_WORK_DIR, DEFAULT_FETCH_MAX_URIS };
export const DEFAULT_CONTAINERIZERS = 'docker,process';

// tandem apps serve / jobs serve
export { DEFAULT_SERVICE_HOST };
export const DEFAULT_FAILOVER_TIMEOUT_SECONDS = seconds(DEFAULT_SERVICE_FAILOVER_TIMEOUT_MS);
/** Also `tandem execute`'s: offers it does not need stay away this long. */
export const DEFAULT_DECLINE_SECONDS = seconds(DEFAULT_DECLINE_MS);
export { DEFAULT_APPS_PORT, DEFAULT_JOBS_PORT, DEFAULT_LOCAL_PORT_MAX, DEFAULT_LOCAL_PORT_MIN };
export const DEFAULT_DEPLOYMENT_TIMEOUT_SECONDS = seconds(DEFAULT_DEPLOYMENT_TIMEOUT_MS);
/** `--maintenance-lead` as a duration flag (`10m`). */
export const DEFAULT_MAINTENANCE_LEAD =
  DEFAULT_MAINTENANCE_LEAD_SECONDS % 60 === 0 ? `${DEFAULT_MAINTENANCE_LEAD_SECONDS / 60}m` : `${DEFAULT_MAINTENANCE_LEAD_SECONDS}s`;
export const DEFAULT_APPS_URL = `http://localhost:${DEFAULT_APPS_PORT}`;
export const DEFAULT_APPS_WORK_DIR = './.tandem/apps';
export const DEFAULT_JOBS_URL = `http://localhost:${DEFAULT_JOBS_PORT}`;
export const DEFAULT_JOBS_WORK_DIR = './.tandem/jobs';

// tandem execute
export const DEFAULT_EXECUTE_CPUS = 0.1;
export const DEFAULT_EXECUTE_MEM = 32;
export const DEFAULT_EXECUTE_DISK = 0;

// tandem acl check
/** Exit codes of `tandem acl check`: allowed, denied, bad input. */
export const ACL_CHECK_EXIT = { allowed: 0, denied: 1, badInput: 2 } as const;

/** The principal argument that stands for an unauthenticated caller. */
export const ANONYMOUS = '-';

// tandem top
/** How many frameworks `tandem top` shows. */
export const DEFAULT_TOP_FRAMEWORKS = 10;

// tandem hollow (benchmarks and scale tests only)
export const DEFAULT_HOLLOW_RESOURCES = 'cpus:8;mem:16384;ports:[31000-32000]';
export const DEFAULT_HOLLOW_WORK_DIR = './.tandem/hollow';

/** Env var prefix: `--work-dir` is also read from TANDEM_WORK_DIR. */
export const ENV_PREFIX = 'TANDEM_';
