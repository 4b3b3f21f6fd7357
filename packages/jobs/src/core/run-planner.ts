import { canTransition, isTerminal, type TaskState } from '@tandem/protocol';
import { type JobRun, LIVE_TASK_STATES, liveTasks, type RunTask } from './job-run.js';
import { checkRunTransition, isFinished } from './run-status.js';

/** One task the run wants launched now. */
export interface PendingLaunch {
  index: number;
  attempt: number;
}

/** What the framework must do after a status update or a stop. */
export interface RunEffects {
  /** The run record changed (persist it, publish it). */
  changed: boolean;
  /** An index failed and will be retried (after the retry delay). */
  retryIndex?: number;
  /** Live tasks to kill (the run is stopping). */
  kill: RunTask[];
  /** The run just ended. */
  finished?: 'SUCCESS' | 'FAILED';
  /** A task was lost before it started; its index is launched again (not a failure). */
  relaunch?: boolean;
}

/** A status as the planner needs it (from a TaskStatus). */
export interface TaskUpdate {
  taskId: string;
  state: TaskState;
  message?: string;
  exitCode?: number;
}

const iso = (ms: number): string => new Date(ms).toISOString();

/**
 * The launches a run wants now: indexes not yet succeeded, not running and not waiting
 * for a retry, at most `parallelism` live tasks in all, each at the next attempt number.
 */
export function pendingLaunches(run: JobRun, nowMs: number, retryAt?: ReadonlyMap<number, number>): PendingLaunch[] {
  if (isFinished(run.status) || run.stopping) return [];
  const live = liveTasks(run);
  let slots = run.spec.parallelism - live.length;
  if (slots <= 0) return [];
  const done = new Set(run.succeeded);
  const busy = new Set(live.map((t) => t.index));
  const lastAttempt = new Map<number, number>();
  for (const t of run.tasks) lastAttempt.set(t.index, Math.max(lastAttempt.get(t.index) ?? 0, t.attempt));
  const out: PendingLaunch[] = [];
  for (let index = 0; index < run.spec.completions && slots > 0; index++) {
    if (done.has(index) || busy.has(index)) continue;
    const wait = retryAt?.get(index);
    if (wait !== undefined && wait > nowMs) continue;
    out.push({ index, attempt: (lastAttempt.get(index) ?? 0) + 1 });
    slots--;
  }
  return out;
}

/** True while a failed task may still be retried (activeDeadlineSeconds counts from the run's creation; unset = forever). */
export function withinDeadline(run: JobRun, nowMs: number): boolean {
  const d = run.spec.restart.activeDeadlineSeconds;
  return d === undefined || nowMs <= Date.parse(run.createdAt) + d * 1000;
}

/** STARTING/ACTIVE from the live tasks (INITIAL while nothing was launched). */
export function refreshRunStatus(run: JobRun): void {
  if (isFinished(run.status)) return;
  const live = liveTasks(run);
  const next = live.some((t) => t.status === 'TASK_RUNNING' || t.status === 'TASK_KILLING') ? 'ACTIVE' : run.tasks.length === 0 ? 'INITIAL' : 'STARTING';
  if (next === 'INITIAL' && run.status !== 'INITIAL') return;
  run.status = checkRunTransition(run.status, next);
}

function finish(run: JobRun, status: 'SUCCESS' | 'FAILED', nowMs: number): void {
  run.status = checkRunTransition(run.status, status);
  run.completedAt = iso(nowMs);
}

/** Marks the run stopping (no more launches) and returns the live tasks to kill; ends it at once when none live. */
export function stopRun(run: JobRun, reason: string, nowMs: number): RunEffects {
  if (isFinished(run.status)) return { changed: false, kill: [] };
  const already = run.stopping === true;
  run.stopping = true;
  run.reason ??= reason;
  const kill = liveTasks(run);
  if (kill.length === 0) {
    finish(run, 'FAILED', nowMs);
    return { changed: true, kill, finished: 'FAILED' };
  }
  return { changed: !already, kill };
}

/**
 * Applies one status update to a run: task state, succeeded indexes, retries under
 * ON_FAILURE within activeDeadlineSeconds, failure under NEVER (the other tasks are
 * killed), and the run's own status. Repeated or stale updates change nothing.
 */
export function applyTaskUpdate(run: JobRun, update: TaskUpdate, nowMs: number): RunEffects {
  const none: RunEffects = { changed: false, kill: [] };
  const task = run.tasks.find((t) => t.id === update.taskId);
  if (!task || !LIVE_TASK_STATES.has(task.status)) return none;
  if (!isTerminal(update.state)) {
    if (update.state === 'TASK_UNKNOWN') {
      // The master does not know it: a launch written down but never made. Anything that
      // was seen starting is left alone (its agent may come back).
      if (task.status !== 'TASK_STAGING' || task.startedAt) return none;
      task.status = 'TASK_DROPPED';
      task.completedAt = iso(nowMs);
      task.message = 'the master does not know the task: the launch never happened';
      const effects = settle(run, nowMs);
      return { ...effects, changed: true, relaunch: !effects.finished };
    }
    if (task.status === update.state) return none;
    // An older update sent again (e.g. STARTING behind RUNNING): nothing to apply.
    if (!canTransition(task.status, update.state)) return none;
    task.status = update.state;
    if (update.state === 'TASK_RUNNING' && !task.startedAt) task.startedAt = iso(nowMs);
    refreshRunStatus(run);
    return { changed: true, kill: [] };
  }
  task.status = update.state;
  task.completedAt = iso(nowMs);
  if (update.exitCode !== undefined) task.exitCode = update.exitCode;
  if (update.message) task.message = update.message;
  const effects: RunEffects = { changed: true, kill: [] };
  if (update.state === 'TASK_FINISHED') {
    if (!run.succeeded.includes(task.index)) run.succeeded.push(task.index);
  } else if (update.state === 'TASK_DROPPED') {
    effects.relaunch = true;
  } else if (!run.stopping) {
    if (run.spec.restart.policy === 'ON_FAILURE' && withinDeadline(run, nowMs)) {
      effects.retryIndex = task.index;
    } else {
      const why = run.spec.restart.policy === 'ON_FAILURE' ? 'activeDeadlineSeconds passed' : 'restart policy NEVER';
      const exit = task.exitCode === undefined ? '' : ` (exit ${task.exitCode})`;
      run.stopping = true;
      run.reason = `task ${task.id} ended ${update.state}${exit}; ${why}`;
      effects.kill = liveTasks(run);
    }
  }
  const settled = settle(run, nowMs);
  return { ...effects, kill: [...effects.kill, ...settled.kill], ...(settled.finished ? { finished: settled.finished } : {}) };
}

/** Ends the run when it has its completions, or when it is stopping and nothing lives. */
function settle(run: JobRun, nowMs: number): RunEffects {
  const live = liveTasks(run);
  if (run.succeeded.length >= run.spec.completions && !run.stopping) {
    finish(run, 'SUCCESS', nowMs);
    return { changed: true, kill: live, finished: 'SUCCESS' };
  }
  if (run.stopping && live.length === 0) {
    finish(run, 'FAILED', nowMs);
    return { changed: true, kill: [], finished: 'FAILED' };
  }
  refreshRunStatus(run);
  return { changed: true, kill: [] };
}
