import type { RequestListener } from 'node:http';
import { Code, SchedulerDriver, servicePrincipal, TandemError } from '@tandem/framework-sdk';
import { componentLogger, httpScheme, type Logger, SerialChain } from '@tandem/protocol';
import { observedStore } from '@tandem/store';
import type { JobsFrameworkState } from './core/framework-state.js';
import { emptyHistory, type JobHistory } from './core/history.js';
import { manualRunId } from './core/ids.js';
import { JobDefinitions } from './core/job-definitions.js';
import type { JobRun } from './core/job-run.js';
import { JobTimers } from './core/job-timers.js';
import type { JobsContext } from './core/jobs-context.js';
import { JobsMetrics } from './core/jobs-metrics.js';
import { JobsRepository } from './core/jobs-repository.js';
import { OfferHandling } from './core/offer-handling.js';
import { Reconciliation } from './core/reconciliation.js';
import { RetryWaits } from './core/retry-waits.js';
import { RunBookkeeping, type RunQueue } from './core/run-bookkeeping.js';
import { EventHub } from './core/run-events.js';
import { stopRun } from './core/run-planner.js';
import { isFinished } from './core/run-status.js';
import type { ScheduleState } from './core/schedule-planner.js';
import { StatusHandling } from './core/status-handling.js';
import type { JobsApi } from './http/jobs-api.js';
import { type JobsServer, startJobsServer } from './http/jobs-server.js';
import { type JobsFrameworkOptions, type ResolvedJobsOptions, resolveJobsOptions } from './options.js';
import type { JobSpec, JobSpecInput } from './spec/job-spec.js';
import type { ScheduleSpec } from './spec/schedule-spec.js';

export type { JobsFrameworkState } from './core/framework-state.js';

/**
 * The batch jobs framework: Metronome's jobs, schedules and runs on Tandem. Every
 * decision is written to the Store before it acts (a run before its tasks launch, a
 * launch before the ACCEPT, a scheduled instant before the next), so a restarted
 * framework re-subscribes under its framework id, reconciles and adopts its tasks, and
 * never runs an instant or a task twice. All state changes run one at a time.
 *
 * This class holds the lifecycle and the face the REST API uses; its parts share a
 * JobsContext and live in core/: jobs-repository (the Store-backed state),
 * job-definitions (jobs and schedules), offer-handling (launches against offers,
 * suppress/revive), status-handling, reconciliation, job-timers (schedules, retries,
 * launch delays) and run-bookkeeping (what every run change entails).
 */
export class JobsFramework implements JobsApi {
  readonly events = new EventHub();
  readonly metrics = new JobsMetrics();
  private readonly o: ResolvedJobsOptions;
  private readonly log: Logger;
  private readonly repo: JobsRepository;
  private readonly chain: SerialChain;
  private readonly ctx: JobsContext;
  private readonly book: RunBookkeeping;
  private readonly definitions: JobDefinitions;
  private readonly offers: OfferHandling;
  private readonly updates: StatusHandling;
  private readonly reconciliation: Reconciliation;
  private readonly timers: JobTimers;
  private readonly retries = new RetryWaits();
  private stateValue: JobsFrameworkState = 'idle';
  private driver: SchedulerDriver | undefined;
  private server: JobsServer | undefined;
  private reconcileTimer: NodeJS.Timeout | undefined;
  private readonly onAbort = (): void => {
    void this.stop();
  };

  constructor(options: JobsFrameworkOptions) {
    this.o = resolveJobsOptions(options);
    if (!this.o.master) throw new TandemError(Code.InvalidArgument, 'master: required (host:port)', { field: 'master' });
    this.log = componentLogger('jobs', this.o.logger);
    // Every write is timed (tandem_jobs_store_write_seconds).
    this.repo = new JobsRepository(
      observedStore(this.o.store, (op, seconds, ok) => this.metrics.observeStoreWrite(op, seconds, ok)),
      this.log,
    );
    // A failed change is its caller's (a REST error); after each one, offers are revived if new work waits.
    this.chain = new SerialChain({ afterEach: () => this.offers.flushInterest(), yieldAfterMs: false });
    const self = this;
    this.ctx = {
      options: this.o,
      repo: this.repo,
      events: this.events,
      metrics: this.metrics,
      log: this.log,
      clock: this.o.clock,
      retries: this.retries,
      launching: new Set<string>(),
      get driver() {
        return self.driver;
      },
      get state() {
        return self.stateValue;
      },
      serial: (fn) => this.serial(fn),
      noteWork: () => this.offers.noteWork(),
      armTimer: () => this.timers.arm(),
    };
    this.book = new RunBookkeeping(this.ctx);
    this.definitions = new JobDefinitions(this.ctx, this.book);
    this.offers = new OfferHandling(this.ctx, this.book);
    this.updates = new StatusHandling(this.ctx, this.book);
    this.reconciliation = new Reconciliation(this.ctx, this.book, this.offers);
    this.timers = new JobTimers(this.ctx, this.book);
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
    return `${httpScheme(this.o.tls)}://127.0.0.1:${this.port}`;
  }

  /** The REST API as a request handler, with `embedHttp`, from the moment it serves until the framework stops (the HA front hands it the leader's requests). */
  requestHandler(): RequestListener | undefined {
    return this.stateValue === 'starting' || this.stateValue === 'running' ? this.server?.handler : undefined;
  }

  /**
   * Loads the store, serves the REST API, subscribes (as the stored framework id when
   * there is one) and resolves once subscribed. Scheduling starts after the load. A
   * `stop()` while it starts ends it at its next step (it rejects with CANCELLED).
   */
  async start(): Promise<void> {
    if (this.stateValue !== 'idle') throw new TandemError(Code.FailedPrecondition, `start: jobs framework is ${this.stateValue}`);
    this.stateValue = 'starting';
    this.o.signal?.addEventListener('abort', this.onAbort, { once: true });
    await this.serial(async () => {
      await this.repo.load();
      await this.book.recover();
    });
    this.checkStarting();
    if (this.o.port >= 0 || this.o.embedHttp) {
      this.server = await startJobsServer(this, {
        port: this.o.port,
        host: this.o.host,
        logger: this.log,
        maxBodyBytes: this.o.maxBodyBytes,
        httpRateLimit: this.o.httpRateLimit,
        ...(this.o.httpAuth ? { httpAuth: this.o.httpAuth } : {}),
        ...(this.o.tls ? { tls: this.o.tls } : {}),
        ...(this.o.corsOrigins ? { corsOrigins: this.o.corsOrigins } : {}),
        ...(this.o.acls ? { acls: this.o.acls, viewObject: servicePrincipal(this.o) } : {}),
        embed: this.o.embedHttp,
        ...(this.o.advertisedAddress ? { advertisedAddress: this.o.advertisedAddress } : {}),
      });
      if (this.stateValue !== 'starting') await this.server.close();
      this.checkStarting();
    }
    const storedId = await this.repo.storedFrameworkId();
    this.checkStarting();
    const driver = new SchedulerDriver({
      master: this.o.master,
      framework: {
        name: this.o.frameworkName,
        failoverTimeoutSeconds: this.o.failoverTimeoutSeconds,
        ...(storedId ? { id: storedId } : {}),
      },
      ...(this.o.reconnect ? { reconnect: this.o.reconnect } : {}),
      ...(this.o.tls ? { tls: this.o.tls } : {}),
      ...(this.o.credential ? { credential: this.o.credential } : {}),
      logger: this.log,
    });
    this.driver = driver;
    driver.onSubscribed(() => this.serial(() => this.reconciliation.subscribed()));
    driver.onOffers((offers) => this.serial(() => this.offers.handle(offers)));
    driver.onUpdate((status) => this.serial(() => this.updates.handle(status)));
    driver.onError((err) => {
      this.log.error({ err }, 'jobs framework lost its subscription for good');
    });
    this.reconcileTimer = setInterval(() => {
      void this.serial(() => this.reconciliation.reconcileLive());
    }, this.o.reconcileIntervalMs);
    this.reconcileTimer.unref();
    this.stateValue = 'running';
    void this.serial(() => this.timers.tick());
    await driver.start();
    this.log.info({ frameworkId: driver.frameworkId, port: this.port }, 'jobs framework subscribed');
  }

  /** Throws CANCELLED when `stop()` came while starting. */
  private checkStarting(): void {
    if (this.stateValue !== 'starting') throw new TandemError(Code.Cancelled, 'the jobs framework was stopped while it started');
  }

  /** Ordered stop: HTTP server, timers, driver (tasks keep running: the framework fails over). Leaves the store open. */
  async stop(): Promise<void> {
    if (this.stateValue === 'stopped' || this.stateValue === 'stopping') return;
    this.stateValue = 'stopping';
    this.o.signal?.removeEventListener('abort', this.onAbort);
    await this.server?.close();
    this.timers.clear();
    if (this.reconcileTimer) clearInterval(this.reconcileTimer);
    this.reconcileTimer = undefined;
    await this.idle();
    await this.driver?.stop();
    this.retries.clear();
    this.stateValue = 'stopped';
  }

  /** Resolves when every state change queued so far is done (tests use it with a manual clock). */
  async idle(): Promise<void> {
    await this.chain.idle();
  }

  // ---------------------------------------------------------------- API: jobs

  listJobs(): JobSpec[] {
    return [...this.repo.jobs.values()].sort((a, b) => (a.id < b.id ? -1 : 1));
  }

  getJob(id: string): JobSpec | undefined {
    return this.repo.jobs.get(id);
  }

  createJob(input: JobSpecInput): Promise<JobSpec> {
    return this.serial(() => this.definitions.createJob(input));
  }

  /** Replaces a job (PUT); its schedules are replaced too when the body has `schedules`. */
  updateJob(id: string, input: JobSpecInput): Promise<JobSpec> {
    return this.serial(() => this.definitions.updateJob(id, input));
  }

  deleteJob(id: string, stopCurrentJobRuns: boolean): Promise<JobSpec> {
    return this.serial(() => this.definitions.deleteJob(id, stopCurrentJobRuns));
  }

  // ---------------------------------------------------------------- API: schedules

  listSchedules(jobId: string): ScheduleState[] {
    this.repo.requireJob(jobId);
    return [...(this.repo.schedules.get(jobId)?.values() ?? [])];
  }

  getSchedule(jobId: string, scheduleId: string): ScheduleState {
    const s = this.repo.schedules.get(this.repo.requireJob(jobId).id)?.get(scheduleId);
    if (!s) throw new TandemError(Code.NotFound, `Schedule '${scheduleId}' of job '${jobId}' does not exist`);
    return s;
  }

  putSchedule(jobId: string, spec: ScheduleSpec, mode: 'create' | 'update'): Promise<ScheduleState> {
    return this.serial(() => this.definitions.putSchedule(jobId, spec, mode));
  }

  deleteSchedule(jobId: string, scheduleId: string): Promise<void> {
    return this.serial(async () => {
      this.getSchedule(jobId, scheduleId);
      await this.definitions.deleteSchedule(jobId, scheduleId);
    });
  }

  // ---------------------------------------------------------------- API: runs

  /** Starts a run now (POST /v1/jobs/{id}/runs). */
  startRun(jobId: string): Promise<JobRun> {
    return this.serial(async () => {
      this.repo.requireJob(jobId);
      return this.book.createRun(jobId, { type: 'manual' }, manualRunId(this.o.clock.now()));
    });
  }

  /** Active runs, or every run still kept (finished ones up to the history limit). */
  listRuns(jobId: string, includeFinished = false): JobRun[] {
    this.repo.requireJob(jobId);
    return [...(this.repo.runs.get(jobId)?.values() ?? [])]
      .filter((r) => includeFinished || !isFinished(r.status))
      .sort((a, b) => (a.createdAt < b.createdAt ? -1 : 1));
  }

  getRun(jobId: string, runId: string): JobRun {
    const run = this.repo.runs.get(this.repo.requireJob(jobId).id)?.get(runId);
    if (!run) throw new TandemError(Code.NotFound, `Run '${runId}' of job '${jobId}' does not exist`);
    return run;
  }

  /** Stops a run: no more launches; live tasks are killed with the job's grace period; the run ends FAILED. */
  stopRun(jobId: string, runId: string): Promise<JobRun> {
    return this.serial(async () => {
      const run = this.getRun(jobId, runId);
      await this.book.afterEffects(run, stopRun(run, 'stopped by the operator', this.o.clock.now()));
      return run;
    });
  }

  history(jobId: string): JobHistory {
    this.repo.requireJob(jobId);
    return this.repo.histories.get(jobId) ?? emptyHistory();
  }

  /** Runs waiting for offers (Metronome's /v1/queue). */
  queue(): RunQueue {
    return this.book.queue();
  }

  now(): number {
    return this.o.clock.now();
  }

  /** Runs state changes one at a time, in order; a failed one does not stop the next. */
  private serial<T>(fn: () => Promise<T>): Promise<T> {
    return this.chain.run(fn);
  }
}
