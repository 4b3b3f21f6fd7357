/**
 * The package's defaults, in a module that imports nothing at run time, so that the CLI
 * can show them in `--help` without loading the package (`@tandem/apps/defaults`).
 */
/** Marathon's --http_port. */
export const DEFAULT_APPS_PORT = 8080;
export const DEFAULT_FRAMEWORK_NAME = 'tandem-apps';
/** The framework subscribes for these roles. */
export const DEFAULT_APPS_ROLES: readonly string[] = ['*'];
/** Offers declined while instances wait come back this soon, so the diagnostics stay fresh. */
export const DEFAULT_WAITING_DECLINE_MS = 5_000;
/** How often instances are converged toward their apps and deployments checked. */
export const DEFAULT_TICK_MS = 500;
/** Revives are at least this far apart. */
export const DEFAULT_MIN_REVIVE_INTERVAL_MS = 1_000;
/** A kill with no terminal update after this long is sent again. */
export const DEFAULT_KILL_RETRY_MS = 10_000;
/** Versions kept per app (Marathon's --zk_max_versions). */
export const DEFAULT_MAX_VERSIONS = 50;
/** Deployment timeout for apps that set none; 0 = none. */
export const DEFAULT_DEPLOYMENT_TIMEOUT_MS = 0;
/** Service ports for `port: 0` come from [min, max), as Marathon's --local_port_min/--local_port_max. */
export const DEFAULT_LOCAL_PORT_MIN = 10_000;
export const DEFAULT_LOCAL_PORT_MAX = 20_000;
/**
 * New instances are not placed on an agent whose maintenance window starts within this
 * many seconds (or has started): Marathon's --draining_seconds, whose default of 0 would
 * be moot here, since the master offers no agent whose window has started.
 */
export const DEFAULT_MAINTENANCE_LEAD_SECONDS = 600;
