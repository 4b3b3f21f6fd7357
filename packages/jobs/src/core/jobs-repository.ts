import { Code, type Logger, TandemError } from '@tandem/protocol';
import type { Store } from '@tandem/store';
import type { JobSpec, RunSpec } from '../spec/job-spec.js';
import type { JobHistory } from './history.js';
import type { JobRun } from './job-run.js';
import { mapOf } from './map-of.js';
import { isFinished } from './run-status.js';
import type { ScheduleState } from './schedule-planner.js';
import { keys } from './store-keys.js';

/**
 * A run as written under `runs/<jobId>/<runId>`. Its spec is written once, under
 * `run-specs/<jobId>/<runId>`, so that the record rewritten on every task update stays
 * small; stores written before that keep the spec in the record, and such a record
 * loses it (the spec moving to `run-specs/` in the same batch) the first time it is
 * rewritten.
 */
type StoredRun = Omit<JobRun, 'spec'> & { spec?: RunSpec };

const runKey = (jobId: string, runId: string): string => `${jobId}/${runId}`;

/**
 * The jobs framework's state in memory and in the Store: jobs, schedules, runs (with a
 * task index), histories and dependency marks. Loaded once; every write goes through
 * it and is durable before it returns. It decides nothing: the framework's parts do.
 */
export class JobsRepository {
  readonly jobs = new Map<string, JobSpec>();
  readonly schedules = new Map<string, Map<string, ScheduleState>>();
  readonly runs = new Map<string, Map<string, JobRun>>();
  readonly histories = new Map<string, JobHistory>();
  /** Per dependent job: the parent runs that already triggered it. */
  readonly deps = new Map<string, Record<string, string>>();
  private readonly taskIndex = new Map<string, { jobId: string; runId: string }>();
  /** Runs (`jobId/runId`) whose spec is under `run-specs/`. */
  private readonly specStored = new Set<string>();

  constructor(
    private readonly store: Store,
    private readonly log: Logger,
  ) {}

  /** Reads everything; a run's spec comes from `run-specs/`, or from its record in older stores. */
  async load(): Promise<void> {
    for (const e of await this.store.list<JobSpec>(keys.jobs)) this.jobs.set(e.value.id, e.value);
    for (const e of await this.store.list<ScheduleState>(keys.schedules)) {
      const jobId = e.key.split('/')[1] ?? '';
      mapOf(this.schedules, jobId).set(e.value.spec.id, e.value);
    }
    const specs = new Map<string, RunSpec>();
    for (const e of await this.store.list<RunSpec>(keys.runSpecs)) specs.set(e.key.slice(keys.runSpecs.length), e.value);
    for (const e of await this.store.list<StoredRun>(keys.runs)) {
      const key = runKey(e.value.jobId, e.value.id);
      const spec = e.value.spec ?? specs.get(key);
      if (specs.delete(key)) this.specStored.add(key);
      if (!spec) {
        this.log.error({ key: e.key }, 'a run record without its spec: not loaded');
        continue;
      }
      const run: JobRun = { ...e.value, spec };
      mapOf(this.runs, run.jobId).set(run.id, run);
      for (const t of run.tasks) this.taskIndex.set(t.id, { jobId: run.jobId, runId: run.id });
    }
    // Specs whose run is gone (a crash between a run's two deletes).
    for (const key of specs.keys()) await this.store.delete(`${keys.runSpecs}${key}`);
    for (const e of await this.store.list<JobHistory>(keys.histories)) this.histories.set(e.key.slice(keys.histories.length), e.value);
    for (const e of await this.store.list<Record<string, string>>(keys.allDeps)) this.deps.set(e.key.slice(keys.allDeps.length), e.value);
  }

  // ------------------------------------------------------------------ reads

  requireJob(id: string): JobSpec {
    const job = this.jobs.get(id);
    if (!job) throw new TandemError(Code.NotFound, `Job '${id}' does not exist`);
    return job;
  }

  /** The run a task belongs to, while the run is kept. */
  runOfTask(taskId: string): JobRun | undefined {
    const ref = this.taskIndex.get(taskId);
    return ref ? this.runs.get(ref.jobId)?.get(ref.runId) : undefined;
  }

  activeRunsOf(jobId: string): JobRun[] {
    return [...(this.runs.get(jobId)?.values() ?? [])].filter((r) => !isFinished(r.status));
  }

  /** Every run not finished, oldest first. */
  activeRunsByAge(): JobRun[] {
    const out: JobRun[] = [];
    for (const runs of this.runs.values()) for (const r of runs.values()) if (!isFinished(r.status)) out.push(r);
    return out.sort((a, b) => (a.createdAt < b.createdAt ? -1 : a.createdAt > b.createdAt ? 1 : 0));
  }

  countActive(): number {
    let n = 0;
    for (const runs of this.runs.values()) for (const r of runs.values()) if (!isFinished(r.status)) n++;
    return n;
  }

  *allRuns(): Iterable<JobRun> {
    for (const runs of this.runs.values()) yield* runs.values();
  }

  // ------------------------------------------------------------------ writes

  async storedFrameworkId(): Promise<string | undefined> {
    return (await this.store.get<string>(keys.frameworkId))?.value;
  }

  async saveFrameworkId(id: string): Promise<void> {
    if ((await this.storedFrameworkId()) !== id) await this.store.put(keys.frameworkId, id);
  }

  async putJob(job: JobSpec): Promise<void> {
    await this.store.put(keys.job(job.id), job);
    this.jobs.set(job.id, job);
  }

  /** Deletes a job and everything of it; `forgetRun` is told of each run as it goes. */
  async deleteJob(id: string, forgetRun: (run: JobRun) => void): Promise<void> {
    await this.store.delete(keys.job(id));
    for (const sid of this.schedules.get(id)?.keys() ?? []) await this.store.delete(keys.schedule(id, sid));
    for (const run of this.runs.get(id)?.values() ?? []) {
      for (const t of run.tasks) this.taskIndex.delete(t.id);
      forgetRun(run);
      await this.deleteRunRecords(run);
    }
    await this.store.delete(keys.history(id));
    await this.store.delete(keys.deps(id));
    this.jobs.delete(id);
    this.schedules.delete(id);
    this.runs.delete(id);
    this.histories.delete(id);
    this.deps.delete(id);
  }

  async putSchedule(jobId: string, state: ScheduleState): Promise<void> {
    await this.store.put(keys.schedule(jobId, state.spec.id), state);
    mapOf(this.schedules, jobId).set(state.spec.id, state);
  }

  async deleteSchedule(jobId: string, scheduleId: string): Promise<void> {
    await this.store.delete(keys.schedule(jobId, scheduleId));
    this.schedules.get(jobId)?.delete(scheduleId);
  }

  /** Writes a new run (its spec, then its record, in one batch) and keeps it. */
  async addRun(run: JobRun): Promise<void> {
    await this.persist(run);
    mapOf(this.runs, run.jobId).set(run.id, run);
  }

  /** Writes a run's record (and, the first time, its spec). */
  async persist(run: JobRun): Promise<void> {
    const key = runKey(run.jobId, run.id);
    const { spec, ...record } = run;
    if (this.specStored.has(key)) {
      await this.store.put(keys.run(run.jobId, run.id), record);
      return;
    }
    // Issued in one turn: one batch, durable together; the spec comes first in it.
    await Promise.all([this.store.put(keys.runSpec(run.jobId, run.id), spec), this.store.put(keys.run(run.jobId, run.id), record)]);
    this.specStored.add(key);
  }

  /** The task belongs to the run from now on (its launch is being written down). */
  indexTask(taskId: string, run: JobRun): void {
    this.taskIndex.set(taskId, { jobId: run.jobId, runId: run.id });
  }

  async deleteRun(run: JobRun): Promise<void> {
    await this.deleteRunRecords(run);
    this.runs.get(run.jobId)?.delete(run.id);
    for (const t of run.tasks) this.taskIndex.delete(t.id);
  }

  async putHistory(jobId: string, history: JobHistory): Promise<void> {
    await this.store.put(keys.history(jobId), history);
    this.histories.set(jobId, history);
  }

  async putDeps(jobId: string, consumed: Record<string, string>): Promise<void> {
    await this.store.put(keys.deps(jobId), consumed);
    this.deps.set(jobId, consumed);
  }

  private async deleteRunRecords(run: JobRun): Promise<void> {
    const key = runKey(run.jobId, run.id);
    await this.store.delete(keys.run(run.jobId, run.id));
    if (this.specStored.delete(key)) await this.store.delete(keys.runSpec(run.jobId, run.id));
  }
}
