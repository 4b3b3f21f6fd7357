import { SchedulerDriver } from '@tandem/framework-sdk';
import { Code, componentLogger, isTerminal, type Logger, type Offer, Resources, TandemError, type TaskInfoInit, type TaskStatus } from '@tandem/protocol';
import { type AppDefinition, isConfigChange } from '../app/app-definition.js';
import { AppValidationError } from '../app/app-validation-error.js';
import { hasHealthChecks } from '../app/health-check-mapping.js';
import type { EventBus } from '../events/event-bus.js';
import type { ResolvedAppsOptions } from '../options.js';
import type { PlacementSite } from '../placement/constraints.js';
import { fitInstance, siteOf, usableResources } from '../placement/offer-fit.js';
import type { AppsMetrics } from './apps-metrics.js';
import type { AppsRepository } from './apps-repository.js';
import { converge, isConverged } from './converge.js';
import { levelsOfChange, unknownDependencies } from './dependency-graph.js';
import { checkDeploymentTransition, type Deployment, type DeploymentStep } from './deployment.js';
import { type AppChange, planSteps } from './deployment-plan.js';
import type { GroupRecord } from './group-record.js';
import { canTransitionInstance, checkInstanceTransition, conditionOf, type Instance, isOccupying, isTerminalCondition } from './instance.js';
import { LaunchDelays } from './launch-delays.js';
import { OfferStats } from './offer-stats.js';
import { ReadinessChecker } from './readiness-checker.js';
import { needsReadiness, readinessTargetOf, readinessTargets, tasksToCheck } from './readiness-gate.js';
import { assignServicePorts } from './service-ports.js';
import { buildTask } from './task-builder.js';
import { newInstanceId, parseTaskId, taskIdOf } from './task-ids.js';
import { countable, noteHealthReport, planReplacements } from './unhealthy-replacement.js';

/** Why a task ended, as Marathon's `lastTaskFailure`. */
export interface TaskFailure {
  appId: string;
  host: string;
  message: string;
  state: string;
  taskId: string;
  timestamp: string;
  version: string;
  slaveId: string;
}

/** A request that conflicts with running deployments (HTTP 409 with their ids). */
export class AppLockedError extends TandemError {
  override readonly name = 'AppLockedError';
  constructor(readonly deploymentIds: string[]) {
    super(
      Code.FailedPrecondition,
      `App is locked by one or more deployments. Override with the option '?force=true'. View details at '/v2/deployments/${deploymentIds[0] ?? ''}'.`,
    );
  }
}

/** Stored groups a deployment writes (created or changed) and removes, with its apps. */
export interface GroupChange {
  put: GroupRecord[];
  remove: string[];
}

const LAST_OFFERS_KEPT = 5;
/** Launches of one offer round leave in chunks of about this many tasks (see handleOffers). */
const LAUNCH_CHUNK = 1000;
/** The least time between two convergence passes asked for by events (the periodic tick aside). */
const TICK_SPACING_MS = 50;
/** The longest the serial chain runs before it lets the event loop serve I/O. */
const YIELD_AFTER_MS = 10;

/**
 * The apps framework's engine: keeps every app's instances at its target through the
 * SDK driver (launch queue matched against offers, kills, replacement with backoff,
 * reconciliation, suppress/revive), runs deployments step by step, and writes every
 * decision to the Store before acting on it. All changes run one at a time (`serial`).
 */
export class AppsScheduler {
  private readonly log: Logger;
  private driver: SchedulerDriver | undefined;
  private chain: Promise<unknown> = Promise.resolve();
  private readonly delays = new LaunchDelays();
  readonly offerStats = new OfferStats(LAST_OFFERS_KEPT);
  readonly lastFailures = new Map<string, TaskFailure>();
  /** Readiness checks of the new instances of running deployments. */
  readonly readiness: ReadinessChecker;
  /** Tasks we asked to kill: epoch ms of the last request. */
  private readonly killRequests = new Map<string, number>();
  /** Tasks killed on a user's request (no backoff, no lastTaskFailure). */
  private readonly userKills = new Set<string>();
  private suppressed = false;
  private lastReviveAt = 0;
  private launchableBefore = 0;
  private tickTimer: NodeJS.Timeout | undefined;
  private reconcileTimer: NodeJS.Timeout | undefined;
  private tickQueued = false;
  private lastTickAt = 0;
  private lastYieldAt = 0;
  /** Status updates durable and waiting for the next acknowledge call. */
  private acks: TaskStatus[] = [];
  private readonly rollingBack = new Set<string>();
  private stopping = false;
  private lastVersion = 0;

  constructor(
    private readonly o: ResolvedAppsOptions,
    readonly repo: AppsRepository,
    private readonly events: EventBus,
    private readonly metrics: AppsMetrics,
  ) {
    this.log = componentLogger('apps-scheduler', o.logger);
    this.readiness = new ReadinessChecker(() => this.queueTick(), componentLogger('apps-readiness', o.logger));
  }

  get frameworkId(): string | undefined {
    return this.repo.frameworkId;
  }

  get connected(): boolean {
    return this.driver?.state === 'subscribed';
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
      ...(this.o.logger ? { logger: this.o.logger } : {}),
    });
    this.driver = driver;
    driver.onSubscribed((s) => this.serial(() => this.subscribed(s.frameworkId)));
    driver.onOffers((offers) => this.serial(() => this.handleOffers(offers)));
    // Handled in order in the chain, acknowledged once what they changed is durable. The
    // driver hands over the next update as soon as this returns (its own acknowledgement
    // would wait for each handler in turn, one fsync after another), so updates arriving
    // together share the store's fsync and their acknowledgements one call. An update
    // whose handling fails stays unacknowledged: the agent sends it again.
    driver.onUpdate((status) => {
      this.serial(() => this.handleUpdate(status)).then(
        (r) => this.acknowledgeWhenDurable(status, r?.written),
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
      void this.serial(() => this.reconcile());
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
    await this.chain.catch(() => undefined);
    await this.driver?.stop();
  }

  /**
   * Runs `fn` after every change queued before it; the one way state changes. Every
   * YIELD_AFTER_MS the chain hops to a fresh macrotask: its steps resolve on microtasks,
   * and a chain of thousands (status updates, a scale to 10,000) would otherwise not let
   * the event loop serve the REST API or read the driver's stream until it drained.
   */
  serial<T>(fn: () => Promise<T> | T): Promise<T> {
    const run = this.chain.then(() => this.maybeYield()).then(fn);
    this.chain = run.catch((err: unknown) => {
      this.log.error({ err }, 'apps scheduler step failed');
    });
    return run;
  }

  private acknowledgeWhenDurable(status: TaskStatus, written: Promise<void> | undefined): void {
    if (!status.uuid) return;
    const ack = (): void => {
      this.acks.push(status);
      if (this.acks.length > 1) return;
      setImmediate(() => {
        const batch = this.acks;
        this.acks = [];
        this.driver?.acknowledge(batch).catch((err: unknown) => this.log.debug({ err, count: batch.length }, 'acknowledge failed; the agents send the updates again'));
      });
    };
    if (!written) ack();
    else written.then(ack, (err: unknown) => this.log.warn({ err, taskId: status.taskId }, 'a status update could not be stored; left unacknowledged'));
  }

  /** A macrotask hop when the chain has held the event loop for YIELD_AFTER_MS. */
  private maybeYield(): Promise<void> | undefined {
    if (Date.now() - this.lastYieldAt < YIELD_AFTER_MS) return undefined;
    return new Promise<void>((resolve) =>
      setImmediate(() => {
        this.lastYieldAt = Date.now();
        resolve();
      }),
    );
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

  // ---- the API's changes ------------------------------------------------------------

  /** A version stamp newer than every earlier one (ISO time, 1 ms apart at least). */
  nextVersion(): string {
    const now = Math.max(Date.now(), this.lastVersion + 1);
    this.lastVersion = now;
    return new Date(now).toISOString();
  }

  /** Stamps `next` against `prev`: a config change moves lastConfigChangeAt, a scale only lastScalingAt. */
  stamp(prev: AppDefinition | undefined, next: AppDefinition, version: string): AppDefinition {
    const config = !prev || isConfigChange(prev, next);
    return {
      ...next,
      version,
      versionInfo: {
        lastConfigChangeAt: config ? version : prev.versionInfo.lastConfigChangeAt,
        lastScalingAt: version,
      },
    };
  }

  lockingDeployments(appIds: Iterable<string>): Deployment[] {
    const ids = new Set(appIds);
    return [...this.repo.deployments.values()].filter((d) => d.state === 'running' && d.affectedApps.some((a) => ids.has(a)));
  }

  /**
   * Starts a deployment that moves each app in `targets` to its definition (undefined:
   * remove it). Conflicts with running deployments fail with AppLockedError unless
   * `force`, which cancels them. Apps, versions and the deployment are durable when it returns.
   */
  deploy(
    targets: ReadonlyMap<string, AppDefinition | undefined>,
    options: { force: boolean; rollbackOf?: string; restart?: boolean; groups?: GroupChange },
  ): Promise<Deployment> {
    return this.serial(async () => {
      const locking = this.lockingDeployments(targets.keys());
      if (locking.length > 0 && !options.force) throw new AppLockedError(locking.map((d) => d.id));
      // Service ports for `port: 0` before anything changes (a used-up range is a 422).
      const withPorts = assignServicePorts(this.repo.apps, targets, { min: this.o.localPortMin, max: this.o.localPortMax });
      // Groups and the dependency order (a cycle is a 422) before anything changes too.
      const groupsAfter = new Map(this.repo.groups);
      for (const id of options.groups?.remove ?? []) groupsAfter.delete(id);
      for (const g of options.groups?.put ?? []) groupsAfter.set(g.id, g);
      for (const [id, next] of withPorts) {
        if (next && groupsAfter.has(id)) throw AppValidationError.of('/id', `An app may not have the same id as a group: ${id}`);
      }
      const levels = levelsOfChange(this.repo.apps, withPorts, this.repo.groups.values(), groupsAfter.values());
      for (const g of options.groups?.put ?? []) {
        if (levels.appsAfter.has(g.id)) throw AppValidationError.of('/id', `A group may not have the same id as an app: ${g.id}`);
      }
      const declared = [
        ...[...withPorts.values()].flatMap((a): [string, string[]][] => (a ? [[a.id, a.dependencies]] : [])),
        ...(options.groups?.put ?? []).map((g): [string, string[]] => [g.id, g.dependencies]),
      ];
      for (const d of unknownDependencies(declared, levels.appsAfter, groupsAfter.values())) {
        this.log.warn({ dependency: d.on, declaredBy: d.declaredBy }, 'a dependency names no app or group (accepted, as Marathon): it orders nothing until one exists');
      }
      for (const d of locking) await this.endDeployment(d, 'cancelled', 'cancelled by a forced change');
      const version = this.nextVersion();
      const changes = new Map<string, AppChange>();
      for (const [id, next] of withPorts) {
        const prev = this.repo.apps.get(id);
        let to = next ? this.stamp(prev, next, version) : undefined;
        // A rollback returns to a config whose instances may still run: they must count as current.
        if (to && next && options.rollbackOf) to = { ...to, versionInfo: { ...to.versionInfo, lastConfigChangeAt: next.versionInfo.lastConfigChangeAt } };
        if (to && options.restart) to = { ...to, versionInfo: { lastConfigChangeAt: version, lastScalingAt: version } };
        changes.set(id, { from: prev, to, restart: options.restart ?? false });
      }
      const steps = planSteps(changes, levels);
      const now = Date.now();
      const timeouts = [...changes.values()]
        .map((c) => c.to?.upgradeStrategy.deploymentTimeoutSeconds ?? this.o.deploymentTimeoutSeconds)
        .filter((s) => s > 0);
      const deployment: Deployment = {
        id: crypto.randomUUID(),
        version,
        affectedApps: [...changes.keys()].sort(),
        steps,
        currentStep: 0,
        state: 'running',
        original: Object.fromEntries([...changes].map(([id, c]) => [id, c.from ?? null])),
        target: Object.fromEntries([...changes].map(([id, c]) => [id, c.to ?? null])),
        startedAt: now,
        ...(timeouts.length > 0 && !options.rollbackOf ? { timeoutAt: now + Math.min(...timeouts) * 1000 } : {}),
        ...(options.rollbackOf ? { rollbackOf: options.rollbackOf } : {}),
      };
      // The deployment first: a crash between it and the apps leaves a plan that still completes.
      await this.repo.putDeployment(deployment);
      for (const [id, c] of changes) {
        if (c.to) await this.repo.putApp(c.to);
        else if (this.repo.apps.has(id)) await this.repo.deleteApp(id);
        if (!c.from || !c.to || c.restart || isConfigChange(c.from, c.to)) this.delays.reset(id);
      }
      for (const id of options.groups?.remove ?? []) await this.repo.deleteGroup(id);
      for (const g of options.groups?.put ?? []) await this.repo.putGroup(g);
      await this.repo.recordRoot(version);
      this.events.emit('group_change_success', { groupId: '/', version });
      this.events.emit('deployment_info', { plan: this.planJson(deployment), currentStep: this.currentStepJson(deployment) });
      this.queueTick();
      return deployment;
    });
  }

  /** DELETE /v2/deployments/{id}: a rollback deployment, or with `force` just stop it. */
  async cancelDeployment(id: string, force: boolean): Promise<Deployment | undefined> {
    const d = this.repo.deployments.get(id);
    if (!d) throw new TandemError(Code.NotFound, `DeploymentPlan ${id} does not exist`);
    if (force) {
      await this.serial(() => this.endDeployment(d, 'cancelled', 'stopped with force=true'));
      return undefined;
    }
    return this.rollback(d, 'cancelled', 'rolled back on request');
  }

  private async rollback(d: Deployment, state: 'cancelled' | 'failed', reason: string): Promise<Deployment> {
    await this.serial(() => this.endDeployment(d, state, reason));
    const targets = new Map<string, AppDefinition | undefined>(Object.entries(d.original).map(([id, def]) => [id, def ?? undefined]));
    return this.deploy(targets, { force: true, rollbackOf: d.id });
  }

  private async endDeployment(d: Deployment, state: 'succeeded' | 'failed' | 'cancelled', reason?: string): Promise<void> {
    if (d.state !== 'running') return;
    d.state = checkDeploymentTransition(d.state, state);
    await this.repo.deleteDeployment(d.id);
    this.metrics.deploymentResults.inc({ result: state });
    if (state === 'succeeded') this.events.emit('deployment_success', { id: d.id, plan: this.planJson(d) });
    else this.events.emit('deployment_failed', { id: d.id, plan: this.planJson(d), reason: reason ?? state });
    this.log.info({ deploymentId: d.id, state, reason }, 'deployment ended');
    this.syncReadiness();
  }

  /** Kills tasks of an app; with `scale` the app's instance count drops by as many (a new version). */
  async killTasks(appId: string, taskIds: readonly string[], scale: boolean): Promise<{ killed: Instance[]; deployment?: Deployment }> {
    const { killed, next } = await this.serial(async () => {
      const app = this.repo.apps.get(appId);
      const victims = this.repo.instancesOf(appId).filter((i) => i.taskId && taskIds.includes(i.taskId) && isOccupying(i));
      for (const v of victims) {
        this.userKills.add(v.taskId!);
        if (scale) await this.decommission(v);
        else await this.kill(v);
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

  // ---- convergence --------------------------------------------------------------------

  /** The definition an app moves toward now: held at its original while its deployment step has not come. */
  effectiveTarget(appId: string): AppDefinition | undefined {
    for (const d of this.repo.deployments.values()) {
      if (d.state !== 'running' || !(appId in d.target)) continue;
      const step = d.steps.findIndex((s) => s.actions.some((a) => a.app === appId));
      if (step > d.currentStep) return d.original[appId] ?? undefined;
    }
    return this.repo.apps.get(appId);
  }

  private async tick(): Promise<void> {
    if (this.stopping) return;
    const now = Date.now();
    const appIds = new Set([...this.repo.apps.keys(), ...this.repo.appIdsWithInstances()]);
    for (const d of this.repo.deployments.values()) for (const a of d.affectedApps) appIds.add(a);
    const gated = readinessTargets(this.repo.deployments.values());
    for (const appId of appIds) {
      const target = this.effectiveTarget(appId);
      await this.expireUnreachable(target, appId, now);
      if (target) await this.replaceUnhealthy(target, now);
      const gate = gated.get(appId);
      const decision = converge(target, countable(this.repo.instancesOf(appId)), target ? hasHealthChecks(target) : false, gate ? this.readyFn(gate) : undefined);
      for (const i of decision.decommission) await this.decommission(i);
      // Written together: one fsync for the lot.
      if (target && decision.schedule > 0) await Promise.all(Array.from({ length: decision.schedule }, () => this.scheduleInstance(target)));
    }
    await this.retryKills(now);
    await this.advanceDeployments(now);
    this.syncReadiness();
    await this.offerDemand(now);
    this.updateGauges();
  }

  private async expireUnreachable(app: AppDefinition | undefined, appId: string, now: number): Promise<void> {
    const strategy = app?.unreachableStrategy ?? { inactiveAfterSeconds: 300, expungeAfterSeconds: 600 };
    if (strategy === 'disabled') return;
    for (const i of this.repo.instancesOf(appId)) {
      if (i.unreachableSince === undefined) continue;
      const gone = now - i.unreachableSince;
      if (i.condition === 'Unreachable' && gone >= strategy.inactiveAfterSeconds * 1000) {
        await this.setCondition(i, 'UnreachableInactive');
      } else if (i.condition === 'UnreachableInactive' && gone >= strategy.expungeAfterSeconds * 1000) {
        if (i.taskId) await this.sendKill(i.taskId, i.agentId, app?.taskKillGracePeriodSeconds);
        await this.repo.deleteInstance(i);
        this.events.emit('instance_changed_event', this.instanceEventFields(i, 'Gone'));
      }
    }
  }

  private async setCondition(i: Instance, condition: Instance['condition']): Promise<void> {
    await this.repo.putInstance({ ...i, condition: checkInstanceTransition(i.condition, condition), since: new Date().toISOString() });
    this.events.emit('instance_changed_event', this.instanceEventFields(i, condition));
  }

  private async scheduleInstance(app: AppDefinition, replaces?: string): Promise<void> {
    const now = new Date().toISOString();
    const instance: Instance = {
      instanceId: newInstanceId(),
      appId: app.id,
      configVersion: app.versionInfo.lastConfigChangeAt,
      appVersion: app.version,
      goal: 'Running',
      condition: 'Scheduled',
      since: now,
      incarnation: 0,
      ports: [],
      healthChecked: hasHealthChecks(app),
      createdAt: now,
      ...(replaces ? { replaces } : {}),
    };
    await this.repo.putInstance(instance);
    this.events.emit('instance_changed_event', this.instanceEventFields(instance, 'Scheduled'));
  }

  /** Starts replacements for instances that failed their health checks, and kills those replaced (see unhealthy-replacement.ts). */
  private async replaceUnhealthy(app: AppDefinition, now: number): Promise<void> {
    const plan = planReplacements(app, this.repo.instancesOf(app.id), now);
    for (const r of plan.drop) {
      this.log.info({ appId: app.id, instanceId: r.instanceId, replaces: r.replaces }, 'the instance recovered: its replacement, not launched yet, is dropped');
      await this.repo.deleteInstance(r);
    }
    for (const r of plan.release) {
      const { replaces: _, ...rest } = r;
      await this.repo.putInstance(rest);
    }
    for (const { instance: x, reason } of plan.kill) {
      this.log.info({ appId: app.id, instanceId: x.instanceId, taskId: x.taskId, reason }, 'killing an instance that failed its health checks');
      this.events.emit('unhealthy_instance_kill_event', { appId: x.appId, taskId: x.taskId ?? '', instanceId: x.instanceId, version: x.appVersion, reason, host: x.hostname ?? '', slaveId: x.agentId ?? '' });
      await this.decommission(x);
    }
    for (const x of plan.replace) this.log.info({ appId: app.id, instanceId: x.instanceId, taskId: x.taskId }, 'the instance failed its health checks: starting a replacement first');
    // Written together: one fsync for the lot.
    await Promise.all(plan.replace.map((x) => this.scheduleInstance(app, x.instanceId)));
  }

  /** Marks an instance for removal (durably), then kills its task or drops it from the queue. */
  private async decommission(i: Instance): Promise<void> {
    if (i.condition === 'Scheduled') {
      await this.repo.deleteInstance(i);
      return;
    }
    if (i.goal !== 'Decommissioned') await this.repo.putInstance({ ...i, goal: 'Decommissioned' });
    await this.kill(this.repo.instances.get(i.instanceId) ?? i);
  }

  private async kill(i: Instance): Promise<void> {
    if (!i.taskId) return;
    const app = this.repo.apps.get(i.appId) ?? this.effectiveTarget(i.appId);
    await this.sendKill(i.taskId, i.agentId, app?.taskKillGracePeriodSeconds);
  }

  private async sendKill(taskId: string, agentId: string | undefined, grace: number | undefined): Promise<void> {
    this.killRequests.set(taskId, Date.now());
    this.metrics.killed.inc();
    try {
      await this.driver?.kill(taskId, agentId, grace);
    } catch (err) {
      this.log.warn({ err, taskId }, 'kill failed; it will be retried');
    }
  }

  private async retryKills(now: number): Promise<void> {
    for (const i of this.repo.instances.values()) {
      if (i.goal !== 'Decommissioned' || !i.taskId) continue;
      const at = this.killRequests.get(i.taskId) ?? 0;
      if (now - at >= this.o.killRetryMs) await this.kill(i);
    }
  }

  private async advanceDeployments(now: number): Promise<void> {
    const running = [...this.repo.deployments.values()].filter((d) => d.state === 'running').sort((a, b) => a.startedAt - b.startedAt);
    for (const d of running) {
      if (d.timeoutAt !== undefined && now > d.timeoutAt) {
        if (this.rollingBack.has(d.id)) continue;
        this.rollingBack.add(d.id);
        this.log.warn({ deploymentId: d.id }, 'deployment timed out; rolling back');
        void this.rollback(d, 'failed', 'deployment timed out').catch((err: unknown) => this.log.error({ err }, 'rollback failed'));
        continue;
      }
      let moved = false;
      while (d.currentStep < d.steps.length && this.stepDone(d, d.currentStep)) {
        this.events.emit('deployment_step_success', { plan: this.planJson(d), currentStep: this.currentStepJson(d) });
        d.currentStep += 1;
        moved = true;
      }
      if (d.currentStep >= d.steps.length) await this.endDeployment(d, 'succeeded');
      else if (moved) {
        await this.repo.putDeployment(d);
        this.events.emit('deployment_info', { plan: this.planJson(d), currentStep: this.currentStepJson(d) });
        this.queueTick();
      }
    }
  }

  private stepDone(d: Deployment, step: number): boolean {
    return (d.steps[step]?.actions ?? []).every((a) => {
      const target = d.target[a.app] ?? undefined;
      const gate = readinessTargetOf(d, a.app, step);
      return isConverged(target, countable(this.repo.instancesOf(a.app)), target ? hasHealthChecks(target) : false, gate ? this.readyFn(gate) : undefined);
    });
  }

  /** Counts a new instance of `target` only once its readiness check passed. */
  private readyFn(target: AppDefinition): (i: Instance) => boolean {
    return (i) => !needsReadiness(i, target) || (i.taskId !== undefined && this.readiness.isReady(i.taskId));
  }

  /** Checks the RUNNING new instances of running deployments' current steps, and nothing else. */
  private syncReadiness(): void {
    if (this.stopping) return;
    this.readiness.sync(tasksToCheck(readinessTargets(this.repo.deployments.values()), (appId) => this.repo.instancesOf(appId)));
  }

  /** Instances that may launch now. */
  private launchable(now: number): Map<string, { app: AppDefinition; waiting: Instance[] }> {
    const out = new Map<string, { app: AppDefinition; waiting: Instance[] }>();
    for (const appId of this.repo.appIdsWithInstances()) {
      const app = this.effectiveTarget(appId);
      if (!app || this.delays.remaining(app, now) > 0) continue;
      const waiting = this.repo
        .instancesOf(appId)
        .filter((i) => i.goal === 'Running' && i.condition === 'Scheduled' && i.configVersion === app.versionInfo.lastConfigChangeAt);
      if (waiting.length > 0) out.set(appId, { app, waiting });
    }
    return out;
  }

  /** Suppress when nothing waits; revive (rate-limited) when something new may launch. */
  private async offerDemand(now: number): Promise<void> {
    if (!this.connected) return;
    let count = 0;
    for (const { waiting } of this.launchable(now).values()) count += waiting.length;
    const grew = count > this.launchableBefore;
    if (count === 0 && !this.suppressed) {
      this.log.debug('nothing waits: suppressing offers');
      await this.driver?.suppress().catch((err: unknown) => this.log.debug({ err }, 'suppress failed'));
      this.suppressed = true;
    } else if (count > 0 && (this.suppressed || grew) && now - this.lastReviveAt >= this.o.minReviveIntervalMs) {
      this.log.debug({ waiting: count, suppressed: this.suppressed }, 'instances wait: reviving offers');
      await this.driver?.revive().catch((err: unknown) => this.log.debug({ err }, 'revive failed'));
      this.suppressed = false;
      this.lastReviveAt = now;
    } else if (grew) return; // rate-limited: keep launchableBefore low so the next tick revives
    this.launchableBefore = count;
  }

  // ---- offers -------------------------------------------------------------------------

  private async handleOffers(offers: Offer[]): Promise<void> {
    const now = Date.now();
    const at = new Date(now).toISOString();
    const queue = this.launchable(now);
    this.log.debug({ offers: offers.map((o) => ({ id: o.id, agentId: o.agentId, hostname: o.hostname })), waitingApps: queue.size }, 'offers received');
    if (queue.size === 0) {
      this.metrics.offers.inc({ outcome: 'declined' }, offers.length);
      await this.declineOffers(offers, this.o.declineSeconds);
      if (!this.suppressed) {
        await this.driver?.suppress().catch(() => undefined);
        this.suppressed = true;
      }
      return;
    }
    const slots = offers.map((offer) => ({ offer, used: Resources.EMPTY, launches: [] as { app: AppDefinition; instance: Instance; ports: number[] }[] }));
    const seenByField = new Map<string, Set<string>>();
    const seen = (field: string): ReadonlySet<string> => {
      let s = seenByField.get(field);
      if (!s) {
        s = new Set(offers.map((o) => (field === 'hostname' || field === '@hostname' ? o.hostname : siteOf(o).attributes[field.replace(/^@/, '')])).filter((v): v is string => v !== undefined));
        seenByField.set(field, s);
      }
      return s;
    };
    for (const [appId, { app, waiting }] of queue) {
      const placed: PlacementSite[] = this.repo
        .instancesOf(appId)
        .filter((i) => isOccupying(i) && i.hostname !== undefined)
        .map((i) => ({ hostname: i.hostname!, attributes: i.attributes ?? {} }));
      const pending = [...waiting];
      for (const slot of slots) {
        while (pending.length > 0) {
          const free = usableResources(app, slot.offer).subtract(slot.used);
          const fit = fitInstance(app, slot.offer, free, placed, seen);
          if (!fit.ok) {
            const summary = { id: slot.offer.id, agentId: slot.offer.agentId, hostname: slot.offer.hostname, resources: Resources.fromWire(slot.offer.resources).toJSON(), attributes: siteOf(slot.offer).attributes };
            this.offerStats.declined(appId, slot.offer, summary, fit.reasons, fit.details, at);
            break;
          }
          const instance = pending.shift()!;
          slot.used = slot.used.add(fit.resources);
          const site = siteOf(slot.offer);
          placed.push(site);
          slot.launches.push({ app, instance, ports: fit.ports });
          this.offerStats.used(appId, at);
        }
        if (pending.length === 0) break;
      }
    }
    // Launch intent, durable before any ACCEPT. In chunks of about LAUNCH_CHUNK tasks: a
    // chunk's intents share an fsync and its ACCEPTs leave together (one ACCEPT_MANY) while
    // the next chunk is being written, so the master and agents start on the first
    // instances instead of waiting for the whole round.
    let chunk: { offer: Offer; tasks: TaskInfoInit[]; instances: Instance[] }[] = [];
    let chunkTasks = 0;
    let intents: Promise<void>[] = [];
    const sent: Promise<void>[] = [];
    const sendChunk = async (): Promise<void> => {
      await Promise.all(intents);
      intents = [];
      sent.push(...chunk.map((a) => this.sendAccept(a)));
      chunk = [];
      chunkTasks = 0;
    };
    for (const slot of slots) {
      if (slot.launches.length === 0) continue;
      const tasks: TaskInfoInit[] = [];
      const instances: Instance[] = [];
      for (const { app, instance, ports } of slot.launches) {
        const incarnation = instance.incarnation + 1;
        const site = siteOf(slot.offer);
        const next: Instance = {
          ...instance,
          incarnation,
          taskId: taskIdOf(app.id, instance.instanceId, incarnation),
          condition: checkInstanceTransition(instance.condition, 'Provisioned'),
          since: at,
          agentId: slot.offer.agentId,
          hostname: slot.offer.hostname,
          attributes: site.attributes,
          ports,
          appVersion: app.version,
          stagedAt: at,
          healthChecked: hasHealthChecks(app),
        };
        delete next.startedAt;
        delete next.healthy;
        delete next.health;
        delete next.unreachableSince;
        intents.push(this.repo.putInstance(next));
        tasks.push(buildTask(app, next));
        instances.push(next);
      }
      chunk.push({ offer: slot.offer, tasks, instances });
      chunkTasks += tasks.length;
      if (chunkTasks >= LAUNCH_CHUNK) await sendChunk();
    }
    await sendChunk();
    await Promise.all(sent);
    const unused = slots.filter((s) => s.launches.length === 0).map((s) => s.offer);
    if (unused.length > 0) {
      this.metrics.offers.inc({ outcome: 'declined' }, unused.length);
      const stillWaiting = [...queue.values()].some(({ waiting }) => waiting.some((w) => this.repo.instances.get(w.instanceId)?.condition === 'Scheduled'));
      await this.declineOffers(unused, stillWaiting ? this.o.waitingDeclineSeconds : this.o.declineSeconds);
    }
  }

  /** One ACCEPT for one agent's offer; an unknown outcome is settled by reconciliation. */
  private async sendAccept(a: { offer: Offer; tasks: TaskInfoInit[]; instances: Instance[] }): Promise<void> {
    try {
      await this.driver?.launch(a.offer, a.tasks);
      this.metrics.launched.inc(a.tasks.length);
      this.metrics.offers.inc({ outcome: 'used' });
      for (const i of a.instances) this.events.emit('instance_changed_event', this.instanceEventFields(i, 'Provisioned'));
    } catch (err) {
      // The outcome is unknown: reconciliation tells (TASK_UNKNOWN puts them back in the queue).
      this.log.warn({ err, offerId: a.offer.id }, 'launch failed; reconciling its tasks');
      await this.driver?.reconcile(a.instances.map((i) => ({ taskId: i.taskId!, agentId: i.agentId! }))).catch(() => undefined);
    }
  }

  /**
   * Declines offers with one DECLINE per agent, all sent at once: a DECLINE naming a stale
   * offer is refused whole, and a refused decline would leave the others held by us (no
   * offers from those agents until they time out, whatever we revive).
   */
  private async declineOffers(offers: readonly Offer[], refuseSeconds: number): Promise<void> {
    const byAgent = new Map<string, string[]>();
    for (const o of offers) byAgent.set(o.agentId, [...(byAgent.get(o.agentId) ?? []), o.id]);
    await Promise.all(
      [...byAgent].map(async ([agentId, ids]) => {
        this.log.debug({ agentId, offerIds: ids, refuseSeconds }, 'declining offers');
        try {
          await this.driver?.decline(ids, refuseSeconds);
        } catch (err) {
          this.log.warn({ err, agentId, offerIds: ids }, 'decline failed; the offers stay held until the master rescinds them');
        }
      }),
    );
  }

  // ---- status updates -------------------------------------------------------------------

  /** Applies one status update; what it returns is durable when `written` resolves (undefined: already). */
  private async handleUpdate(status: TaskStatus): Promise<{ written: Promise<void> } | undefined> {
    this.metrics.updates.inc({ state: status.state });
    const instance = this.repo.byTaskId(status.taskId);
    if (!instance) {
      // Not ours, or an older incarnation: it must not run.
      if (!isTerminal(status.state) && status.state !== 'TASK_UNKNOWN' && parseTaskId(status.taskId) !== undefined) {
        this.log.warn({ taskId: status.taskId, state: status.state }, 'killing a task no instance owns');
        await this.sendKill(status.taskId, status.agentId || undefined, undefined);
      }
      return;
    }
    const at = new Date((status.timestamp || Date.now() / 1000) * 1000).toISOString();
    const app = this.repo.apps.get(instance.appId) ?? this.effectiveTarget(instance.appId);
    let condition = conditionOf(status.state);
    if (condition === 'Unknown' && instance.condition !== 'Provisioned') condition = 'Unreachable';
    if (condition === instance.condition && !status.hasHealthy) return;
    if (!isTerminalCondition(condition) && !canTransitionInstance(instance.condition, condition)) {
      // An older update sent again (the agent resends what is unacknowledged, oldest
      // first; the master delivers it without applying it): acknowledged, not applied.
      this.log.debug({ taskId: status.taskId, from: instance.condition, to: condition }, 'ignoring a status update older than the instance\'s condition');
      return;
    }
    this.events.emit('status_update_event', {
      slaveId: status.agentId,
      taskId: status.taskId,
      taskStatus: status.state,
      message: status.message,
      appId: instance.appId,
      host: instance.hostname ?? '',
      ipAddresses: [],
      ports: instance.ports,
      version: instance.appVersion,
    });
    if (isTerminalCondition(condition)) {
      await this.taskEnded(instance, condition, status, at, app);
      this.queueTick();
      return;
    }
    const next: Instance = { ...instance, condition: checkInstanceTransition(instance.condition, condition) };
    if (condition !== instance.condition) next.since = at;
    if (condition === 'Running' && !next.startedAt) next.startedAt = at;
    if (condition === 'Unreachable' && next.unreachableSince === undefined) next.unreachableSince = Date.now();
    if (condition !== 'Unreachable' && condition !== 'UnreachableInactive') delete next.unreachableSince;
    if (status.hasHealthy) {
      const h = { ...next.health };
      if (status.healthy) {
        h.firstSuccess ??= at;
        h.lastSuccess = at;
      } else {
        h.lastFailure = at;
        h.lastFailureCause = status.message;
      }
      next.health = h;
    }
    noteHealthReport(next, status, Date.now());
    if (status.hasHealthy && status.healthy !== instance.healthy) {
      next.healthy = status.healthy;
      this.events.emit('health_status_changed_event', { appId: instance.appId, instanceId: instance.instanceId, taskId: status.taskId, version: instance.appVersion, alive: status.healthy });
      this.events.emit('instance_health_changed_event', { runSpecId: instance.appId, instanceId: instance.instanceId, runSpecVersion: instance.appVersion, healthy: status.healthy });
      if (!status.healthy) {
        this.events.emit('failed_health_check_event', { appId: instance.appId, taskId: status.taskId, instanceId: instance.instanceId, healthCheck: app?.healthChecks[0] ?? null });
      }
    }
    const written = this.repo.putInstance(next);
    if (condition !== instance.condition) this.events.emit('instance_changed_event', this.instanceEventFields(next, condition));
    this.queueTick();
    return { written };
  }

  private async taskEnded(instance: Instance, condition: Instance['condition'], status: TaskStatus, at: string, app: AppDefinition | undefined): Promise<void> {
    const taskId = status.taskId;
    this.killRequests.delete(taskId);
    const byUser = this.userKills.delete(taskId);
    this.events.emit('instance_changed_event', this.instanceEventFields(instance, condition));
    if (status.reason === 'REASON_TASK_HEALTH_CHECK_FAILED') {
      this.events.emit('unhealthy_instance_kill_event', { appId: instance.appId, taskId, instanceId: instance.instanceId, version: instance.appVersion, reason: status.message, host: instance.hostname ?? '', slaveId: instance.agentId ?? '' });
    }
    if (instance.goal === 'Decommissioned') {
      await this.repo.deleteInstance(instance);
      return;
    }
    const neverLaunched = instance.condition === 'Provisioned' && condition === 'Unknown';
    if (!byUser && !neverLaunched && app) {
      const delayMs = this.delays.advance(app, Date.now());
      this.lastFailures.set(instance.appId, {
        appId: instance.appId, host: instance.hostname ?? '', message: status.message, state: status.state, taskId,
        timestamp: at, version: instance.appVersion, slaveId: instance.agentId ?? '',
      });
      this.log.info({ appId: instance.appId, taskId, state: status.state, delayMs }, 'task ended; instance rescheduled after its launch delay');
    }
    const next: Instance = { ...instance, condition: checkInstanceTransition(checkInstanceTransition(instance.condition, condition), 'Scheduled'), since: at };
    for (const k of ['taskId', 'agentId', 'hostname', 'attributes', 'startedAt', 'stagedAt', 'healthy', 'health', 'healthFailedAt', 'unreachableSince'] as const) delete next[k];
    next.ports = [];
    await this.repo.deleteInstance(instance);
    await this.repo.putInstance(next);
  }

  // ---- subscription and reconciliation ----------------------------------------------------

  private async subscribed(frameworkId: string): Promise<void> {
    await this.repo.setFrameworkId(frameworkId);
    this.suppressed = false;
    this.launchableBefore = 0;
    await this.reconcile();
    this.queueTick();
  }

  /** Explicit reconciliation of every task we know (unknown ones come back TASK_UNKNOWN), then implicit (finds strays). */
  private async reconcile(): Promise<void> {
    if (!this.connected) return;
    const tasks = [...this.repo.instances.values()].filter((i) => i.taskId).map((i) => ({ taskId: i.taskId!, ...(i.agentId ? { agentId: i.agentId } : {}) }));
    try {
      if (tasks.length > 0) await this.driver?.reconcile(tasks);
      await this.driver?.reconcile([]);
    } catch (err) {
      this.log.warn({ err }, 'reconciliation failed; it will be retried');
    }
  }

  // ---- views -------------------------------------------------------------------------------

  private instanceEventFields(i: Instance, condition: string): Record<string, unknown> {
    return { instanceId: i.instanceId, condition, runSpecId: i.appId, agentId: i.agentId ?? '', host: i.hostname ?? '', runSpecVersion: i.appVersion, goal: i.goal };
  }

  planJson(d: Deployment): Record<string, unknown> {
    return {
      id: d.id,
      version: d.version,
      steps: d.steps,
      original: { id: '/', apps: Object.values(d.original).filter((a) => a !== null) },
      target: { id: '/', apps: Object.values(d.target).filter((a) => a !== null) },
    };
  }

  currentStepJson(d: Deployment): DeploymentStep {
    return d.steps[d.currentStep] ?? { actions: [] };
  }

  private updateGauges(): void {
    this.metrics.apps.set(this.repo.apps.size);
    this.metrics.deployments.set(this.repo.deployments.size);
    const counts = new Map<string, number>();
    let queued = 0;
    for (const i of this.repo.instances.values()) {
      counts.set(i.condition, (counts.get(i.condition) ?? 0) + 1);
      if (i.condition === 'Scheduled') queued += 1;
    }
    this.metrics.instances.reset();
    for (const [condition, n] of counts) this.metrics.instances.set({ condition }, n);
    this.metrics.launchQueue.set(queued);
  }
}
