/**
 * The package's defaults, in a module that imports nothing at run time, so that the CLI
 * can show them in `--help` without loading the package (`@tandem/jobs/defaults`).
 */
/** Metronome's port. */
export const DEFAULT_JOBS_PORT = 8090;
export const DEFAULT_FRAMEWORK_NAME = 'tandem-jobs';
/** Pause before a failed task is retried under ON_FAILURE. */
export const DEFAULT_RETRY_DELAY_MS = 1000;
/** Finished runs kept per job (in the history lists and as run records). */
export const DEFAULT_HISTORY_LIMIT = 50;
