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

/**
 * The per-principal limits of the master's gRPC services (call-limits.ts; `--rate-limit` and
 * the other limit flags). Sized so that no legitimate client of the tests or benchmarks meets
 * them: without TLS or credentials every client of one host is one key, and the benchmarks
 * run 10,000 hollow agents from one process, which all reconnect at once after a failover.
 */
export const DEFAULT_CALL_LIMITS = {
  callRate: { count: 1000, perMs: 1000, burst: 2000 },
  streamRate: { count: 2000, perMs: 1000, burst: 20_000 },
  maxStreams: 25_000,
  maxAgents: 20_000,
  maxFrameworks: 1_000,
} as const;
