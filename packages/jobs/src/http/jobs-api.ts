import type { JobHistory } from '../core/history.js';
import type { JobRun } from '../core/job-run.js';
import type { JobsMetrics } from '../core/jobs-metrics.js';
import type { RunQueue } from '../core/run-bookkeeping.js';
import type { EventHub } from '../core/run-events.js';
import type { ScheduleState } from '../core/schedule-planner.js';
import type { JobSpec, JobSpecInput } from '../spec/job-spec.js';
import type { ScheduleSpec } from '../spec/schedule-spec.js';

/**
 * What the REST API asks of the jobs framework. `JobsFramework` is the implementation;
 * the server imports this interface, not the framework, so neither imports the other in a circle.
 */
export interface JobsApi {
  readonly events: EventHub;
  readonly metrics: JobsMetrics;
  readonly frameworkId: string | undefined;
  /** The framework's clock (ms since the epoch). */
  now(): number;
  listJobs(): JobSpec[];
  getJob(id: string): JobSpec | undefined;
  createJob(input: JobSpecInput): Promise<JobSpec>;
  updateJob(id: string, input: JobSpecInput): Promise<JobSpec>;
  deleteJob(id: string, stopCurrentJobRuns: boolean): Promise<JobSpec>;
  listSchedules(jobId: string): ScheduleState[];
  getSchedule(jobId: string, scheduleId: string): ScheduleState;
  putSchedule(jobId: string, spec: ScheduleSpec, mode: 'create' | 'update'): Promise<ScheduleState>;
  deleteSchedule(jobId: string, scheduleId: string): Promise<void>;
  startRun(jobId: string): Promise<JobRun>;
  listRuns(jobId: string, includeFinished?: boolean): JobRun[];
  getRun(jobId: string, runId: string): JobRun;
  stopRun(jobId: string, runId: string): Promise<JobRun>;
  history(jobId: string): JobHistory;
  queue(): RunQueue;
}
