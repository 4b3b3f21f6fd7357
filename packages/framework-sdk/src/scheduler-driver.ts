import type { ClientReadableStream } from '@grpc/grpc-js';
import {
  type AckInit,
  Backoff,
  type CallResponse,
  Code,
  componentLogger,
  type Event,
  type FiltersInit,
  type FrameworkInfoInit,
  type Logger,
  type Offer,
  type OperationInit,
  type SchedulerCallInit,
  type SchedulerClient,
  type Subscribed,
  schedulerClient,
  TandemError,
  type TaskInfoInit,
  type TaskStatus,
} from '@tandem/protocol';
import { AcceptBatcher } from './accept-batcher.js';
import { AckBatcher } from './ack-batcher.js';
import type { DriverEvent } from './driver-event.js';
import { checkDriverTransition, type DriverState } from './driver-state.js';
import { HeldFeed, type HoldHooks } from './held-feed.js';
import { type DriverOptions, driverDefaults, type ResolvedDriverOptions } from './options.js';
import { StaleUpdateFilter } from './stale-updates.js';

type Handler<T> = (value: T) => void | Promise<void>;
type CallBody = Omit<SchedulerCallInit, 'frameworkId' | 'streamId'>;

/** A task to reconcile; without `agentId` the master looks it up. */
export interface ReconcileTarget {
  taskId: string;
  agentId?: string;
}

/** Error codes on Subscribe after which retrying cannot help. */
const FATAL_SUBSCRIBE_CODES: ReadonlySet<Code> = new Set<Code>([
  Code.InvalidArgument,
  Code.NotFound,
  Code.PermissionDenied,
  Code.Unauthenticated,
  Code.FailedPrecondition,
  Code.Unimplemented,
]);

/** One status update on its way to the consumers; acknowledged once all released it. */
interface Delivery {
  status: TaskStatus;
  holders: number;
  seen: boolean;
  acked: boolean;
}

/**
 * A scheduler driver: subscribes to the master's Scheduler service, re-subscribes with
 * backoff when the stream drops (failing the framework over within its failover
 * timeout), delivers offers and status updates as callbacks and async iterators,
 * acknowledges updates once they were handled, and makes every Scheduler call.
 */
export class SchedulerDriver {
  private readonly options: ResolvedDriverOptions;
  private readonly log: Logger;
  private readonly client: SchedulerClient;
  private readonly backoff: Backoff;
  private readonly acks: AckBatcher;
  private readonly accepts: AcceptBatcher;
  private readonly stale: StaleUpdateFilter | undefined;

  private stateValue: DriverState = 'idle';
  private frameworkIdValue: string | undefined;
  private streamIdValue: string | undefined;
  private masterIdValue: string | undefined;
  private stream: ClientReadableStream<Event> | undefined;
  private reconnectTimer: NodeJS.Timeout | undefined;
  private watchdog: NodeJS.Timeout | undefined;
  private watchdogMs = 0;
  private everSubscribed = false;
  private tearingDown = false;

  private readonly offerHandlers = new Set<Handler<Offer[]>>();
  private readonly updateHandlers = new Set<Handler<TaskStatus>>();
  private readonly rescindHandlers = new Set<Handler<string[]>>();
  private readonly subscribedHandlers = new Set<Handler<Subscribed>>();
  private readonly disconnectedHandlers = new Set<Handler<TandemError | undefined>>();
  private readonly failureHandlers = new Set<Handler<{ agentId: string; message: string }>>();
  private readonly errorHandlers = new Set<Handler<TandemError>>();
  private offersFeed: HeldFeed<Offer[]> | undefined;
  private updatesFeed: HeldFeed<TaskStatus> | undefined;
  private eventsFeed: HeldFeed<DriverEvent> | undefined;
  // Callbacks of one kind run one at a time, in order.
  private offerChain: Promise<void> = Promise.resolve();
  private updateChain: Promise<void> = Promise.resolve();
  private readonly deliveries = new Set<Delivery>();

  private startWaiter: { resolve: (s: Subscribed) => void; reject: (e: TandemError) => void } | undefined;
  private stopPromise: Promise<void> | undefined;
  private readonly closedPromise: Promise<TandemError | undefined>;
  private resolveClosed!: (err: TandemError | undefined) => void;
  private readonly onAbort = (): void => {
    void this.stop();
  };

  constructor(options: DriverOptions) {
    this.options = driverDefaults(options);
    if (!this.options.master) throw new TandemError(Code.InvalidArgument, 'master: required (host:port)', { field: 'master' });
    if (!this.options.framework.name) {
      throw new TandemError(Code.InvalidArgument, 'framework.name: required', { field: 'framework.name' });
    }
    this.log = componentLogger('scheduler-driver', this.options.logger);
    this.client = schedulerClient(this.options.master, this.options.client);
    this.backoff = new Backoff(this.options.reconnect);
    this.frameworkIdValue = this.options.framework.id || undefined;
    this.acks = new AckBatcher({
      logger: this.log,
      send: async (acks) => {
        await this.call({ acknowledge: { acks } });
      },
    });
    this.accepts = new AcceptBatcher({
      logger: this.log,
      sendOne: async (accept) => (await this.call({ accept })).launched,
      sendMany: async (accepts) => (await this.call({ acceptMany: { accepts } })).accepts,
    });
    this.stale = this.options.dropStaleUpdates ? new StaleUpdateFilter() : undefined;
    this.closedPromise = new Promise((resolve) => {
      this.resolveClosed = resolve;
    });
  }

  get state(): DriverState {
    return this.stateValue;
  }

  /** Assigned by the master on the first subscription (or given in the options). */
  get frameworkId(): string | undefined {
    return this.frameworkIdValue;
  }

  /** The current subscription's stream id; every call carries it. */
  get streamId(): string | undefined {
    return this.streamIdValue;
  }

  get masterId(): string | undefined {
    return this.masterIdValue;
  }

  /** Resolves when the driver has ended: with the error when it failed, undefined when stopped. */
  closed(): Promise<TandemError | undefined> {
    return this.closedPromise;
  }

  /**
   * Subscribes and resolves on the first SUBSCRIBED event. Keeps retrying (with backoff)
   * while the master is unreachable; rejects on an ERROR event, a refused subscription,
   * `stop()` or the abort signal.
   */
  start(): Promise<Subscribed> {
    if (this.stateValue !== 'idle') {
      return Promise.reject(new TandemError(Code.FailedPrecondition, `start: driver is ${this.stateValue}`));
    }
    const signal = this.options.signal;
    if (signal?.aborted) {
      return Promise.reject(new TandemError(Code.Cancelled, 'start: aborted before it began', { cause: signal.reason }));
    }
    signal?.addEventListener('abort', this.onAbort, { once: true });
    const started = new Promise<Subscribed>((resolve, reject) => {
      this.startWaiter = { resolve, reject };
    });
    this.openStream();
    return started;
  }

  // ---- feeds: callbacks -------------------------------------------------------------

  /** Offers, one OFFERS event at a time. Returns a function that removes the handler. */
  onOffers(handler: Handler<Offer[]>): () => void {
    return addTo(this.offerHandlers, handler);
  }

  /** Status updates, one at a time, in order; acked once the handler's promise resolves. */
  onUpdate(handler: Handler<TaskStatus>): () => void {
    return addTo(this.updateHandlers, handler);
  }

  onRescind(handler: Handler<string[]>): () => void {
    return addTo(this.rescindHandlers, handler);
  }

  onSubscribed(handler: Handler<Subscribed>): () => void {
    return addTo(this.subscribedHandlers, handler);
  }

  /** The stream dropped; the driver is re-subscribing. */
  onDisconnected(handler: Handler<TandemError | undefined>): () => void {
    return addTo(this.disconnectedHandlers, handler);
  }

  /** An agent was removed. */
  onFailure(handler: Handler<{ agentId: string; message: string }>): () => void {
    return addTo(this.failureHandlers, handler);
  }

  /** The driver failed for good (ERROR event, refused subscription); it has stopped. */
  onError(handler: Handler<TandemError>): () => void {
    return addTo(this.errorHandlers, handler);
  }

  // ---- feeds: async iterators (single consumer each) ------------------------------------

  /** OFFERS events from now on. Ends when the driver stops; throws if it failed. */
  offers(): AsyncIterable<Offer[]> {
    this.offersFeed = this.newFeed(this.offersFeed, 'offers', () => {
      this.offersFeed = undefined;
    });
    return this.offersFeed;
  }

  /** Status updates from now on; each is acked when the consumer asks for the next one. */
  updates(): AsyncIterable<TaskStatus> {
    this.updatesFeed = this.newFeed(this.updatesFeed, 'updates', () => {
      this.updatesFeed = undefined;
    });
    return this.updatesFeed;
  }

  /** Every driver event from now on. An `update` event holds its ack as `updates()` does. */
  events(): AsyncIterable<DriverEvent> {
    this.eventsFeed = this.newFeed(this.eventsFeed, 'events', () => {
      this.eventsFeed = undefined;
    });
    return this.eventsFeed;
  }

  // ---- calls ----------------------------------------------------------------------------

  /**
   * Accepts offers (all from one agent) with operations, or with tasks to launch.
   * Unused resources are declined under `filters`. The accepts made in one turn of the
   * event loop (say, one per agent of an OFFERS event) travel in one ACCEPT_MANY call;
   * each promise settles on its own accept's result.
   */
  async accept(
    offerIds: string | readonly string[],
    work: readonly OperationInit[] | readonly TaskInfoInit[],
    filters?: FiltersInit,
  ): Promise<CallResponse> {
    const operations: OperationInit[] = isOperationList(work) ? [...work] : [{ launch: { tasks: [...work] } }];
    // A task id launched again starts a new lifecycle: its old states say nothing about it.
    for (const op of operations) for (const t of op.launch?.tasks ?? []) if (t.taskId) this.stale?.forget(t.taskId);
    const launched = await this.accepts.add({ offerIds: toList(offerIds), operations, ...(filters ? { filters } : {}) });
    return { launched, accepts: [] };
  }

  /** Launches tasks on one offer. */
  async launch(offer: Offer | string, tasks: readonly TaskInfoInit[], filters?: FiltersInit): Promise<CallResponse> {
    return this.accept([typeof offer === 'string' ? offer : offer.id], tasks, filters);
  }

  /** Declines offers; the master will not re-offer them for `refuseSeconds` (its default: 5 s). */
  async decline(offerIds: string | readonly string[], refuseSeconds?: number): Promise<void> {
    const filters = refuseSeconds === undefined ? undefined : { refuseSeconds };
    await this.call({ decline: { offerIds: toList(offerIds), ...(filters ? { filters } : {}) } });
  }

  /** Clears filters and un-suppresses the roles (all of the framework's if none). */
  async revive(roles: readonly string[] = []): Promise<void> {
    await this.call({ revive: { roles: [...roles] } });
  }

  /** Stops offers for the roles (all of the framework's if none); updates keep flowing. */
  async suppress(roles: readonly string[] = []): Promise<void> {
    await this.call({ suppress: { roles: [...roles] } });
  }

  async kill(taskId: string, agentId?: string, gracePeriodSeconds?: number): Promise<void> {
    await this.call({
      kill: {
        tasks: [
          {
            taskId,
            agentId: agentId ?? '',
            ...(gracePeriodSeconds === undefined ? {} : { killPolicy: { gracePeriodSeconds } }),
          },
        ],
      },
    });
  }

  /** Acknowledges updates (those with a uuid) in one call. Needed only with autoAcknowledge false. */
  async acknowledge(statuses: TaskStatus | readonly TaskStatus[]): Promise<void> {
    const acks = toList(statuses)
      .filter((s) => s.uuid)
      .map((s) => this.ackOf(s));
    if (acks.length === 0) return;
    await this.call({ acknowledge: { acks } });
  }

  /** Explicit (these tasks) or implicit (none given: all) reconciliation; answers arrive as updates. */
  async reconcile(tasks: readonly ReconcileTarget[] = []): Promise<void> {
    await this.call({ reconcile: { tasks: tasks.map((t) => ({ taskId: t.taskId, agentId: t.agentId ?? '' })) } });
  }

  /** Removes the framework (its tasks are killed), then stops the driver. */
  async teardown(): Promise<void> {
    this.tearingDown = true; // the master closes the stream; do not re-subscribe
    // Acks first: once the framework is removed the master refuses them.
    this.ackSeenDeliveries();
    await this.acks.flush();
    try {
      await this.call({ teardown: {} });
    } finally {
      await this.stop();
    }
  }

  /**
   * Ordered stop: no more reconnects, acks of updates already handed to consumers are
   * flushed while the stream is still open, then the stream and channel close and the
   * feeds end. Leaves no timer or socket behind. Idempotent.
   */
  stop(): Promise<void> {
    if (this.stopPromise) return this.stopPromise;
    if (this.stateValue === 'stopped' || this.stateValue === 'failed') return Promise.resolve();
    this.stopPromise = this.doStop();
    return this.stopPromise;
  }

  // ---- internals --------------------------------------------------------------------------

  private async doStop(): Promise<void> {
    this.transition('stopping');
    this.options.signal?.removeEventListener('abort', this.onAbort);
    this.clearTimers();
    this.ackSeenDeliveries();
    await this.acks.close();
    this.closeStream();
    this.startWaiter?.reject(new TandemError(Code.Cancelled, 'scheduler driver stopped before it subscribed'));
    this.startWaiter = undefined;
    this.offersFeed?.stop();
    this.updatesFeed?.stop();
    this.eventsFeed?.stop();
    this.deliveries.clear();
    this.client.close();
    this.accepts.discard(new TandemError(Code.Cancelled, 'scheduler driver stopped'));
    this.transition('stopped');
    this.log.info({ frameworkId: this.frameworkIdValue }, 'scheduler driver stopped');
    this.resolveClosed(undefined);
  }

  private fail(err: TandemError): void {
    if (this.stateValue === 'stopping' || this.stateValue === 'stopped' || this.stateValue === 'failed') return;
    this.log.error({ err, frameworkId: this.frameworkIdValue }, 'scheduler driver failed');
    this.transition('failed');
    this.options.signal?.removeEventListener('abort', this.onAbort);
    this.clearTimers();
    this.acks.discard();
    this.accepts.discard(err);
    this.closeStream();
    this.client.close();
    this.deliveries.clear();
    this.startWaiter?.reject(err);
    this.startWaiter = undefined;
    this.emitEvent({ type: 'error', error: err });
    for (const h of this.errorHandlers) this.runHandler('error', h, err);
    this.offersFeed?.stop(err);
    this.updatesFeed?.stop(err);
    this.eventsFeed?.stop();
    this.resolveClosed(err);
  }

  private transition(to: DriverState): void {
    this.stateValue = checkDriverTransition(this.stateValue, to);
  }

  private frameworkInfo(): FrameworkInfoInit {
    const f = this.options.framework;
    return {
      id: this.frameworkIdValue ?? '',
      name: f.name,
      user: f.user,
      roles: f.roles,
      principal: f.principal,
      failoverTimeoutSeconds: f.failoverTimeoutSeconds,
      capabilities: f.capabilities,
      hostname: f.hostname,
      labels: Object.entries(f.labels ?? {}).map(([key, value]) => ({ key, value })),
    };
  }

  private openStream(): void {
    this.transition('connecting');
    const frameworkInfo = this.frameworkInfo();
    this.log.debug({ master: this.options.master, frameworkId: frameworkInfo.id }, 'subscribing');
    const stream = this.client.Subscribe({ frameworkInfo, suppressedRoles: this.options.suppressedRoles });
    this.stream = stream;
    let gone = false;
    const onGone = (err: unknown): void => {
      if (gone) return;
      gone = true;
      if (this.stream !== stream) return; // closed on purpose
      this.stream = undefined;
      this.streamLost(err === undefined ? undefined : TandemError.from(err));
    };
    stream.on('data', (event: Event) => {
      if (this.stream === stream) this.handleEvent(event);
    });
    stream.on('error', onGone);
    stream.on('end', () => onGone(undefined));
  }

  private closeStream(): void {
    const s = this.stream;
    this.stream = undefined;
    if (s) {
      s.removeAllListeners('data');
      s.on('error', () => {}); // the CANCELLED that cancel() produces
      s.cancel();
    }
  }

  private streamLost(err: TandemError | undefined): void {
    if (this.stateValue !== 'connecting' && this.stateValue !== 'subscribed') return;
    this.clearWatchdog();
    if (err && FATAL_SUBSCRIBE_CODES.has(err.code)) {
      this.fail(err);
      return;
    }
    const wasSubscribed = this.stateValue === 'subscribed';
    this.transition('reconnecting');
    if (this.tearingDown) return;
    const delay = this.backoff.next();
    this.log.warn({ err: err?.message, delayMs: delay, frameworkId: this.frameworkIdValue }, 'scheduler stream lost; re-subscribing');
    if (wasSubscribed) {
      this.emitEvent({ type: 'disconnected', error: err });
      for (const h of this.disconnectedHandlers) this.runHandler('disconnected', h, err);
    }
    this.reconnectTimer = setTimeout(() => {
      this.reconnectTimer = undefined;
      if (this.stateValue === 'reconnecting') this.openStream();
    }, delay);
  }

  private handleEvent(event: Event): void {
    this.armWatchdog();
    switch (event.event) {
      case 'subscribed':
        if (event.subscribed) this.handleSubscribed(event.subscribed);
        return;
      case 'offers': {
        const offers = event.offers?.offers ?? [];
        if (offers.length > 0) this.deliverOffers(offers);
        return;
      }
      case 'rescind': {
        const offerIds = event.rescind?.offerIds ?? [];
        this.emitEvent({ type: 'rescind', offerIds });
        for (const h of this.rescindHandlers) this.runHandler('rescind', h, offerIds);
        return;
      }
      case 'update':
        for (const status of event.update?.statuses ?? []) this.deliverUpdate(status);
        return;
      case 'failure': {
        const failure = { agentId: event.failure?.agentId ?? '', message: event.failure?.message ?? '' };
        this.emitEvent({ type: 'failure', ...failure });
        for (const h of this.failureHandlers) this.runHandler('failure', h, failure);
        return;
      }
      case 'heartbeat':
        this.emitEvent({ type: 'heartbeat', timestamp: event.heartbeat?.timestamp ?? 0 });
        return;
      case 'error': {
        if (this.tearingDown) {
          // The master's "framework removed" answer to our own TEARDOWN: a normal end.
          void this.stop();
          return;
        }
        const code = Object.values(Code).find((c) => c === event.error?.code) ?? Code.Aborted;
        this.fail(new TandemError(code, `master: ${event.error?.message || 'framework error'}`));
        return;
      }
      default:
        this.log.debug({ event }, 'unknown scheduler event ignored');
    }
  }

  private handleSubscribed(subscribed: Subscribed): void {
    if (this.stateValue !== 'connecting') return;
    const resubscribed = this.frameworkIdValue !== undefined;
    if (resubscribed && subscribed.frameworkId !== this.frameworkIdValue) {
      this.log.warn({ was: this.frameworkIdValue, now: subscribed.frameworkId }, 'master assigned a new framework id');
    }
    this.frameworkIdValue = subscribed.frameworkId;
    this.streamIdValue = subscribed.streamId;
    this.masterIdValue = subscribed.masterId;
    this.watchdogMs = subscribed.heartbeatIntervalSeconds * 1000 * this.options.maxMissedHeartbeats;
    this.armWatchdog();
    this.transition('subscribed');
    this.backoff.reset();
    this.log.info(
      { frameworkId: subscribed.frameworkId, masterId: subscribed.masterId, resubscribed: resubscribed && this.everSubscribed },
      'subscribed',
    );
    this.everSubscribed = true;
    this.startWaiter?.resolve(subscribed);
    this.startWaiter = undefined;
    this.emitEvent({ type: 'subscribed', subscribed, resubscribed });
    for (const h of this.subscribedHandlers) this.runHandler('subscribed', h, subscribed);
  }

  private deliverOffers(offers: Offer[]): void {
    this.emitEvent({ type: 'offers', offers });
    this.offersFeed?.push(offers);
    if (this.offerHandlers.size === 0) return;
    const handlers = [...this.offerHandlers];
    this.offerChain = this.offerChain.then(async () => {
      for (const h of handlers) await this.invoke('offers', h, offers);
    });
  }

  private deliverUpdate(status: TaskStatus): void {
    if (this.stale?.isStale(status)) {
      // An agent's resend of what the framework has moved past: acknowledged, not delivered.
      this.log.debug({ taskId: status.taskId, state: status.state }, 'stale status update acknowledged without delivery');
      if (this.stateValue !== 'failed' && this.stateValue !== 'stopped') this.acks.add(this.ackOf(status));
      return;
    }
    const needsAck = this.options.autoAcknowledge && status.uuid !== '';
    const handlers = [...this.updateHandlers];
    const feeds = [this.updatesFeed, this.eventsFeed].filter((f) => f !== undefined);
    const delivery: Delivery = { status, holders: (handlers.length > 0 ? 1 : 0) + feeds.length, seen: false, acked: false };
    if (needsAck) this.deliveries.add(delivery);
    const hooks: HoldHooks = {
      seen: () => {
        delivery.seen = true;
      },
      release: () => {
        delivery.holders -= 1;
        if (delivery.holders === 0 && needsAck) this.ackDelivery(delivery);
      },
    };
    if (delivery.holders === 0) {
      if (needsAck) this.ackDelivery(delivery);
      return;
    }
    this.eventsFeed?.push({ type: 'update', status }, hooks);
    this.updatesFeed?.push(status, hooks);
    if (handlers.length === 0) return;
    this.updateChain = this.updateChain.then(async () => {
      delivery.seen = true;
      let ok = true;
      for (const h of handlers) ok = (await this.invoke('update', h, status)) && ok;
      // A handler that threw leaves the update unacknowledged: the agent resends it.
      if (ok) hooks.release?.();
    });
  }

  /** Acks the updates consumers were already handed (used when stopping or tearing down). */
  private ackSeenDeliveries(): void {
    if (!this.options.autoAcknowledge) return;
    for (const d of this.deliveries) if (d.seen) this.ackDelivery(d);
  }

  private ackDelivery(d: Delivery): void {
    if (d.acked) return;
    d.acked = true;
    this.deliveries.delete(d);
    if (this.stateValue === 'failed' || this.stateValue === 'stopped') return;
    this.acks.add(this.ackOf(d.status));
  }

  private ackOf(s: TaskStatus): AckInit {
    return { agentId: s.agentId, taskId: s.taskId, uuid: s.uuid, frameworkId: this.frameworkIdValue ?? s.frameworkId };
  }

  private emitEvent(event: DriverEvent): void {
    if (event.type !== 'update') this.eventsFeed?.push(event);
  }

  private newFeed<T>(existing: HeldFeed<T> | undefined, name: string, onReturn: () => void): HeldFeed<T> {
    if (existing && !existing.isStopped) {
      throw new TandemError(Code.FailedPrecondition, `${name}(): already has a consumer (single consumer per feed)`);
    }
    const feed = new HeldFeed<T>(onReturn);
    if (this.stateValue === 'stopped') feed.stop();
    if (this.stateValue === 'failed') {
      void this.closedPromise.then((err) => feed.stop(err));
    }
    return feed;
  }

  /** Runs a handler and reports whether it succeeded; errors are logged, never thrown. */
  private async invoke<T>(kind: string, handler: Handler<T>, value: T): Promise<boolean> {
    try {
      await handler(value);
      return true;
    } catch (err) {
      this.log.error({ err, kind }, 'scheduler handler threw');
      return false;
    }
  }

  private runHandler<T>(kind: string, handler: Handler<T>, value: T): void {
    void this.invoke(kind, handler, value);
  }

  private async call(body: CallBody): Promise<CallResponse> {
    const frameworkId = this.frameworkIdValue;
    const streamId = this.streamIdValue;
    if ((this.stateValue !== 'subscribed' && this.stateValue !== 'stopping') || !frameworkId || !streamId || !this.everSubscribed) {
      throw new TandemError(Code.Unavailable, `scheduler driver is ${this.stateValue}, not subscribed`);
    }
    const request: SchedulerCallInit = { frameworkId, streamId, ...body };
    return new Promise<CallResponse>((resolve, reject) => {
      this.client.Call(request, { deadline: Date.now() + this.options.callTimeoutMs }, (err, response) => {
        if (err) reject(TandemError.from(err));
        else resolve(response ?? { launched: 0, accepts: [] });
      });
    });
  }

  private armWatchdog(): void {
    if (this.watchdogMs <= 0 || (this.stateValue !== 'subscribed' && this.stateValue !== 'connecting')) return;
    if (this.watchdog) {
      this.watchdog.refresh();
      return;
    }
    this.watchdog = setTimeout(() => {
      this.watchdog = undefined;
      const s = this.stream;
      this.stream = undefined;
      if (s) {
        s.removeAllListeners('data');
        s.on('error', () => {});
        s.cancel();
      }
      this.streamLost(new TandemError(Code.DeadlineExceeded, `no event from the master in ${this.watchdogMs} ms`));
    }, this.watchdogMs);
    this.watchdog.unref();
  }

  private clearWatchdog(): void {
    if (this.watchdog) clearTimeout(this.watchdog);
    this.watchdog = undefined;
  }

  private clearTimers(): void {
    this.clearWatchdog();
    if (this.reconnectTimer) clearTimeout(this.reconnectTimer);
    this.reconnectTimer = undefined;
  }
}

function addTo<T>(set: Set<T>, item: T): () => void {
  set.add(item);
  return () => {
    set.delete(item);
  };
}

function toList<T>(x: T | readonly T[]): T[] {
  return Array.isArray(x) ? [...(x as readonly T[])] : [x as T];
}

function isOperationList(work: readonly OperationInit[] | readonly TaskInfoInit[]): work is readonly OperationInit[] {
  const first = work[0];
  return first !== undefined && 'launch' in first;
}
