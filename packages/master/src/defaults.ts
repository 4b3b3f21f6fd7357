/**
 * The package's defaults, in a module that imports nothing at run time, so that the CLI
 * can show them in `--help` without loading the package (`@tandem/master/defaults`).
 */
/** Every default of `MasterOptions`, durations in ms (the CLI's flags in seconds divide these). */
export const DEFAULT_MASTER_OPTIONS = {
  host: '0.0.0.0',
  port: 5050,
  httpPort: 5051,
  workDir: './.tandem/master',
  agentPingIntervalMs: 15_000,
  maxMissedPings: 5,
  agentReregisterTimeoutMs: 600_000,
  offerTimeoutMs: 0,
  allocationIntervalMs: 1_000,
  frameworkHeartbeatMs: 15_000,
  maxCompletedTasks: 1_000,
  defaultRefuseSeconds: 5,
} as const;
