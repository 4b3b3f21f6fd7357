import type { JobHistory } from '../core/history.js';
import { runView, scheduleView } from '../core/run-view.js';
import type { JobSpec } from '../spec/job-spec.js';
import type { JobsApi } from './jobs-api.js';

export const EMBEDS = ['activeRuns', 'schedules', 'history', 'historySummary'] as const;
export type Embed = (typeof EMBEDS)[number];

/** `?embed=a&embed=b` or `?embed=a,b` -> the known embeds. */
export function parseEmbeds(raw: unknown): Set<Embed> {
  const values = (Array.isArray(raw) ? raw : raw === undefined ? [] : [raw]).flatMap((v) => String(v).split(','));
  return new Set(values.filter((v): v is Embed => (EMBEDS as readonly string[]).includes(v)));
}

export function historyView(h: JobHistory): Record<string, unknown> {
  return {
    successCount: h.successCount,
    failureCount: h.failureCount,
    lastSuccessAt: h.lastSuccessAt,
    lastFailureAt: h.lastFailureAt,
    successfulFinishedRuns: h.successfulFinishedRuns,
    failedFinishedRuns: h.failedFinishedRuns,
  };
}

export function historySummaryView(h: JobHistory): Record<string, unknown> {
  return { successCount: h.successCount, failureCount: h.failureCount, lastSuccessAt: h.lastSuccessAt, lastFailureAt: h.lastFailureAt };
}

/** A job as Metronome shows it, with the embeds asked for. */
export function jobView(fw: JobsApi, job: JobSpec, embeds: ReadonlySet<Embed>): Record<string, unknown> {
  const out: Record<string, unknown> = { ...job };
  if (embeds.has('activeRuns')) out.activeRuns = fw.listRuns(job.id).map(runView);
  if (embeds.has('schedules')) out.schedules = fw.listSchedules(job.id).map((s) => scheduleView(s, fw.now()));
  if (embeds.has('history')) out.history = historyView(fw.history(job.id));
  if (embeds.has('historySummary')) out.historySummary = historySummaryView(fw.history(job.id));
  return out;
}
