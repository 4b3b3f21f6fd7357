// @tandem/jobs: the Metronome-compatible batch framework. Its public face: the framework
// and the services that run it (on a file store, or in high availability on a NATS
// store), the REST client, its options, defaults and clock, the job and schedule specs
// (Metronome's JSON, as validated), and the runs, history and events the API returns.
export { JobsClient, type JobsClientOptions } from './client/jobs-client.js';
export { type Clock, ManualClock, systemClock } from './core/clock.js';
export type { JobsFrameworkState } from './core/framework-state.js';
export type { FinishedRun, JobHistory } from './core/history.js';
export type { JobRun, RunTask, RunTrigger } from './core/job-run.js';
export type { JobsEvent } from './core/run-events.js';
export type { RunStatus } from './core/run-status.js';
export type { ScheduleState } from './core/schedule-planner.js';
export { JOBS_API_VERSION } from './http/jobs-server.js';
export { JobsFramework } from './jobs-framework.js';
export { JOBS_BUCKET, type JobsHaServiceOptions, type RunningJobsHa, startJobsHaService } from './jobs-ha-service.js';
export { type JobsServiceOptions, type JobsServiceTestOptions, type RunningJobs, startJobsService } from './jobs-service.js';
export {
  DEFAULT_FRAMEWORK_NAME,
  DEFAULT_HISTORY_LIMIT,
  DEFAULT_JOBS_PORT,
  DEFAULT_RECONCILE_INTERVAL_MS,
  DEFAULT_RETRY_DELAY_MS,
  type JobsFrameworkOptions,
  jobsDefaults,
  type ResolvedJobsOptions,
  resolveJobsOptions,
} from './options.js';
export { type Constraint, type JobSpec, type JobSpecInput, jobSpecSchema, type RestartPolicy, type RunSpec, runSpecSchema } from './spec/job-spec.js';
export { type ConcurrencyPolicy, DEFAULT_STARTING_DEADLINE_SECONDS, DEFAULT_TIMEZONE, type ScheduleSpec, scheduleSpecSchema } from './spec/schedule-spec.js';
