/**
 * The package's defaults, in a module that imports nothing at run time, so that the CLI
 * can show them in `--help` without loading the package (`@tandem/framework-sdk/defaults`).
 */
/** Interface a framework's REST API binds. */
export const DEFAULT_SERVICE_HOST = '0.0.0.0';
/**
 * How long the master keeps a service framework's tasks after it disconnects: a week, as
 * Marathon's --failover_timeout, so a restarted apps or jobs framework keeps its tasks.
 */
export const DEFAULT_SERVICE_FAILOVER_TIMEOUT_MS = 7 * 24 * 3600 * 1000;
/** Offers a framework has no use for stay away this long (Marathon's --decline_offer_duration); revive brings them back. */
export const DEFAULT_DECLINE_MS = 120_000;
/** Live tasks are reconciled with the master this often (explicit and implicit), besides at every subscription. */
export const DEFAULT_RECONCILE_INTERVAL_MS = 60_000;
