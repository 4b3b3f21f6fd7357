import type { FinishedRun, JobHistory } from '../core/history.js';
import { metronomeRunView, metronomeTime, runView, scheduleView } from '../core/run-view.js';
import type { JobSpec, RunSpec } from '../spec/job-spec.js';
import type { JobsApi } from './jobs-api.js';

/** Metronome's embeds, and `tandem`: Tandem's own fields (run counts, attempts, task exit codes, every stored run field). */
export const EMBEDS = ['activeRuns', 'schedules', 'history', 'historySummary', 'tandem'] as const;
export type Embed = (typeof EMBEDS)[number];

/** `?embed=a&embed=b` or `?embed=a,b` -> the known embeds. */
export function parseEmbeds(raw: unknown): Set<Embed> {
  const values = (Array.isArray(raw) ? raw : raw === undefined ? [] : [raw]).flatMap((v) => String(v).split(','));
  return new Set(values.filter((v): v is Embed => (EMBEDS as readonly string[]).includes(v)));
}

const finishedRunView = (r: FinishedRun) => ({ id: r.id, createdAt: metronomeTime(r.createdAt), finishedAt: metronomeTime(r.finishedAt), tasks: r.tasks });

/** Metronome's JobHistoryWrites (times in its format). */
export function historyView(h: JobHistory): Record<string, unknown> {
  return {
    ...historySummaryView(h),
    successfulFinishedRuns: h.successfulFinishedRuns.map(finishedRunView),
    failedFinishedRuns: h.failedFinishedRuns.map(finishedRunView),
  };
}

/** Metronome's JobHistorySummaryWrites. */
export function historySummaryView(h: JobHistory): Record<string, unknown> {
  return {
    successCount: h.successCount,
    failureCount: h.failureCount,
    lastSuccessAt: metronomeTime(h.lastSuccessAt),
    lastFailureAt: metronomeTime(h.lastFailureAt),
  };
}

/**
 * A run spec as Metronome writes it: its defaults filled in (env, placement, artifacts,
 * volumes, restart, secrets; docker's privileged, parameters, forcePullImage). Tandem's
 * `parallelism` and `completions` only when not 1, so a job Metronome could hold shows
 * nothing else and a job that uses them keeps them through a GET-then-PUT.
 */
export function metronomeRunSpec(run: RunSpec): Record<string, unknown> {
  const out: Record<string, unknown> = { cpus: run.cpus, mem: run.mem, disk: run.disk };
  if (run.gpus !== undefined) out.gpus = run.gpus;
  if (run.cmd !== undefined) out.cmd = run.cmd;
  if (run.args !== undefined) out.args = run.args;
  if (run.user !== undefined) out.user = run.user;
  out.env = run.env;
  out.placement = { constraints: run.placement?.constraints ?? [] };
  out.artifacts = run.artifacts ?? [];
  out.maxLaunchDelay = run.maxLaunchDelay;
  if (run.docker) {
    const d = run.docker;
    out.docker = { image: d.image, privileged: d.privileged ?? false, parameters: d.parameters ?? [], forcePullImage: d.forcePullImage ?? false };
  }
  out.volumes = run.volumes ?? [];
  out.restart = run.restart;
  if (run.taskKillGracePeriodSeconds !== undefined) out.taskKillGracePeriodSeconds = run.taskKillGracePeriodSeconds;
  out.secrets = run.secrets;
  if (run.parallelism !== 1) out.parallelism = run.parallelism;
  if (run.completions !== 1) out.completions = run.completions;
  return out;
}

/** A job spec as Metronome writes it (`dependencies` only when the job has some: Tandem's, as given). */
export function metronomeJob(job: JobSpec): Record<string, unknown> {
  return {
    id: job.id,
    ...(job.description === undefined ? {} : { description: job.description }),
    labels: job.labels,
    run: metronomeRunSpec(job.run),
    ...((job.dependencies?.length ?? 0) > 0 ? { dependencies: job.dependencies } : {}),
  };
}

/** A job as Metronome shows it, with the embeds asked for; with `tandem`, the spec as stored and runs with Tandem's fields. */
export function jobView(fw: JobsApi, job: JobSpec, embeds: ReadonlySet<Embed>): Record<string, unknown> {
  const tandem = embeds.has('tandem');
  const out: Record<string, unknown> = tandem ? { ...job } : metronomeJob(job);
  if (embeds.has('activeRuns')) out.activeRuns = fw.listRuns(job.id).map(tandem ? runView : metronomeRunView);
  if (embeds.has('schedules')) out.schedules = fw.listSchedules(job.id).map((s) => scheduleView(s, fw.now()));
  if (embeds.has('history')) out.history = historyView(fw.history(job.id));
  if (embeds.has('historySummary')) out.historySummary = historySummaryView(fw.history(job.id));
  return out;
}

/** `/v0/scheduled-jobs`: a job with its schedules (always present) before its run. */
export function scheduledJobView(fw: JobsApi, job: JobSpec): Record<string, unknown> {
  const { run, ...head } = metronomeJob(job);
  return { ...head, schedules: fw.listSchedules(job.id).map((s) => scheduleView(s, fw.now())), run };
}
