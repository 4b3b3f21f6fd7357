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
 * A time as Metronome writes it (its DateTimeFormat, `yyyy-MM-dd'T'HH:mm:ss.SSSZ`, in UTC):
 * `2016-07-15T13:02:59.735+0000`. Tandem stores ISO 8601 (`...Z`); clients of Metronome
 * parsing with that pattern refuse a `Z`.
 */
export function metronomeTime(iso: string): string;
export function metronomeTime(iso: string | null | undefined): string | null;
export function metronomeTime(iso: string | null | undefined): string | null {
  return iso ? new Date(iso).toISOString().replace(/Z$/, '+0000') : null;
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
    createdAt: metronomeTime(run.createdAt),
    completedAt: metronomeTime(run.completedAt),
    tasks: run.tasks.map((t) => ({
      id: t.id,
      startedAt: metronomeTime(t.launchedAt),
      ...(t.completedAt ? { completedAt: metronomeTime(t.completedAt) } : {}),
      status: t.status,
    })),
  };
}

/** A schedule as the API shows it (Metronome's shape with `nextRunAt`, in Metronome's time format). */
export function scheduleView(state: ScheduleState, nowMs: number): Record<string, unknown> {
  const next = nextRunAt(state.spec, nowMs);
  return { ...state.spec, ...(next ? { nextRunAt: metronomeTime(next) } : {}) };
}
