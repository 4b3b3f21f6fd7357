/** The defaults of the design brief: master gRPC :5050, HTTP :5051, agent :5052, work dirs under ./.tandem. */
export const DEFAULT_MASTER_PORT = 5050;
export const DEFAULT_HTTP_PORT = 5051;
export const DEFAULT_AGENT_PORT = 5052;
export const DEFAULT_HOST = '0.0.0.0';
export const DEFAULT_WORK_DIR = './.tandem';
export const DEFAULT_MASTER_WORK_DIR = './.tandem/master';
export const DEFAULT_AGENT_WORK_DIR = './.tandem/agent';
export const DEFAULT_AGENT_PING_INTERVAL_SECONDS = 15;
export const DEFAULT_MAX_MISSED_PINGS = 5;
/** How long a restarted master waits for the agents of its registry (Mesos' agent_reregister_timeout: 10 min). */
export const DEFAULT_AGENT_REREGISTER_TIMEOUT_SECONDS = 600;
export const DEFAULT_OFFER_TIMEOUT_SECONDS = 0;
export const DEFAULT_ALLOCATION_INTERVAL_SECONDS = 1;
export const DEFAULT_CONTAINERIZERS = 'docker,process';
export const DEFAULT_EXECUTE_CPUS = 0.1;
export const DEFAULT_EXECUTE_MEM = 32;
export const DEFAULT_EXECUTE_DISK = 0;
/** How long `execute` keeps offers it does not need away (Marathon declines for 120 s). */
export const DEFAULT_DECLINE_SECONDS = 120;
/** Env var prefix: `--work-dir` is also read from TANDEM_WORK_DIR. */
export const ENV_PREFIX = 'TANDEM_';
/** `tandem hollow` (benchmarks and scale tests only). */
export const DEFAULT_HOLLOW_RESOURCES = 'cpus:8;mem:16384;ports:[31000-32000]';
export const DEFAULT_HOLLOW_WORK_DIR = './.tandem/hollow';
/** The jobs framework (Metronome's port). */
export const DEFAULT_JOBS_PORT = 8090;
export const DEFAULT_JOBS_URL = 'http://localhost:8090';
export const DEFAULT_JOBS_WORK_DIR = './.tandem/jobs';
