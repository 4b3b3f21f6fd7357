import type { BackoffOptions } from '@tandem/protocol';

/**
 * The package's defaults, in a module that imports nothing at run time, so that the CLI
 * can show them in `--help` without loading the package (`@tandem/agent/defaults`).
 */
/** Port of the agent's HTTP API (`GET /health`, `GET /api/v1/state`). */
export const DEFAULT_AGENT_HTTP_PORT = 5052;
/** Where `tandem agent` keeps checkpoints and sandboxes when no --work-dir is given. */
export const DEFAULT_AGENT_WORK_DIR = './.tandem/agent';
export const DEFAULT_STATUS_RETRY_MS = { initial: 10_000, max: 600_000 } as const;
export const DEFAULT_RECONNECT_BACKOFF: BackoffOptions = { initialMs: 500, maxMs: 15_000 };
export const DEFAULT_KILL_GRACE_PERIOD_MS = 3000;
export const DEFAULT_REGISTER_TIMEOUT_MS = 15_000;
export const DEFAULT_MAX_CONCURRENT_LAUNCHES = 8;
/** The most URIs a task may carry (`tandem agent --fetch-max-uris`): its fetches run one after the other before its start. */
export const DEFAULT_FETCH_MAX_URIS = 32;
/** The items `--docker-allow` takes, for its help and its errors. */
export const DOCKER_ALLOW_ITEMS = 'privileged, host-mounts:/PATH, docker-socket, named-volumes, cap:NAME, host-pid, host-ipc, devices, runtime:NAME';
