import type { JobRun } from './job-run.js';

/** A finished run in a job's history (Metronome's shape). */
export interface FinishedRun {
  id: string;
  createdAt: string;
  finishedAt: string;
  tasks: string[];
}

/** A job's history under `history/<jobId>`: counts, last times, bounded lists of finished runs. */
export interface JobHistory {
  successCount: number;
  failureCount: number;
  lastSuccessAt: string | null;
  lastFailureAt: string | null;
  successfulFinishedRuns: FinishedRun[];
  failedFinishedRuns: FinishedRun[];
  /** The newest finished run: what dependencies look at. */
  lastFinished: { id: string; status: 'SUCCESS' | 'FAILED'; finishedAt: string } | null;
}

export function emptyHistory(): JobHistory {
  return {
    successCount: 0,
    failureCount: 0,
    lastSuccessAt: null,
    lastFailureAt: null,
    successfulFinishedRuns: [],
    failedFinishedRuns: [],
    lastFinished: null,
  };
}

/** Adds a finished run (newest first, at most `limit` per list). Adding the same run twice changes nothing. */
export function recordRun(history: JobHistory, run: JobRun, limit: number): JobHistory {
  if (run.status !== 'SUCCESS' && run.status !== 'FAILED') return history;
  const known = [...history.successfulFinishedRuns, ...history.failedFinishedRuns].some((r) => r.id === run.id);
  if (known) return history;
  const finishedAt = run.completedAt ?? run.createdAt;
  const entry: FinishedRun = { id: run.id, createdAt: run.createdAt, finishedAt, tasks: run.tasks.map((t) => t.id) };
  const next: JobHistory = { ...history };
  if (run.status === 'SUCCESS') {
    next.successCount += 1;
    next.lastSuccessAt = finishedAt;
    next.successfulFinishedRuns = [entry, ...history.successfulFinishedRuns].slice(0, limit);
  } else {
    next.failureCount += 1;
    next.lastFailureAt = finishedAt;
    next.failedFinishedRuns = [entry, ...history.failedFinishedRuns].slice(0, limit);
  }
  if (!history.lastFinished || history.lastFinished.finishedAt <= finishedAt) {
    next.lastFinished = { id: run.id, status: run.status, finishedAt };
  }
  return next;
}
