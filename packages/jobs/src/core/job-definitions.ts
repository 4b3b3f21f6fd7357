import { Code, TandemError } from '@tandem/framework-sdk';
import type { JobSpec, JobSpecInput } from '../spec/job-spec.js';
import type { ScheduleSpec } from '../spec/schedule-spec.js';
import { SpecError } from '../spec/spec-error.js';
import { liveTasks } from './job-run.js';
import type { JobsContext } from './jobs-context.js';
import { iso } from './map-of.js';
import type { RunBookkeeping } from './run-bookkeeping.js';
import type { ScheduleState } from './schedule-planner.js';

/**
 * Changes to jobs and their schedules, as the REST API asks for them: checked
 * (dependencies exist and form no cycle; a job has schedules or dependencies, not both;
 * Metronome's one schedule per job) and written before they take effect. Each method
 * runs inside the serial chain (JobsFramework puts it there).
 */
export class JobDefinitions {
  constructor(
    private readonly ctx: JobsContext,
    private readonly book: RunBookkeeping,
  ) {}

  async createJob(input: JobSpecInput): Promise<JobSpec> {
    if (this.ctx.repo.jobs.has(input.id)) throw new TandemError(Code.AlreadyExists, `Job with id ${input.id} already exists`);
    this.checkDependencies(input);
    return this.saveJob(input, true);
  }

  /** Replaces a job (PUT); its schedules are replaced too when the body has `schedules`. */
  async updateJob(id: string, input: JobSpecInput): Promise<JobSpec> {
    if (input.id !== id) throw SpecError.of('/id', `must match the id in the path (${id})`);
    if (!this.ctx.repo.jobs.has(id)) throw new TandemError(Code.NotFound, `Job '${id}' does not exist`);
    this.checkDependencies(input);
    return this.saveJob(input, false);
  }

  async deleteJob(id: string, stopCurrentJobRuns: boolean): Promise<JobSpec> {
    const { repo } = this.ctx;
    const job = repo.requireJob(id);
    const dependents = [...repo.jobs.values()].filter((j) => j.dependencies?.some((d) => d.id === id)).map((j) => j.id);
    if (dependents.length > 0) {
      throw new TandemError(Code.FailedPrecondition, `Job '${id}' has dependent jobs: ${dependents.join(', ')}`);
    }
    const active = repo.activeRunsOf(id);
    if (active.length > 0 && !stopCurrentJobRuns) {
      throw new TandemError(Code.FailedPrecondition, `Job '${id}' has active runs; use stopCurrentJobRuns=true`);
    }
    for (const run of active) {
      for (const t of liveTasks(run)) this.book.kill(run, t);
    }
    await repo.deleteJob(id, (run) => this.ctx.retries.forgetRun(id, run.id));
    this.ctx.metrics.jobs.set(repo.jobs.size);
    this.ctx.events.publish({ type: 'job_deleted', jobId: id });
    this.ctx.armTimer();
    return job;
  }

  async putSchedule(jobId: string, spec: ScheduleSpec, mode: 'create' | 'update'): Promise<ScheduleState> {
    const { repo } = this.ctx;
    const job = repo.requireJob(jobId);
    if ((job.dependencies?.length ?? 0) > 0) throw SpecError.of('/', 'a job with dependencies cannot have schedules');
    const existing = repo.schedules.get(jobId)?.get(spec.id);
    if (mode === 'create' && existing) throw new TandemError(Code.AlreadyExists, `Schedule '${spec.id}' already exists`);
    if (mode === 'update' && !existing) throw new TandemError(Code.NotFound, `Schedule '${spec.id}' of job '${jobId}' does not exist`);
    if (mode === 'create' && (repo.schedules.get(jobId)?.size ?? 0) > 0) {
      throw new TandemError(Code.FailedPrecondition, 'Metronome allows one schedule per job; update or delete the existing one');
    }
    return this.saveSchedule(jobId, spec, existing);
  }

  async deleteSchedule(jobId: string, scheduleId: string): Promise<void> {
    await this.ctx.repo.deleteSchedule(jobId, scheduleId);
    this.ctx.armTimer();
  }

  private checkDependencies(input: JobSpecInput): void {
    const { jobs } = this.ctx.repo;
    const parents = input.dependencies ?? [];
    parents.forEach((d, i) => {
      if (!jobs.has(d.id)) throw SpecError.of(`/dependencies/${i}/id`, `job '${d.id}' does not exist`);
    });
    // No cycle: no parent may (transitively) depend on this job.
    const seen = new Set<string>();
    const stack = parents.map((d) => d.id);
    while (stack.length > 0) {
      const id = stack.pop() as string;
      if (id === input.id) throw SpecError.of('/dependencies', 'the dependencies would form a cycle');
      if (seen.has(id)) continue;
      seen.add(id);
      for (const d of jobs.get(id)?.dependencies ?? []) stack.push(d.id);
    }
  }

  private async saveJob(input: JobSpecInput, created: boolean): Promise<JobSpec> {
    const { repo } = this.ctx;
    const { schedules, ...job } = input;
    if (schedules && schedules.length > 1) throw SpecError.of('/schedules', 'Metronome allows at most one schedule per job');
    if (!created && (job.dependencies?.length ?? 0) > 0 && (repo.schedules.get(job.id)?.size ?? 0) > 0 && schedules === undefined) {
      throw SpecError.of('/dependencies', 'a job has schedules or dependencies, not both; delete its schedules first');
    }
    await repo.putJob(job);
    if (schedules !== undefined) {
      const current = repo.schedules.get(job.id) ?? new Map<string, ScheduleState>();
      for (const sid of [...current.keys()]) {
        if (!schedules.some((s) => s.id === sid)) await repo.deleteSchedule(job.id, sid);
      }
      for (const s of schedules) await this.saveSchedule(job.id, s, current.get(s.id));
    }
    if ((job.dependencies?.length ?? 0) > 0) {
      // Parent runs that finished before the dependency existed do not trigger it.
      const consumed: Record<string, string> = { ...(repo.deps.get(job.id) ?? {}) };
      for (const d of job.dependencies ?? []) {
        const last = repo.histories.get(d.id)?.lastFinished;
        if (last && consumed[d.id] === undefined) consumed[d.id] = last.id;
      }
      await repo.putDeps(job.id, consumed);
    }
    this.ctx.metrics.jobs.set(repo.jobs.size);
    this.ctx.events.publish({ type: created ? 'job_created' : 'job_updated', jobId: job.id });
    return job;
  }

  private async saveSchedule(jobId: string, spec: ScheduleSpec, existing: ScheduleState | undefined): Promise<ScheduleState> {
    const { nextRunAt: _ignored, ...clean } = spec as ScheduleSpec & { nextRunAt?: string };
    const now = this.ctx.clock.now();
    // A new, re-timed or re-enabled schedule starts from now: past instants are not owed.
    const keep = existing && existing.spec.cron === clean.cron && existing.spec.timezone === clean.timezone && (existing.spec.enabled || !clean.enabled);
    const state: ScheduleState = { spec: clean, lastInstant: keep ? existing.lastInstant : iso(now) };
    await this.ctx.repo.putSchedule(jobId, state);
    this.ctx.armTimer();
    return state;
  }
}
