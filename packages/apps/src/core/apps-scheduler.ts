import { SchedulerDriver } from '@tandem/framework-sdk';
import { componentLogger, type Logger, SerialChain } from '@tandem/protocol';
import type { AppDefinition } from '../app/app-definition.js';
import type { EventBus } from '../events/event-bus.js';
import type { ResolvedAppsOptions } from '../options.js';
import { Acknowledgements } from './acknowledgements.js';
import { AppConvergence } from './app-convergence.js';
import type { AppsMetrics } from './apps-metrics.js';
import type { AppsRepository } from './apps-repository.js';
import type { Deployment, DeploymentStep } from './deployment.js';
import { currentStepJson, planJson } from './deployment-json.js';
import { DeploymentRunner } from './deployment-runner.js';
import { DeploymentStepping } from './deployment-stepping.js';
import { effectiveTarget } from './effective-target.js';
import { updateGauges } from './gauges.js';
import type { GroupChange } from './group-record.js';
import { type Instance, isOccupying } from './instance.js';
import { acceptInverseOffers } from './inverse-offers.js';
import { LaunchDelays } from './launch-delays.js';
import { OfferDemand } from './offer-demand.js';
import { OfferMatching } from './offer-matching.js';
import type { OfferStats } from './offer-stats.js';
import { ReadinessChecker } from './readiness-checker.js';
import { syncReadiness } from './readiness-sync.js';
import { reconcile } from './reconciliation.js';
import type { SchedulerContext } from './scheduler-context.js';
import { StatusHandling } from './status-handling.js';
import type { TaskFailure } from './task-failure.js';
import { TaskKills } from './task-kills.js';
import { stampApp, VersionClock } from './version-clock.js';

/** The least time between two convergence passes asked for by events (the periodic tick aside). */
const TICK_SPACING_MS = 50;

/**
 * The apps framework's engine: keeps every app's instances at its target through the
 * SDK driver (launch queue matched against offers, kills, replacement with backoff,
 * reconciliation, suppress/revive), runs deployments step by step, and writes every
 * decision to the Store before acting on it. All changes run one at a time (`serial`).
 * This class holds the lifecycle and the wiring; each part lives in its own file
 * (offer-matching, status-handling, app-convergence, deployment-runner,
 * deployment-stepping, task-kills, offer-demand, acknowledgements, reconciliation).
 */
export class AppsScheduler {
  private readonly log: Logger;
  private driver: SchedulerDriver | undefined;
  private readonly chain: SerialChain;
  private readonly delays = new LaunchDelays();
  /** Readiness checks of the new instances of running deployments. */
  readonly readiness: ReadinessChecker;
  private readonly ctx: SchedulerContext;
  private readonly versions = new VersionClock();
  private readonly kills: TaskKills;
  private readonly runner: DeploymentRunner;
  private readonly stepping: DeploymentStepping;
  private readonly convergence: AppConvergence;
  private readonly demand: OfferDemand;
  private readonly offers: OfferMatching;
  private readonly updates: StatusHandling;
  private readonly acks: Acknowledgements;
  private tickTimer: NodeJS.Timeout | undefined;
  private reconcileTimer: NodeJS.Timeout | undefined;
  private tickQueued = false;
  private lastTickAt = 0;
  private stopping = false;

  constructor(
    private readonly o: ResolvedAppsOptions,
    readonly repo: AppsRepository,
    events: EventBus,
    metrics: AppsMetrics,
  ) {
    this.log = componentLogger('apps-scheduler', o.logger);
    this.chain = new SerialChain({ log: this.log, failedMessage: 'apps scheduler step failed' });
    this.readiness = new ReadinessChecker(() => this.queueTick(), componentLogger('apps-readiness', o.logger));
    const self = this;
    this.ctx = {
      options: o,
      repo,
      events,
      metrics,
      log: this.log,
      delays: this.delays,
      readiness: this.readiness,
      get driver() {
        return self.driver;
      },
      get connected() {
        return self.connected;
      },
      get stopping() {
        return self.stopping;
      },
      serial: (fn) => this.serial(fn),
      queueTick: () => this.queueTick(),
    };
    this.kills = new TaskKills(this.ctx);
    this.runner = new DeploymentRunner(this.ctx, this.versions);
    this.stepping = new DeploymentStepping(this.ctx, this.runner);
    this.convergence = new AppConvergence(this.ctx, this.kills);
    this.demand = new OfferDemand(this.ctx);
    this.offers = new OfferMatching(this.ctx, this.demand);
    this.updates = new StatusHandling(this.ctx, this.kills);
    this.acks = new Acknowledgements(this.ctx);
  }

  get frameworkId(): string | undefined {
    return this.repo.frameworkId;
  }

  get connected(): boolean {
    return this.driver?.state === 'subscribed';
  }

  /** Per-app offer statistics for /v2/queue (the last offers and why they were declined). */
  get offerStats(): OfferStats {
    return this.offers.offerStats;
  }

  /** Why each app's last task ended, as Marathon's `lastTaskFailure`. */
  get lastFailures(): Map<string, TaskFailure> {
    return this.updates.lastFailures;
  }

  // ---- lifecycle --------------------------------------------------------------------

  start(): void {
    const driver = new SchedulerDriver({
      master: this.o.master,
      framework: {
        name: this.o.frameworkName,
        roles: this.o.roles,
        failoverTimeoutSeconds: this.o.failoverTimeoutSeconds,
        ...(this.repo.frameworkId ? { id: this.repo.frameworkId } : {}),
      },
      autoAcknowledge: false,
      ...(this.o.reconnect ? { reconnect: this.o.reconnect } : {}),
      ...(this.o.tls ? { tls: this.o.tls } : {}),
      ...(this.o.credential ? { credential: this.o.credential } : {}),
      ...(this.o.logger ? { logger: this.o.logger } : {}),
    });
    this.driver = driver;
    driver.onSubscribed((s) => this.serial(() => this.subscribed(s.frameworkId)));
    driver.onOffers((offers) => this.serial(() => this.offers.handle(offers)));
    driver.onInverseOffers((inverseOffers) => this.serial(() => acceptInverseOffers(this.ctx, inverseOffers)));
    // Handled in order in the chain, acknowledged once what they changed is durable. The
    // driver hands over the next update as soon as this returns (its own acknowledgement
    // would wait for each handler in turn, one fsync after another), so updates arriving
    // together share the store's fsync and their acknowledgements one call. An update
    // whose handling fails stays unacknowledged: the agent sends it again.
    driver.onUpdate((status) => {
      this.serial(() => this.updates.handle(status)).then(
        (r) => this.acks.whenDurable(status, r?.written),
        () => undefined,
      );
    });
    driver.onError((err) => {
      this.log.error({ err }, 'the scheduler driver failed for good; the apps framework no longer schedules');
    });
    driver.start().catch((err: unknown) => {
      if (!this.stopping) this.log.error({ err }, 'subscription failed');
    });
    this.tickTimer = setInterval(() => this.queueTick(), this.o.tickMs);
    this.tickTimer.unref();
    this.reconcileTimer = setInterval(() => {
      void this.serial(() => reconcile(this.ctx));
    }, this.o.reconcileIntervalMs);
    this.reconcileTimer.unref();
  }

  /** Ordered: no new work, the work in progress finishes, then the driver stops. Tasks keep running. */
  async stop(): Promise<void> {
    this.stopping = true;
    this.readiness.stop();
    if (this.tickTimer) clearInterval(this.tickTimer);
    if (this.reconcileTimer) clearInterval(this.reconcileTimer);
    this.tickTimer = undefined;
    this.reconcileTimer = undefined;
    await this.chain.drained();
    await this.driver?.stop();
  }

  /** Runs `fn` after every change queued before it; the one way state changes (see SerialChain). */
  serial<T>(fn: () => Promise<T> | T): Promise<T> {
    return this.chain.run(fn);
  }

  /**
   * Asks for a convergence pass soon: coalesced, and at most one per TICK_SPACING_MS. A
   * pass looks at every instance, so one per status update would make a scale to N
   * instances cost N^2.
   */
  queueTick(): void {
    if (this.tickQueued || this.stopping) return;
    this.tickQueued = true;
    const wait = this.lastTickAt + TICK_SPACING_MS - Date.now();
    const run = (): void => {
      void this.serial(async () => {
        this.tickQueued = false;
        this.lastTickAt = Date.now();
        await this.tick();
      });
    };
    if (wait <= 0) run();
    else setTimeout(run, wait).unref();
  }

  private async tick(): Promise<void> {
    if (this.stopping) return;
    const now = Date.now();
    await this.convergence.convergeAll(now);
    await this.kills.retry(now);
    await this.stepping.advance(now);
    syncReadiness(this.ctx);
    await this.demand.update(now);
    updateGauges(this.repo, this.ctx.metrics);
  }

  private async subscribed(frameworkId: string): Promise<void> {
    await this.repo.setFrameworkId(frameworkId);
    this.demand.reset();
    await reconcile(this.ctx);
    this.queueTick();
  }

  // ---- the API's changes ------------------------------------------------------------

  /** A version stamp newer than every earlier one (ISO time, 1 ms apart at least). */
  nextVersion(): string {
    return this.versions.next();
  }

  /** Stamps `next` against `prev`: a config change moves lastConfigChangeAt, a scale only lastScalingAt. */
  stamp(prev: AppDefinition | undefined, next: AppDefinition, version: string): AppDefinition {
    return stampApp(prev, next, version);
  }

  lockingDeployments(appIds: Iterable<string>): Deployment[] {
    return this.runner.lockingDeployments(appIds);
  }

  /** See DeploymentRunner.deploy. */
  deploy(
    targets: ReadonlyMap<string, AppDefinition | undefined>,
    options: { force: boolean; rollbackOf?: string; restart?: boolean; groups?: GroupChange; onlyChanged?: boolean },
  ): Promise<Deployment> {
    return this.runner.deploy(targets, options);
  }

  /** DELETE /v2/deployments/{id}: a rollback deployment, or with `force` just stop it. */
  cancelDeployment(id: string, force: boolean): Promise<Deployment | undefined> {
    return this.runner.cancelDeployment(id, force);
  }

  /** Kills tasks of an app; with `scale` the app's instance count drops by as many (a new version). */
  async killTasks(appId: string, taskIds: readonly string[], scale: boolean): Promise<{ killed: Instance[]; deployment?: Deployment }> {
    const { killed, next } = await this.serial(async () => {
      const app = this.repo.apps.get(appId);
      const victims = this.repo.instancesOf(appId).filter((i) => i.taskId && taskIds.includes(i.taskId) && isOccupying(i));
      for (const v of victims) {
        this.kills.byUser.add(v.taskId!);
        if (scale) await this.kills.decommission(v);
        else await this.kills.kill(v);
      }
      const fewer = app && scale && victims.length > 0 ? { ...app, instances: Math.max(0, app.instances - victims.length) } : undefined;
      return { killed: victims, next: fewer };
    });
    if (!next) return { killed };
    return { killed, deployment: await this.deploy(new Map([[appId, next]]), { force: true }) };
  }

  resetDelay(appId: string): void {
    this.delays.reset(appId);
    this.queueTick();
  }

  delayLeftMs(app: AppDefinition): number {
    return this.delays.remaining(app, Date.now());
  }

  // ---- views -------------------------------------------------------------------------------

  /** The definition an app moves toward now: held at its original while its deployment step has not come. */
  effectiveTarget(appId: string): AppDefinition | undefined {
    return effectiveTarget(this.repo, appId);
  }

  planJson(d: Deployment): Record<string, unknown> {
    return planJson(d);
  }

  currentStepJson(d: Deployment): DeploymentStep {
    return currentStepJson(d);
  }
}
