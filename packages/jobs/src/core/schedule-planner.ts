import { LRUCache } from 'lru-cache';
import { CronSchedule } from '../spec/cron.js';
import type { ScheduleSpec } from '../spec/schedule-spec.js';

/** A schedule as stored under `schedules/<jobId>/<scheduleId>`: the spec and the last instant it dealt with. */
export interface ScheduleState {
  spec: ScheduleSpec;
  /** The last instant that was run or skipped (ISO); instants at or before it never run again. */
  lastInstant: string;
}

/** What to do about a schedule now. */
export type ScheduleDecision =
  | { kind: 'wait'; nextMs: number | undefined }
  | { kind: 'run'; instantMs: number }
  | { kind: 'skip'; instantMs: number; reason: 'deadline' | 'forbid' };

/** Compiled cron expressions kept (the least recently used go first). */
const MAX_COMPILED_CRONS = 1000;
const compiled = new LRUCache<string, CronSchedule>({ max: MAX_COMPILED_CRONS });

/** A compiled cron expression, cached by expression and zone. */
export function cronOf(spec: Pick<ScheduleSpec, 'cron' | 'timezone'>): CronSchedule {
  const key = `${spec.timezone}|${spec.cron}`;
  let c = compiled.get(key);
  if (!c) {
    c = new CronSchedule(spec.cron, spec.timezone);
    compiled.set(key, c);
  }
  return c;
}

/**
 * Decides one schedule at `nowMs`: of the instants since `lastMs` only the latest counts
 * (older missed ones are superseded); it runs when it is within startingDeadlineSeconds
 * and, under FORBID, no run of the job is active; otherwise it is skipped. Either way
 * the caller records it as the new last instant, so no instant is ever decided twice.
 */
export function planSchedule(spec: ScheduleSpec, lastMs: number, nowMs: number, hasActiveRun: boolean): ScheduleDecision {
  if (!spec.enabled) return { kind: 'wait', nextMs: undefined };
  const cron = cronOf(spec);
  const due = cron.latestBetween(lastMs, nowMs);
  if (due === undefined) return { kind: 'wait', nextMs: cron.next(Math.max(lastMs, nowMs)) };
  if (nowMs - due > spec.startingDeadlineSeconds * 1000) return { kind: 'skip', instantMs: due, reason: 'deadline' };
  if (spec.concurrencyPolicy === 'FORBID' && hasActiveRun) return { kind: 'skip', instantMs: due, reason: 'forbid' };
  return { kind: 'run', instantMs: due };
}

/** The next instant a schedule will fire after `nowMs`, for `nextRunAt`. */
export function nextRunAt(spec: ScheduleSpec, nowMs: number): string | undefined {
  if (!spec.enabled) return undefined;
  const n = cronOf(spec).next(nowMs);
  return n === undefined ? undefined : new Date(n).toISOString();
}
