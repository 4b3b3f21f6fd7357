import type { AppDefinition } from '../app/app-definition.js';
import type { Instance } from '../core/instance.js';

/** Marathon's TaskStats: counts and, when any task was staged, its life times (seconds since staging). */
export interface TaskStats {
  stats: {
    counts: { staged: number; running: number; healthy: number; unhealthy: number };
    lifeTime?: { averageSeconds: number; medianSeconds: number };
  };
}

/** Marathon's TaskStatsByVersion; a category with no task is left out. */
export interface TaskStatsByVersion {
  startedAfterLastScaling?: TaskStats;
  withLatestConfig?: TaskStats;
  withOutdatedConfig?: TaskStats;
  totalSummary?: TaskStats;
}

const STAGED: ReadonlySet<Instance['condition']> = new Set(['Provisioned', 'Staging', 'Starting']);
const WITH_TASK: ReadonlySet<Instance['condition']> = new Set([...STAGED, 'Running', 'Killing', 'Unreachable', 'UnreachableInactive']);

function statsOf(tasks: readonly Instance[], nowMs: number): TaskStats | undefined {
  if (tasks.length === 0) return undefined;
  const counts = { staged: 0, running: 0, healthy: 0, unhealthy: 0 };
  const lifeTimes: number[] = [];
  for (const t of tasks) {
    if (STAGED.has(t.condition)) counts.staged += 1;
    if (t.condition === 'Running') counts.running += 1;
    if (t.condition === 'Running' && t.healthChecked && t.healthy === true) counts.healthy += 1;
    if (t.healthChecked && t.healthy === false) counts.unhealthy += 1;
    const staged = t.stagedAt ? Date.parse(t.stagedAt) : Number.NaN;
    if (Number.isFinite(staged)) lifeTimes.push(Math.max(0, nowMs - staged) / 1000);
  }
  lifeTimes.sort((a, b) => a - b);
  return {
    stats: {
      counts,
      ...(lifeTimes.length > 0
        ? { lifeTime: { averageSeconds: lifeTimes.reduce((s, x) => s + x, 0) / lifeTimes.length, medianSeconds: lifeTimes[Math.floor(lifeTimes.length / 2)]! } }
        : {}),
    },
  };
}

/**
 * `embed=app.taskStats`, as Marathon computes it: the app's current tasks in four
 * categories by the app version each was launched with, against the app's versionInfo:
 * started after the last scaling (or restart), running the latest config, running an
 * outdated config, and all of them. Each category holds the counts (staged, running,
 * healthy, unhealthy) and the tasks' life times since staging (average, median).
 */
export function taskStatsJson(app: AppDefinition, instances: readonly Instance[], nowMs = Date.now()): TaskStatsByVersion {
  const tasks = instances.filter((i) => i.taskId !== undefined && WITH_TASK.has(i.condition));
  const at = (iso: string): number => Date.parse(iso);
  const lastScaling = at(app.versionInfo.lastScalingAt);
  const lastConfig = at(app.versionInfo.lastConfigChangeAt);
  const versioned = (test: (launchedWith: number) => boolean): TaskStats | undefined =>
    statsOf(
      tasks.filter((t) => test(at(t.appVersion))),
      nowMs,
    );
  const out: TaskStatsByVersion = {};
  const put = (key: keyof TaskStatsByVersion, s: TaskStats | undefined): void => {
    if (s) out[key] = s;
  };
  if (Number.isFinite(lastScaling))
    put(
      'startedAfterLastScaling',
      versioned((v) => v >= lastScaling),
    );
  if (Number.isFinite(lastConfig)) {
    put(
      'withLatestConfig',
      versioned((v) => v >= lastConfig),
    );
    put(
      'withOutdatedConfig',
      versioned((v) => v < lastConfig),
    );
  }
  put('totalSummary', statsOf(tasks, nowMs));
  return out;
}
