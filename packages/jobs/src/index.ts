export { JobsClient, type JobsClientOptions } from './client/jobs-client.js';
export { type Clock, ManualClock, systemClock } from './core/clock.js';
export { offerMatches } from './core/constraints.js';
export { emptyHistory, type FinishedRun, type JobHistory, recordRun } from './core/history.js';
export { compactTimestamp, dependencyRunId, manualRunId, scheduledRunId, taskIdOf } from './core/ids.js';
export { type JobRun, LIVE_TASK_STATES, liveTasks, type RunTask, type RunTrigger, runCounts } from './core/job-run.js';
export { JobsMetrics } from './core/jobs-metrics.js';
export { EventHub, type JobsEvent } from './core/run-events.js';
export { applyTaskUpdate, type PendingLaunch, pendingLaunches, type RunEffects, stopRun, type TaskUpdate, withinDeadline } from './core/run-planner.js';
export { canTransitionRun, checkRunTransition, isFinished, RUN_STATUSES, RUN_TRANSITIONS, type RunStatus } from './core/run-status.js';
export { runView, scheduleView } from './core/run-view.js';
export { cronOf, nextRunAt, planSchedule, type ScheduleDecision, type ScheduleState } from './core/schedule-planner.js';
export { keys as JOBS_STORE_KEYS } from './core/store-keys.js';
export { JOBS_API_VERSION, type JobsServer, startJobsServer } from './http/jobs-server.js';
export { JobsFramework, type JobsFrameworkState } from './jobs-framework.js';
export { type JobsServiceOptions, type JobsServiceTestOptions, type RunningJobs, startJobsService } from './jobs-service.js';
export {
  DEFAULT_DECLINE_SECONDS,
  DEFAULT_FAILOVER_TIMEOUT_SECONDS,
  DEFAULT_FRAMEWORK_NAME,
  DEFAULT_HISTORY_LIMIT,
  DEFAULT_JOBS_HOST,
  DEFAULT_JOBS_PORT,
  DEFAULT_RECONCILE_INTERVAL_MS,
  DEFAULT_RETRY_DELAY_MS,
  type JobsFrameworkOptions,
  jobsDefaults,
  type ResolvedJobsOptions,
  resolveJobsOptions,
} from './options.js';
export { CronSchedule, cronError, isValidTimezone } from './spec/cron.js';
export { ID_PATTERN, idSchema, isValidId } from './spec/job-id.js';
export { type Constraint, type JobSpec, type JobSpecInput, jobSpecSchema, type RestartPolicy, type RunSpec, runSpecSchema } from './spec/job-spec.js';
export { type ConcurrencyPolicy, DEFAULT_STARTING_DEADLINE_SECONDS, DEFAULT_TIMEZONE, type ScheduleSpec, scheduleSpecSchema } from './spec/schedule-spec.js';
export { type FieldErrors, SpecError } from './spec/spec-error.js';
export { jsonPointer, validate } from './spec/validate.js';
