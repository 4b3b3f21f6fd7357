import { createHash, randomBytes } from 'node:crypto';

/** `2024-03-10T07:00:00.000Z` -> `20240310070000` (Metronome-style run id prefix). */
export function compactTimestamp(ms: number): string {
  return new Date(ms).toISOString().replace(/[-:T]/g, '').slice(0, 14);
}

/** A run started by hand: timestamp plus five random letters, as Metronome's `20160614133813ap8zq`. */
export function manualRunId(nowMs: number): string {
  const letters = 'abcdefghijklmnopqrstuvwxyz0123456789';
  const suffix = [...randomBytes(5)].map((b) => letters[b % letters.length]).join('');
  return `${compactTimestamp(nowMs)}${suffix}`;
}

/** The run of one scheduled instant: the same instant always gives the same id (never two runs). */
export function scheduledRunId(scheduleId: string, instantMs: number): string {
  return `${compactTimestamp(instantMs)}-${scheduleId}`;
}

/** The run a set of parent runs triggers: the same parent runs always give the same id. */
export function dependencyRunId(parents: Record<string, string>, newestMs: number): string {
  const key = Object.entries(parents)
    .sort(([a], [b]) => (a < b ? -1 : 1))
    .map(([job, run]) => `${job}=${run}`)
    .join(',');
  return `${compactTimestamp(newestMs)}-dep-${createHash('sha256').update(key).digest('hex').slice(0, 8)}`;
}

/**
 * The task of one attempt of one index of a run. Job ids hold no `_`, run ids neither,
 * so the id is unambiguous; a relaunch always takes the next attempt, never an old id.
 */
export function taskIdOf(jobId: string, runId: string, index: number, attempt: number): string {
  return `${jobId}_${runId}_${index}_${attempt}`;
}
