import {
  Code,
  isTerminal,
  matchTasks,
  type Offer,
  Resources,
  SchedulerDriver,
  TandemError,
  type TaskSpec,
  type TaskStatus,
} from '@tandem/framework-sdk';
import { componentLogger, type Logger, type TaskInfoInit } from '@tandem/protocol';
import type { Store } from '@tandem/store';
import type { Clock } from './core/clock.js';
import { offerMatches } from './core/constraints.js';
import { emptyHistory, type JobHistory, recordRun } from './core/history.js';
import { dependencyRunId, manualRunId, scheduledRunId, taskIdOf } from './core/ids.js';
import { type JobRun, liveTasks, type RunTask, type RunTrigger } from './core/job-run.js';
import { JobsMetrics } from './core/jobs-metrics.js';
import { EventHub } from './core/run-events.js';
import { applyTaskUpdate, pendingLaunches, type RunEffects, refreshRunStatus, stopRun } from './core/run-planner.js';
import { isFinished } from './core/run-status.js';
import { runView } from './core/run-view.js';
import { planSchedule, type ScheduleState } from './core/schedule-planner.js';
import { keys } from './core/store-keys.js';
import { type JobsServer, startJobsServer } from './http/jobs-server.js';
import { type JobsFrameworkOptions, jobsDefaults, type ResolvedJobsOptions } from './options.js';
import type { JobSpec, JobSpecInput } from './spec/job-spec.js';
import type { ScheduleSpec } from './spec/schedule-spec.js';
import { SpecError } from './spec/spec-error.js';

/** Lifecycle of the framework itself. */
export type JobsFrameworkState = 'idle' | 'starting' | 'running' | 'stopping' | 'stopped';

const iso = (ms: number): string => new Date(ms).toISOString();
/** Timer re-evaluation bound: even with nothing due, the schedules are looked at this often. */
const MAX_TICK_MS = 60_000;

/**
 * The batch jobs framework: Metronome's jobs, schedules and runs on Tandem. Every
 * decision is written to the Store before it acts (a run before its tasks launch, a
 * launch before the ACCEPT, a scheduled instant before the next), so a restarted
 * framework re-subscribes under its framework id, reconciles and adopts its tasks, and
 * never runs an instant or a task twice. All state changes run one at a time.
 */
export class JobsFramework {
  readonly events = new EventHub();
  readonly metrics = new JobsMetrics();
  private readonly o: ResolvedJobsOptions;
  private readonly log: Logger;
  private readonly store: Store;
  private readonly clock: Clock;
  private stateValue: JobsFrameworkState = 'idle';
  private driver: SchedulerDriver | undefined;
  private server: JobsServer | undefined;

  private readonly jobs = new Map<string, JobSpec>();
  private readonly schedules = new Map<string, Map<string, ScheduleState>>();
  private readonly runs = new Map<string, Map<string, JobRun>>();
  private readonly histories = new Map<string, JobHistory>();
  /** Per dependent job: the parent runs that already triggered it. */
  private readonly deps = new Map<string, Record<string, string>>();
  private readonly taskIndex = new Map<string, { jobId: string; runId: string }>();
  /** Per run (`jobId/runId`): index -> when its retry may launch. In memory: a restart retries at once. */
  private readonly retryAt = new Map<string, Map<number, number>>();
  /** Task ids whose ACCEPT is in flight (not reconciled until it returns). */
  private readonly launching = new Set<string>();

  private chain: Promise<unknown> = Promise.resolve();
  private timer: { clear(): void } | undefined;
  private reconcileTimer: NodeJS.Timeout | undefined;
  private workAppeared = false;
  private suppressed = false;
  private readonly onAbort = (): void => {
    void this.stop();
  };

  constructor(options: JobsFrameworkOptions) {
    this.o = jobsDefaults(options);
    if (!this.o.master) throw new TandemError(Code.InvalidArgument, 'master: required (host:port)', { field: 'master' });
    this.log = componentLogger('jobs', this.o.logger);
    this.store = this.o.store;
    this.clock = this.o.clock;
  }

  get state(): JobsFrameworkState {
    return this.stateValue;
  }

  get frameworkId(): string | undefined {
    return this.driver?.frameworkId;
  }

  /** The REST API's port (0 before start or without a server). */
  get port(): number {
    return this.server?.port ?? 0;
  }

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  /**
   * Loads the store, serves the REST API, subscribes (as the stored framework id when
   * there is one) and resolves once subscribed. Scheduling starts after the load.
   */
  async start(): Promise<void> {
    if (this.stateValue !== 'idle') throw new TandemError(Code.FailedPrecondition, `start: jobs framework is ${this.stateValue}`);
    this.stateValue = 'starting';
    this.o.signal?.addEventListener('abort', this.onAbort, { once: true });
    await this.serial(() => this.load());
    if (this.o.port >= 0) this.server = await startJobsServer(this, { port: this.o.port, host: this.o.host, logger: this.log, maxBodyBytes: this.o.maxBodyBytes });
    const storedId = (await this.store.get<string>(keys.frameworkId))?.value;
    const driver = new SchedulerDriver({
      master: this.o.master,
      framework: {
        name: this.o.frameworkName,
        failoverTimeoutSeconds: this.o.failoverTimeoutSeconds,
        ...(storedId ? { id: storedId } : {}),
      },
      ...(this.o.reconnect ? { reconnect: this.o.reconnect } : {}),
      logger: this.log,
    });
    this.driver = driver;
    driver.onSubscribed(() => this.serial(() => this.onSubscribed()));
    driver.onOffers((offers) => this.serial(() => this.handleOffers(offers)));
    driver.onUpdate((status) => this.serial(() => this.handleUpdate(status)));
    driver.onError((err) => {
      this.log.error({ err }, 'jobs framework lost its subscription for good');
    });
    this.reconcileTimer = setInterval(() => {
      void this.serial(() => this.reconcileLive());
    }, this.o.reconcileIntervalMs);
    this.reconcileTimer.unref();
    this.stateValue = 'running';
    void this.serial(() => this.tick());
    await driver.start();
    this.log.info({ frameworkId: driver.frameworkId, port: this.port }, 'jobs framework subscribed');
  }

  /** Ordered stop: HTTP server, timers, driver (tasks keep running: the framework fails over). Leaves the store open. */
  async stop(): Promise<void> {
    if (this.stateValue === 'stopped' || this.stateValue === 'stopping') return;
    this.stateValue = 'stopping';
    this.o.signal?.removeEventListener('abort', this.onAbort);
    await this.server?.close();
    this.timer?.clear();
    this.timer = undefined;
    if (this.reconcileTimer) clearInterval(this.reconcileTimer);
    this.reconcileTimer = undefined;
    await this.idle();
    await this.driver?.stop();
    for (const r of this.retryAt.keys()) this.retryAt.delete(r);
    this.stateValue = 'stopped';
  }

  /** Resolves when every state change queued so far is done (tests use it with a manual clock). */
  async idle(): Promise<void> {
    for (;;) {
      const c = this.chain;
      await c;
      if (c === this.chain) return;
    }
  }

  // ---------------------------------------------------------------- API: jobs

  listJobs(): JobSpec[] {
    return [...this.jobs.values()].sort((a, b) => (a.id < b.id ? -1 : 1));
  }

  getJob(id: string): JobSpec | undefined {
    return this.jobs.get(id);
  }

  createJob(input: JobSpecInput): Promise<JobSpec> {
    return this.serial(async () => {
      if (this.jobs.has(input.id)) throw new TandemError(Code.AlreadyExists, `Job with id ${input.id} already exists`);
      this.checkDependencies(input);
      return this.saveJob(input, true);
    });
  }

  /** Replaces a job (PUT); its schedules are replaced too when the body has `schedules`. */
  updateJob(id: string, input: JobSpecInput): Promise<JobSpec> {
    return this.serial(async () => {
      if (input.id !== id) throw SpecError.of('/id', `must match the id in the path (${id})`);
      if (!this.jobs.has(id)) throw new TandemError(Code.NotFound, `Job '${id}' does not exist`);
      this.checkDependencies(input);
      return this.saveJob(input, false);
    });
  }

  deleteJob(id: string, stopCurrentJobRuns: boolean): Promise<JobSpec> {
    return this.serial(async () => {
      const job = this.requireJob(id);
      const dependents = [...this.jobs.values()].filter((j) => j.dependencies?.some((d) => d.id === id)).map((j) => j.id);
      if (dependents.length > 0) {
        throw new TandemError(Code.FailedPrecondition, `Job '${id}' has dependent jobs: ${dependents.join(', ')}`);
      }
      const active = this.activeRunsOf(id);
      if (active.length > 0 && !stopCurrentJobRuns) {
        throw new TandemError(Code.FailedPrecondition, `Job '${id}' has active runs; use stopCurrentJobRuns=true`);
      }
      for (const run of active) {
        for (const t of liveTasks(run)) this.kill(run, t);
      }
      await this.store.delete(keys.job(id));
      for (const sid of this.schedules.get(id)?.keys() ?? []) await this.store.delete(keys.schedule(id, sid));
      for (const run of this.runs.get(id)?.values() ?? []) {
        for (const t of run.tasks) this.taskIndex.delete(t.id);
        this.retryAt.delete(`${id}/${run.id}`);
        await this.store.delete(keys.run(id, run.id));
      }
      await this.store.delete(keys.history(id));
      await this.store.delete(keys.deps(id));
      this.jobs.delete(id);
      this.schedules.delete(id);
      this.runs.delete(id);
      this.histories.delete(id);
      this.deps.delete(id);
      this.metrics.jobs.set(this.jobs.size);
      this.events.publish({ type: 'job_deleted', jobId: id });
      this.armTimer();
      return job;
    });
  }

  // ---------------------------------------------------------------- API: schedules

  listSchedules(jobId: string): ScheduleState[] {
    this.requireJob(jobId);
    return [...(this.schedules.get(jobId)?.values() ?? [])];
  }

  getSchedule(jobId: string, scheduleId: string): ScheduleState {
    const s = this.schedules.get(this.requireJob(jobId).id)?.get(scheduleId);
    if (!s) throw new TandemError(Code.NotFound, `Schedule '${scheduleId}' of job '${jobId}' does not exist`);
    return s;
  }

  putSchedule(jobId: string, spec: ScheduleSpec, mode: 'create' | 'update'): Promise<ScheduleState> {
    return this.serial(async () => {
      const job = this.requireJob(jobId);
      if ((job.dependencies?.length ?? 0) > 0) throw SpecError.of('/', 'a job with dependencies cannot have schedules');
      const existing = this.schedules.get(jobId)?.get(spec.id);
      if (mode === 'create' && existing) throw new TandemError(Code.AlreadyExists, `Schedule '${spec.id}' already exists`);
      if (mode === 'update' && !existing) throw new TandemError(Code.NotFound, `Schedule '${spec.id}' of job '${jobId}' does not exist`);
      if (mode === 'create' && (this.schedules.get(jobId)?.size ?? 0) > 0) {
        throw new TandemError(Code.FailedPrecondition, 'Metronome allows one schedule per job; update or delete the existing one');
      }
      return this.saveSchedule(jobId, spec, existing);
    });
  }

  deleteSchedule(jobId: string, scheduleId: string): Promise<void> {
    return this.serial(async () => {
      this.getSchedule(jobId, scheduleId);
      await this.store.delete(keys.schedule(jobId, scheduleId));
      this.schedules.get(jobId)?.delete(scheduleId);
      this.armTimer();
    });
  }

  // ---------------------------------------------------------------- API: runs

  /** Starts a run now (POST /v1/jobs/{id}/runs). */
  startRun(jobId: string): Promise<JobRun> {
    return this.serial(async () => {
      this.requireJob(jobId);
      return this.createRun(jobId, { type: 'manual' }, manualRunId(this.clock.now()));
    });
  }

  /** Active runs, or every run still kept (finished ones up to the history limit). */
  listRuns(jobId: string, includeFinished = false): JobRun[] {
    this.requireJob(jobId);
    return [...(this.runs.get(jobId)?.values() ?? [])]
      .filter((r) => includeFinished || !isFinished(r.status))
      .sort((a, b) => (a.createdAt < b.createdAt ? -1 : 1));
  }

  getRun(jobId: string, runId: string): JobRun {
    const run = this.runs.get(this.requireJob(jobId).id)?.get(runId);
    if (!run) throw new TandemError(Code.NotFound, `Run '${runId}' of job '${jobId}' does not exist`);
    return run;
  }

  /** Stops a run: no more launches; live tasks are killed with the job's grace period; the run ends FAILED. */
  stopRun(jobId: string, runId: string): Promise<JobRun> {
    return this.serial(async () => {
      const run = this.getRun(jobId, runId);
      const effects = stopRun(run, 'stopped by the operator', this.clock.now());
      await this.afterEffects(run, effects);
      return run;
    });
  }

  history(jobId: string): JobHistory {
    this.requireJob(jobId);
    return this.histories.get(jobId) ?? emptyHistory();
  }

  /** Runs waiting for offers (Metronome's /v1/queue). */
  queue(): { jobId: string; runs: { runId: string }[] }[] {
    const now = this.clock.now();
    const out: { jobId: string; runs: { runId: string }[] }[] = [];
    for (const [jobId, runs] of this.runs) {
      const waiting = [...runs.values()].filter((r) => pendingLaunches(r, now, this.retryAt.get(`${jobId}/${r.id}`)).length > 0);
      if (waiting.length > 0) out.push({ jobId, runs: waiting.map((r) => ({ runId: r.id })) });
    }
    return out;
  }

  now(): number {
    return this.clock.now();
  }

  // ---------------------------------------------------------------- internals: serial work

  /** Runs state changes one at a time, in order; a failed one does not stop the next. */
  private serial<T>(fn: () => Promise<T>): Promise<T> {
    const result = this.chain.then(fn, fn);
    this.chain = result.then(
      () => this.flushOfferInterest(),
      () => this.flushOfferInterest(),
    );
    return result;
  }

  private requireJob(id: string): JobSpec {
    const job = this.jobs.get(id);
    if (!job) throw new TandemError(Code.NotFound, `Job '${id}' does not exist`);
    return job;
  }

  private activeRunsOf(jobId: string): JobRun[] {
    return [...(this.runs.get(jobId)?.values() ?? [])].filter((r) => !isFinished(r.status));
  }

  private async load(): Promise<void> {
    for (const e of await this.store.list<JobSpec>(keys.jobs)) this.jobs.set(e.value.id, e.value);
    for (const e of await this.store.list<ScheduleState>(keys.schedules)) {
      const jobId = e.key.split('/')[1] ?? '';
      mapOf(this.schedules, jobId).set(e.value.spec.id, e.value);
    }
    for (const e of await this.store.list<JobRun>(keys.runs)) {
      mapOf(this.runs, e.value.jobId).set(e.value.id, e.value);
      for (const t of e.value.tasks) this.taskIndex.set(t.id, { jobId: e.value.jobId, runId: e.value.id });
    }
    for (const e of await this.store.list<JobHistory>(keys.histories)) this.histories.set(e.key.slice(keys.histories.length), e.value);
    for (const e of await this.store.list<Record<string, string>>(keys.allDeps)) this.deps.set(e.key.slice(keys.allDeps.length), e.value);
    // Finish what a crash interrupted: finished runs not yet in their history, dependents not yet triggered.
    for (const runs of this.runs.values()) {
      for (const run of runs.values()) if (isFinished(run.status) && !run.recorded) await this.recordFinished(run);
    }
    await this.triggerDependents();
    this.metrics.jobs.set(this.jobs.size);
    this.updateGauges();
    this.log.info({ jobs: this.jobs.size, activeRuns: this.countActive() }, 'jobs state loaded');
  }

  private checkDependencies(input: JobSpecInput): void {
    const parents = input.dependencies ?? [];
    parents.forEach((d, i) => {
      if (!this.jobs.has(d.id)) throw SpecError.of(`/dependencies/${i}/id`, `job '${d.id}' does not exist`);
    });
    // No cycle: no parent may (transitively) depend on this job.
    const seen = new Set<string>();
    const stack = parents.map((d) => d.id);
    while (stack.length > 0) {
      const id = stack.pop() as string;
      if (id === input.id) throw SpecError.of('/dependencies', 'the dependencies would form a cycle');
      if (seen.has(id)) continue;
      seen.add(id);
      for (const d of this.jobs.get(id)?.dependencies ?? []) stack.push(d.id);
    }
  }

  private async saveJob(input: JobSpecInput, created: boolean): Promise<JobSpec> {
    const { schedules, ...job } = input;
    if (schedules && schedules.length > 1) throw SpecError.of('/schedules', 'Metronome allows at most one schedule per job');
    if (!created && (job.dependencies?.length ?? 0) > 0 && (this.schedules.get(job.id)?.size ?? 0) > 0 && schedules === undefined) {
      throw SpecError.of('/dependencies', 'a job has schedules or dependencies, not both; delete its schedules first');
    }
    await this.store.put(keys.job(job.id), job);
    this.jobs.set(job.id, job);
    if (schedules !== undefined) {
      const current = this.schedules.get(job.id) ?? new Map<string, ScheduleState>();
      for (const sid of current.keys()) {
        if (!schedules.some((s) => s.id === sid)) {
          await this.store.delete(keys.schedule(job.id, sid));
          current.delete(sid);
        }
      }
      for (const s of schedules) await this.saveSchedule(job.id, s, current.get(s.id));
    }
    if ((job.dependencies?.length ?? 0) > 0) {
      // Parent runs that finished before the dependency existed do not trigger it.
      const consumed: Record<string, string> = { ...(this.deps.get(job.id) ?? {}) };
      for (const d of job.dependencies ?? []) {
        const last = this.histories.get(d.id)?.lastFinished;
        if (last && consumed[d.id] === undefined) consumed[d.id] = last.id;
      }
      await this.store.put(keys.deps(job.id), consumed);
      this.deps.set(job.id, consumed);
    }
    this.metrics.jobs.set(this.jobs.size);
    this.events.publish({ type: created ? 'job_created' : 'job_updated', jobId: job.id });
    return job;
  }

  private async saveSchedule(jobId: string, spec: ScheduleSpec, existing: ScheduleState | undefined): Promise<ScheduleState> {
    const { nextRunAt: _ignored, ...clean } = spec as ScheduleSpec & { nextRunAt?: string };
    const now = this.clock.now();
    // A new, re-timed or re-enabled schedule starts from now: past instants are not owed.
    const keep = existing && existing.spec.cron === clean.cron && existing.spec.timezone === clean.timezone && (existing.spec.enabled || !clean.enabled);
    const state: ScheduleState = { spec: clean, lastInstant: keep ? existing.lastInstant : iso(now) };
    await this.store.put(keys.schedule(jobId, clean.id), state);
    mapOf(this.schedules, jobId).set(clean.id, state);
    this.armTimer();
    return state;
  }

  /** Creates a run under a deterministic id; when one with that id exists it is returned instead. */
  private async createRun(jobId: string, trigger: RunTrigger, runId: string): Promise<JobRun> {
    const job = this.requireJob(jobId);
    const existing = this.runs.get(jobId)?.get(runId);
    if (existing) return existing;
    const run: JobRun = {
      id: runId,
      jobId,
      status: 'INITIAL',
      createdAt: iso(this.clock.now()),
      trigger,
      spec: job.run,
      tasks: [],
      succeeded: [],
    };
    await this.store.put(keys.run(jobId, runId), run); // the intent, before anything launches
    mapOf(this.runs, jobId).set(runId, run);
    this.metrics.runsStarted.inc({ trigger: trigger.type });
    this.log.info({ jobId, runId, trigger: trigger.type }, 'run created');
    this.publishRun(run);
    this.workAppeared = true;
    this.armTimer();
    return run;
  }

  private publishRun(run: JobRun): void {
    this.updateGauges();
    this.events.publish({ type: 'run_update', run: runView(run) });
  }

  private updateGauges(): void {
    this.metrics.activeRuns.set(this.countActive());
    this.metrics.queuedRuns.set(this.queue().reduce((n, q) => n + q.runs.length, 0));
  }

  private countActive(): number {
    let n = 0;
    for (const runs of this.runs.values()) for (const r of runs.values()) if (!isFinished(r.status)) n++;
    return n;
  }

  private async persist(run: JobRun): Promise<void> {
    await this.store.put(keys.run(run.jobId, run.id), run);
  }

  // ---------------------------------------------------------------- internals: the driver

  private async onSubscribed(): Promise<void> {
    const id = this.driver?.frameworkId;
    if (id && (await this.store.get<string>(keys.frameworkId))?.value !== id) await this.store.put(keys.frameworkId, id);
    this.suppressed = false;
    await this.reconcileLive();
    // Ask the master about every task it has for us too: ones we no longer know are killed.
    await this.driver?.reconcile([]).catch((err: unknown) => this.log.warn({ err }, 'implicit reconcile failed'));
    for (const runs of this.runs.values()) {
      for (const run of runs.values()) if (run.stopping && !isFinished(run.status)) for (const t of liveTasks(run)) this.kill(run, t);
    }
    this.workAppeared = true;
  }

  /** Explicit reconciliation of every live task whose launch is not in flight. */
  private async reconcileLive(): Promise<void> {
    if (this.driver?.state !== 'subscribed') return;
    const targets: { taskId: string; agentId?: string }[] = [];
    for (const runs of this.runs.values()) {
      for (const run of runs.values()) {
        for (const t of liveTasks(run)) if (!this.launching.has(t.id)) targets.push({ taskId: t.id, ...(t.agentId ? { agentId: t.agentId } : {}) });
      }
    }
    if (targets.length === 0) return;
    await this.driver.reconcile(targets).catch((err: unknown) => this.log.warn({ err }, 'reconcile failed'));
  }

  private taskSpec(run: JobRun, index: number, attempt: number): TaskSpec {
    const s = run.spec;
    const id = taskIdOf(run.jobId, run.id, index, attempt);
    return {
      id,
      name: run.jobId,
      cpus: s.cpus,
      mem: s.mem,
      ...(s.disk > 0 ? { disk: s.disk } : {}),
      ...(s.cmd !== undefined ? { command: s.cmd } : { argv: s.args ?? [] }),
      ...(s.docker ? { image: s.docker.image, forcePullImage: s.docker.forcePullImage ?? false } : {}),
      env: {
        ...s.env,
        TANDEM_JOB_ID: run.jobId,
        TANDEM_RUN_ID: run.id,
        TANDEM_TASK_INDEX: String(index),
        TANDEM_TASK_ATTEMPT: String(attempt),
      },
      labels: { 'tandem.jobs.job': run.jobId, 'tandem.jobs.run': run.id },
      ...(s.taskKillGracePeriodSeconds === undefined ? {} : { killGracePeriodSeconds: s.taskKillGracePeriodSeconds }),
      ...(s.user ? { user: s.user } : {}),
    };
  }

  private async handleOffers(offers: Offer[]): Promise<void> {
    const driver = this.driver;
    if (!driver || this.stateValue !== 'running') return;
    const now = this.clock.now();
    const pool = new Map(offers.map((o) => [o.id, o]));
    const perOffer = new Map<string, TaskInfoInit[]>();
    const touched: JobRun[] = [];
    for (const run of this.activeRunsByAge()) {
      const pending = pendingLaunches(run, now, this.retryAt.get(`${run.jobId}/${run.id}`));
      if (pending.length === 0) continue;
      const eligible = [...pool.values()].filter((o) => offerMatches(o, run.spec.placement?.constraints));
      if (eligible.length === 0) continue;
      const byId = new Map(pending.map((p) => [taskIdOf(run.jobId, run.id, p.index, p.attempt), p]));
      const { matches } = matchTasks(eligible, pending.map((p) => this.taskSpec(run, p.index, p.attempt)));
      for (const m of matches) {
        const used = m.tasks.reduce((sum, t) => sum.add(Resources.fromWire(t.resources)), Resources.EMPTY);
        pool.set(m.offer.id, { ...m.offer, resources: Resources.fromWire(m.offer.resources).subtract(used).toWire() as Offer['resources'] });
        perOffer.set(m.offer.id, [...(perOffer.get(m.offer.id) ?? []), ...m.tasks]);
        for (const info of m.tasks) {
          const p = byId.get(info.taskId ?? '');
          if (!p) continue;
          run.tasks.push({ id: info.taskId ?? '', index: p.index, attempt: p.attempt, status: 'TASK_STAGING', agentId: m.offer.agentId, launchedAt: iso(now) });
          this.taskIndex.set(info.taskId ?? '', { jobId: run.jobId, runId: run.id });
          this.retryAt.get(`${run.jobId}/${run.id}`)?.delete(p.index);
        }
      }
      if (matches.length > 0) {
        refreshRunStatus(run);
        touched.push(run);
      }
    }
    // The intent first: a crash from here on finds the tasks and reconciles them, never relaunches them.
    for (const run of touched) await this.persist(run);
    for (const run of touched) this.publishRun(run);
    for (const [offerId, tasks] of perOffer) {
      const ids = tasks.map((t) => t.taskId ?? '');
      for (const id of ids) this.launching.add(id);
      try {
        await driver.launch(offerId, tasks, { refuseSeconds: 1 });
        this.metrics.tasksLaunched.inc(tasks.length);
        this.log.debug({ offerId, tasks: ids }, 'launched');
      } catch (err) {
        this.log.warn({ err, offerId, tasks: ids }, 'launch failed; reconciling the tasks');
        for (const id of ids) this.launching.delete(id);
        await driver.reconcile(ids.map((taskId) => ({ taskId }))).catch(() => undefined);
      } finally {
        for (const id of ids) this.launching.delete(id);
      }
    }
    const unused = offers.filter((o) => !perOffer.has(o.id)).map((o) => o.id);
    if (unused.length > 0) await driver.decline(unused, this.o.declineSeconds).catch((err: unknown) => this.log.debug({ err }, 'decline failed'));
    if (!this.anyPending(now) && !this.suppressed) {
      this.suppressed = true;
      await driver.suppress().catch((err: unknown) => this.log.debug({ err }, 'suppress failed'));
    }
  }

  private async handleUpdate(status: TaskStatus): Promise<void> {
    const ref = this.taskIndex.get(status.taskId);
    const run = ref ? this.runs.get(ref.jobId)?.get(ref.runId) : undefined;
    if (!run) {
      if (!isTerminal(status.state) && status.state !== 'TASK_UNKNOWN' && this.driver) {
        this.log.warn({ taskId: status.taskId, state: status.state }, 'a task of no known run: killing it');
        await this.driver.kill(status.taskId, status.agentId || undefined).catch(() => undefined);
      }
      return;
    }
    const now = this.clock.now();
    const effects = applyTaskUpdate(
      run,
      { taskId: status.taskId, state: status.state, message: status.message, ...(status.hasExitCode ? { exitCode: status.exitCode } : {}) },
      now,
    );
    if (!effects.changed) return;
    if (isTerminal(status.state)) this.metrics.tasksFinished.inc({ state: status.state });
    if (effects.retryIndex !== undefined) {
      mapOf(this.retryAt, `${run.jobId}/${run.id}`).set(effects.retryIndex, now + this.o.retryDelayMs);
      this.armTimer();
    }
    this.log.debug({ taskId: status.taskId, state: status.state, run: run.id, runStatus: run.status }, 'task update');
    await this.afterEffects(run, effects);
  }

  /** Persists and publishes a changed run, kills what must die, and finishes it when it ended. */
  private async afterEffects(run: JobRun, effects: RunEffects): Promise<void> {
    if (!effects.changed && effects.kill.length === 0) return;
    await this.persist(run);
    this.publishRun(run);
    for (const t of effects.kill) this.kill(run, t);
    if (effects.finished) await this.recordFinished(run);
    if (!isFinished(run.status)) this.workAppeared = true;
  }

  private kill(run: JobRun, task: RunTask): void {
    const grace = run.spec.taskKillGracePeriodSeconds;
    void this.driver?.kill(task.id, task.agentId || undefined, grace).catch((err: unknown) => this.log.debug({ err, taskId: task.id }, 'kill failed; retried on re-subscription'));
  }

  /** History, trimming, dependents: everything a finished run entails. Idempotent. */
  private async recordFinished(run: JobRun): Promise<void> {
    this.retryAt.delete(`${run.jobId}/${run.id}`);
    if (!run.recorded) {
      this.metrics.runsFinished.inc({ status: run.status });
      this.log.info({ jobId: run.jobId, runId: run.id, status: run.status, reason: run.reason }, 'run finished');
      const history = recordRun(this.histories.get(run.jobId) ?? emptyHistory(), run, this.o.historyLimit);
      await this.store.put(keys.history(run.jobId), history);
      this.histories.set(run.jobId, history);
      run.recorded = true;
      await this.persist(run);
    }
    await this.trimRuns(run.jobId);
    if (this.stateValue !== 'starting') await this.triggerDependents();
  }

  private async trimRuns(jobId: string): Promise<void> {
    const runs = this.runs.get(jobId);
    if (!runs) return;
    const finished = [...runs.values()].filter((r) => isFinished(r.status) && r.recorded).sort((a, b) => ((a.completedAt ?? '') > (b.completedAt ?? '') ? -1 : 1));
    for (const old of finished.slice(this.o.historyLimit)) {
      await this.store.delete(keys.run(jobId, old.id));
      runs.delete(old.id);
      for (const t of old.tasks) this.taskIndex.delete(t.id);
    }
  }

  /**
   * Starts every dependent job whose parents all have a successful latest run that has
   * not triggered it yet. The run id comes from the parent runs, so a crash between the
   * run and the `deps/` write cannot start it twice.
   */
  private async triggerDependents(): Promise<void> {
    for (const job of this.jobs.values()) {
      const parents = job.dependencies ?? [];
      if (parents.length === 0) continue;
      const consumed = this.deps.get(job.id) ?? {};
      const latest: Record<string, string> = {};
      let newest = 0;
      let ready = true;
      for (const p of parents) {
        const last = this.histories.get(p.id)?.lastFinished;
        if (last?.status !== 'SUCCESS' || consumed[p.id] === last.id) {
          ready = false;
          break;
        }
        latest[p.id] = last.id;
        newest = Math.max(newest, Date.parse(last.finishedAt));
      }
      if (!ready) continue;
      await this.createRun(job.id, { type: 'dependency', parents: latest }, dependencyRunId(latest, newest));
      await this.store.put(keys.deps(job.id), latest);
      this.deps.set(job.id, latest);
    }
  }

  private activeRunsByAge(): JobRun[] {
    const out: JobRun[] = [];
    for (const runs of this.runs.values()) for (const r of runs.values()) if (!isFinished(r.status)) out.push(r);
    return out.sort((a, b) => (a.createdAt < b.createdAt ? -1 : a.createdAt > b.createdAt ? 1 : 0));
  }

  private anyPending(now: number): boolean {
    return this.activeRunsByAge().some((r) => pendingLaunches(r, now, this.retryAt.get(`${r.jobId}/${r.id}`)).length > 0);
  }

  /** After each state change: revive when new work waits (declined offers carry long filters). */
  private async flushOfferInterest(): Promise<void> {
    if (!this.workAppeared || this.driver?.state !== 'subscribed') return;
    this.workAppeared = false;
    if (!this.anyPending(this.clock.now())) return;
    this.suppressed = false;
    await this.driver.revive().catch((err: unknown) => this.log.debug({ err }, 'revive failed'));
  }

  // ---------------------------------------------------------------- internals: time

  /** Schedules, retries that came due, launch delays. Re-arms the timer. */
  private async tick(): Promise<void> {
    if (this.stateValue !== 'running' && this.stateValue !== 'starting') return;
    const now = this.clock.now();
    for (const [jobId, schedules] of this.schedules) {
      for (const state of schedules.values()) {
        const decision = planSchedule(state.spec, Date.parse(state.lastInstant), now, this.activeRunsOf(jobId).length > 0);
        if (decision.kind === 'wait') continue;
        const instant = iso(decision.instantMs);
        if (decision.kind === 'run') {
          await this.createRun(jobId, { type: 'schedule', scheduleId: state.spec.id, instant }, scheduledRunId(state.spec.id, decision.instantMs));
        } else {
          this.metrics.schedulesSkipped.inc({ reason: decision.reason });
          this.log.info({ jobId, scheduleId: state.spec.id, instant, reason: decision.reason }, 'scheduled instant skipped');
          this.events.publish({ type: 'schedule_skipped', jobId, scheduleId: state.spec.id, instant, reason: decision.reason });
        }
        state.lastInstant = instant;
        await this.store.put(keys.schedule(jobId, state.spec.id), state);
      }
    }
    for (const run of this.activeRunsByAge()) {
      if (run.tasks.length === 0 && !run.stopping && now - Date.parse(run.createdAt) > run.spec.maxLaunchDelay * 1000) {
        await this.afterEffects(run, stopRun(run, `no task launched within maxLaunchDelay (${run.spec.maxLaunchDelay} s)`, now));
      }
    }
    for (const waits of this.retryAt.values()) {
      for (const at of waits.values()) if (at <= now) this.workAppeared = true;
    }
    this.armTimer();
  }

  /** One timer at the earliest of: the next scheduled instant, a retry, a launch deadline (at most a minute away). */
  private armTimer(): void {
    if (this.stateValue !== 'running') return;
    const now = this.clock.now();
    let at = now + MAX_TICK_MS;
    for (const [jobId, schedules] of this.schedules) {
      for (const s of schedules.values()) {
        const d = planSchedule(s.spec, Date.parse(s.lastInstant), now, this.activeRunsOf(jobId).length > 0);
        if (d.kind !== 'wait') at = now;
        else if (d.nextMs !== undefined) at = Math.min(at, d.nextMs);
      }
    }
    for (const waits of this.retryAt.values()) for (const t of waits.values()) at = Math.min(at, t);
    for (const run of this.activeRunsByAge()) {
      if (run.tasks.length === 0) at = Math.min(at, Date.parse(run.createdAt) + run.spec.maxLaunchDelay * 1000 + 1);
    }
    this.timer?.clear();
    this.timer = this.clock.setTimer(() => {
      this.timer = undefined;
      void this.serial(() => this.tick());
    }, Math.max(0, at - now));
  }
}

function mapOf<K, V, K2>(outer: Map<K, Map<K2, V>>, key: K): Map<K2, V> {
  let inner = outer.get(key);
  if (!inner) {
    inner = new Map();
    outer.set(key, inner);
  }
  return inner;
}
