import { emptyHistory, recordRun } from './history.js';
import { dependencyRunId } from './ids.js';
import type { JobRun, RunTask, RunTrigger } from './job-run.js';
import type { JobsContext } from './jobs-context.js';
import { iso } from './map-of.js';
import { pendingLaunches, type RunEffects } from './run-planner.js';
import { isFinished } from './run-status.js';
import { runView } from './run-view.js';

/** Runs waiting for offers, per job (Metronome's /v1/queue). */
export type RunQueue = { jobId: string; runs: { runId: string }[] }[];

/**
 * What happens to runs whoever changes them: creation under a deterministic id, the
 * write-publish-kill sequence after a change, and everything a finished run entails
 * (history, trimming, dependents). Used by the API, offers, status updates and timers.
 */
export class RunBookkeeping {
  constructor(private readonly ctx: JobsContext) {}

  /** After the load: finish what a crash interrupted (finished runs not yet in their history, dependents not yet triggered). */
  async recover(): Promise<void> {
    const { repo, log, metrics } = this.ctx;
    for (const run of repo.allRuns()) if (isFinished(run.status) && !run.recorded) await this.recordFinished(run);
    await this.triggerDependents();
    metrics.jobs.set(repo.jobs.size);
    this.updateGauges();
    log.info({ jobs: repo.jobs.size, activeRuns: repo.countActive() }, 'jobs state loaded');
  }

  /** Creates a run under a deterministic id; when one with that id exists it is returned instead. */
  async createRun(jobId: string, trigger: RunTrigger, runId: string): Promise<JobRun> {
    const { repo, clock, metrics, log } = this.ctx;
    const job = repo.requireJob(jobId);
    const existing = repo.runs.get(jobId)?.get(runId);
    if (existing) return existing;
    const run: JobRun = {
      id: runId,
      jobId,
      status: 'INITIAL',
      createdAt: iso(clock.now()),
      trigger,
      spec: job.run,
      tasks: [],
      succeeded: [],
    };
    await repo.addRun(run); // the intent, before anything launches
    metrics.runsStarted.inc({ trigger: trigger.type });
    log.info({ jobId, runId, trigger: trigger.type }, 'run created');
    this.publishRun(run);
    this.ctx.noteWork();
    this.ctx.armTimer();
    return run;
  }

  /** Persists and publishes a changed run, kills what must die, and finishes it when it ended. */
  async afterEffects(run: JobRun, effects: RunEffects): Promise<void> {
    if (!effects.changed && effects.kill.length === 0) return;
    await this.ctx.repo.persist(run);
    this.publishRun(run);
    for (const t of effects.kill) this.kill(run, t);
    if (effects.finished) await this.recordFinished(run);
    if (!isFinished(run.status)) this.ctx.noteWork();
  }

  kill(run: JobRun, task: RunTask): void {
    const grace = run.spec.taskKillGracePeriodSeconds;
    void this.ctx.driver
      ?.kill(task.id, task.agentId || undefined, grace)
      .catch((err: unknown) => this.ctx.log.debug({ err, taskId: task.id }, 'kill failed; retried on re-subscription'));
  }

  publishRun(run: JobRun): void {
    this.updateGauges();
    this.ctx.events.publish({ type: 'run_update', run: runView(run) });
  }

  queue(): RunQueue {
    const { repo, retries } = this.ctx;
    const now = this.ctx.clock.now();
    const out: RunQueue = [];
    for (const [jobId, runs] of repo.runs) {
      const waiting = [...runs.values()].filter((r) => pendingLaunches(r, now, retries.of(jobId, r.id)).length > 0);
      if (waiting.length > 0) out.push({ jobId, runs: waiting.map((r) => ({ runId: r.id })) });
    }
    return out;
  }

  /** Some active run has a task to launch now. */
  anyPending(now: number): boolean {
    return this.ctx.repo.activeRunsByAge().some((r) => pendingLaunches(r, now, this.ctx.retries.of(r.jobId, r.id)).length > 0);
  }

  /** History, trimming, dependents: everything a finished run entails. Idempotent. */
  private async recordFinished(run: JobRun): Promise<void> {
    const { repo, metrics, log, options } = this.ctx;
    this.ctx.retries.forgetRun(run.jobId, run.id);
    if (!run.recorded) {
      metrics.runsFinished.inc({ status: run.status });
      log.info({ jobId: run.jobId, runId: run.id, status: run.status, reason: run.reason }, 'run finished');
      await repo.putHistory(run.jobId, recordRun(repo.histories.get(run.jobId) ?? emptyHistory(), run, options.historyLimit));
      run.recorded = true;
      await repo.persist(run);
    }
    await this.trimRuns(run.jobId);
    if (this.ctx.state !== 'starting') await this.triggerDependents();
  }

  private async trimRuns(jobId: string): Promise<void> {
    const runs = this.ctx.repo.runs.get(jobId);
    if (!runs) return;
    const finished = [...runs.values()]
      .filter((r) => isFinished(r.status) && r.recorded)
      .sort((a, b) => ((a.completedAt ?? '') > (b.completedAt ?? '') ? -1 : 1));
    for (const old of finished.slice(this.ctx.options.historyLimit)) await this.ctx.repo.deleteRun(old);
  }

  /**
   * Starts every dependent job whose parents all have a successful latest run that has
   * not triggered it yet. The run id comes from the parent runs, so a crash between the
   * run and the `deps/` write cannot start it twice.
   */
  private async triggerDependents(): Promise<void> {
    const { repo } = this.ctx;
    for (const job of repo.jobs.values()) {
      const parents = job.dependencies ?? [];
      if (parents.length === 0) continue;
      const consumed = repo.deps.get(job.id) ?? {};
      const latest: Record<string, string> = {};
      let newest = 0;
      let ready = true;
      for (const p of parents) {
        const last = repo.histories.get(p.id)?.lastFinished;
        if (last?.status !== 'SUCCESS' || consumed[p.id] === last.id) {
          ready = false;
          break;
        }
        latest[p.id] = last.id;
        newest = Math.max(newest, Date.parse(last.finishedAt));
      }
      if (!ready) continue;
      await this.createRun(job.id, { type: 'dependency', parents: latest }, dependencyRunId(latest, newest));
      await repo.putDeps(job.id, latest);
    }
  }

  private updateGauges(): void {
    this.ctx.metrics.activeRuns.set(this.ctx.repo.countActive());
    this.ctx.metrics.queuedRuns.set(this.queue().reduce((n, q) => n + q.runs.length, 0));
  }
}
