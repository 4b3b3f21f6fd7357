import { type JobRun, runCounts } from './job-run.js';
import type { ScheduleState } from './schedule-planner.js';
import { nextRunAt } from './schedule-planner.js';

/** A run as the API shows it: Metronome's JobRun fields plus Tandem's task counts and attempts. */
export function runView(run: JobRun): Record<string, unknown> {
  const counts = runCounts(run);
  return {
    id: run.id,
    jobId: run.jobId,
    status: run.status,
    createdAt: run.createdAt,
    completedAt: run.completedAt ?? null,
    trigger: run.trigger,
    ...(run.reason ? { reason: run.reason } : {}),
    ...(run.stopping ? { stopping: true } : {}),
    completions: counts.completions,
    parallelism: counts.parallelism,
    succeeded: counts.succeeded,
    running: counts.running,
    staging: counts.staging,
    failed: counts.failed,
    attempts: run.tasks.length,
    tasks: run.tasks.map((t) => ({
      id: t.id,
      status: t.status,
      index: t.index,
      attempt: t.attempt,
      agentId: t.agentId,
      launchedAt: t.launchedAt,
      startedAt: t.startedAt ?? null,
      completedAt: t.completedAt ?? null,
      ...(t.exitCode === undefined ? {} : { exitCode: t.exitCode }),
      ...(t.message ? { message: t.message } : {}),
    })),
  };
}

/**
 * A run as Metronome writes it: id, jobId, status, createdAt, completedAt (null while it runs)
 * and its tasks as `{id, startedAt, completedAt?, status}` (startedAt: when it was launched).
 * Tandem's counts, attempts, trigger and exit codes are in `runView` (`?embed=tandem`).
 */
export function metronomeRunView(run: JobRun): Record<string, unknown> {
  return {
    id: run.id,
    jobId: run.jobId,
    status: run.status,
    createdAt: run.createdAt,
    completedAt: run.completedAt ?? null,
    tasks: run.tasks.map((t) => ({ id: t.id, startedAt: t.launchedAt, ...(t.completedAt ? { completedAt: t.completedAt } : {}), status: t.status })),
  };
}

/** A schedule as the API shows it (Metronome's shape with `nextRunAt`). */
export function scheduleView(state: ScheduleState, nowMs: number): Record<string, unknown> {
  const next = nextRunAt(state.spec, nowMs);
  return { ...state.spec, ...(next ? { nextRunAt: next } : {}) };
}
