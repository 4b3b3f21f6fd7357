import {
  type AckInit,
  type CallResponse,
  Code,
  componentLogger,
  type Event,
  type FiltersInit,
  type InverseOffer,
  type Logger,
  type Offer,
  type OperationInit,
  type Subscribed,
  TandemError,
  type TaskInfoInit,
  type TaskStatus,
} from '@tandem/protocol';
import type { DriverEvent } from './driver-event.js';
import { checkDriverTransition, type DriverState } from './driver-state.js';
import { EventDispatcher, type Handler } from './event-dispatcher.js';
import { MasterChannel } from './master-channel.js';
import { type DriverOptions, type ResolvedDriverOptions, resolveDriverOptions } from './options.js';
import { operationsOf, type ReconcileTarget, SchedulerCalls, toList } from './scheduler-calls.js';
import { StaleUpdateFilter } from './stale-updates.js';
import { SubscriptionLoop } from './subscription-loop.js';

export type { ReconcileTarget } from './scheduler-calls.js';

/**
 * A scheduler driver: subscribes to the master's Scheduler service, re-subscribes with
 * backoff when the stream drops (failing the framework over within its failover
 * timeout), delivers offers and status updates as callbacks and async iterators,
 * acknowledges updates once they were handled, and makes every Scheduler call.
 *
 * It holds the lifecycle and the calls; the stream and its re-subscription live in
 * SubscriptionLoop, and the callbacks and iterators are views of one EventDispatcher.
 */
export class SchedulerDriver {
  private readonly options: ResolvedDriverOptions;
  private readonly log: Logger;
  private readonly channel: MasterChannel;
  private readonly calls: SchedulerCalls;
  private readonly stale: StaleUpdateFilter | undefined;
  private readonly subscription: SubscriptionLoop;
  private readonly dispatcher: EventDispatcher;

  private stateValue: DriverState = 'idle';
  private tearingDown = false;
  private startWaiter: { resolve: (s: Subscribed) => void; reject: (e: TandemError) => void } | undefined;
  private stopPromise: Promise<void> | undefined;
  private readonly closedPromise: Promise<TandemError | undefined>;
  private resolveClosed!: (err: TandemError | undefined) => void;
  private readonly onAbort = (): void => {
    void this.stop();
  };

  constructor(options: DriverOptions) {
    this.options = resolveDriverOptions(options);
    if (!this.options.framework.name) {
      throw new TandemError(Code.InvalidArgument, 'framework.name: required', { field: 'framework.name' });
    }
    this.log = componentLogger('scheduler-driver', this.options.logger);
    this.channel = new MasterChannel(this.options.masters, this.options.client);
    this.calls = new SchedulerCalls({
      client: () => this.channel.client,
      callTimeoutMs: this.options.callTimeoutMs,
      log: this.log,
      onNotLeader: (err, client) => {
        if (client !== this.channel.client) return; // the subscription has moved on already
        this.log.info({ master: this.channel.address, leader: err.leader }, 'a call was refused by a master that does not lead; following the leader');
        this.subscription.redirect(err);
      },
      caller: () => ({ state: this.stateValue, frameworkId: this.frameworkId, streamId: this.streamId, everSubscribed: this.subscription.everSubscribed }),
    });
    this.stale = this.options.dropStaleUpdates ? new StaleUpdateFilter() : undefined;
    this.closedPromise = new Promise((resolve) => {
      this.resolveClosed = resolve;
    });
    this.dispatcher = new EventDispatcher({
      log: this.log,
      autoAcknowledge: this.options.autoAcknowledge,
      ack: (status) => this.ackLater(status),
      state: () => this.stateValue,
      closed: () => this.closedPromise,
    });
    const self = this;
    this.subscription = new SubscriptionLoop({
      channel: this.channel,
      reconnect: this.options.reconnect,
      maxMissedHeartbeats: this.options.maxMissedHeartbeats,
      suppressedRoles: this.options.suppressedRoles,
      frameworkId: this.options.framework.id || undefined,
      framework: this.options.framework,
      log: this.log,
      lifecycle: {
        get state() {
          return self.stateValue;
        },
        transition: (to) => this.transition(to),
      },
      tearingDown: () => this.tearingDown,
      onSubscribed: (subscribed, resubscribed) => {
        this.startWaiter?.resolve(subscribed);
        this.startWaiter = undefined;
        this.dispatcher.dispatch({ type: 'subscribed', subscribed, resubscribed });
      },
      onEvent: (event) => this.handleEvent(event),
      onDisconnected: (error) => this.dispatcher.dispatch({ type: 'disconnected', error }),
      onFatal: (err) => this.fail(err),
    });
  }

  get state(): DriverState {
    return this.stateValue;
  }

  /** Assigned by the master on the first subscription (or given in the options). */
  get frameworkId(): string | undefined {
    return this.subscription.frameworkId;
  }

  /** The current subscription's stream id; every call carries it. */
  get streamId(): string | undefined {
    return this.subscription.streamId;
  }

  get masterId(): string | undefined {
    return this.subscription.masterId;
  }

  /** The master the driver follows now (`host:port`): the one it is subscribed to, or trying. */
  get master(): string {
    return this.channel.address;
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
    this.subscription.start();
    return started;
  }

  // ---- feeds: callbacks -------------------------------------------------------------

  /** Offers, one OFFERS event at a time. Returns a function that removes the handler. */
  onOffers(handler: Handler<Offer[]>): () => void {
    return this.dispatcher.on('offers', (e) => handler(e.offers));
  }

  /** Status updates, one at a time, in order; acked once the handler's promise resolves. */
  onUpdate(handler: Handler<TaskStatus>): () => void {
    return this.dispatcher.on('update', (e) => handler(e.status));
  }

  onRescind(handler: Handler<string[]>): () => void {
    return this.dispatcher.on('rescind', (e) => handler(e.offerIds));
  }

  /**
   * Inverse offers: agents that go down for maintenance at `unavailability.start` and run
   * tasks of this framework. Move the work away first, and answer with
   * `acceptInverseOffers` (the agent may go) or `declineInverseOffers` (it cannot yet);
   * the answer informs operators, the agent goes down at its window either way.
   */
  onInverseOffers(handler: Handler<InverseOffer[]>): () => void {
    return this.dispatcher.on('inverseOffers', (e) => handler(e.inverseOffers));
  }

  /** Inverse offers no longer valid (their window left the schedule or ended). */
  onRescindInverseOffers(handler: Handler<string[]>): () => void {
    return this.dispatcher.on('rescindInverseOffers', (e) => handler(e.inverseOfferIds));
  }

  onSubscribed(handler: Handler<Subscribed>): () => void {
    return this.dispatcher.on('subscribed', (e) => handler(e.subscribed));
  }

  /** The stream dropped; the driver is re-subscribing. */
  onDisconnected(handler: Handler<TandemError | undefined>): () => void {
    return this.dispatcher.on('disconnected', (e) => handler(e.error));
  }

  /** An agent was removed. */
  onFailure(handler: Handler<{ agentId: string; message: string }>): () => void {
    return this.dispatcher.on('failure', (e) => handler({ agentId: e.agentId, message: e.message }));
  }

  /** The driver failed for good (ERROR event, refused subscription); it has stopped. */
  onError(handler: Handler<TandemError>): () => void {
    return this.dispatcher.on('error', (e) => handler(e.error));
  }

  // ---- feeds: async iterators (single consumer each) ------------------------------------

  /** OFFERS events from now on. Ends when the driver stops; throws if it failed. */
  offers(): AsyncIterable<Offer[]> {
    return this.dispatcher.offers();
  }

  /** Status updates from now on; each is acked when the consumer asks for the next one. */
  updates(): AsyncIterable<TaskStatus> {
    return this.dispatcher.updates();
  }

  /** Every driver event from now on. An `update` event holds its ack as `updates()` does. */
  events(): AsyncIterable<DriverEvent> {
    return this.dispatcher.events();
  }

  // ---- calls ----------------------------------------------------------------------------

  /**
   * Accepts offers (all from one agent) with operations, or with tasks to launch.
   * Unused resources are declined under `filters`. The accepts made in one turn of the
   * event loop (say, one per agent of an OFFERS event) travel in one ACCEPT_MANY call;
   * each promise settles on its own accept's result.
   */
  async accept(offerIds: string | readonly string[], work: readonly OperationInit[] | readonly TaskInfoInit[], filters?: FiltersInit): Promise<CallResponse> {
    const operations = operationsOf(work);
    // A task id launched again starts a new lifecycle: its old states say nothing about it.
    for (const op of operations) for (const t of op.launch?.tasks ?? []) if (t.taskId) this.stale?.forget(t.taskId);
    const launched = await this.calls.accept(offerIds, operations, filters);
    return { launched, accepts: [] };
  }

  /** Launches tasks on one offer. */
  async launch(offer: Offer | string, tasks: readonly TaskInfoInit[], filters?: FiltersInit): Promise<CallResponse> {
    return this.accept([typeof offer === 'string' ? offer : offer.id], tasks, filters);
  }

  /** Declines offers; the master will not re-offer them for `refuseSeconds` (its default: 5 s). */
  async decline(offerIds: string | readonly string[], refuseSeconds?: number): Promise<void> {
    await this.calls.decline(offerIds, refuseSeconds);
  }

  /** Tells the master the agents of these inverse offers may go down (Mesos ACCEPT_INVERSE_OFFERS). */
  async acceptInverseOffers(inverseOfferIds: string | readonly string[]): Promise<void> {
    await this.calls.call({ acceptInverseOffers: { inverseOfferIds: toList(inverseOfferIds) } });
  }

  /** Tells the master this framework cannot give up the agents of these inverse offers yet (Mesos DECLINE_INVERSE_OFFERS). */
  async declineInverseOffers(inverseOfferIds: string | readonly string[]): Promise<void> {
    await this.calls.call({ declineInverseOffers: { inverseOfferIds: toList(inverseOfferIds) } });
  }

  /** Clears filters and un-suppresses the roles (all of the framework's if none). */
  async revive(roles: readonly string[] = []): Promise<void> {
    await this.calls.call({ revive: { roles: [...roles] } });
  }

  /** Stops offers for the roles (all of the framework's if none); updates keep flowing. */
  async suppress(roles: readonly string[] = []): Promise<void> {
    await this.calls.call({ suppress: { roles: [...roles] } });
  }

  async kill(taskId: string, agentId?: string, gracePeriodSeconds?: number): Promise<void> {
    await this.calls.kill(taskId, agentId, gracePeriodSeconds);
  }

  /** Acknowledges updates (those with a uuid) in one call. Needed only with autoAcknowledge false. */
  async acknowledge(statuses: TaskStatus | readonly TaskStatus[]): Promise<void> {
    const acks = toList(statuses)
      .filter((s) => s.uuid)
      .map((s) => this.ackOf(s));
    if (acks.length === 0) return;
    await this.calls.call({ acknowledge: { acks } });
  }

  /** Explicit (these tasks) or implicit (none given: all) reconciliation; answers arrive as updates. */
  async reconcile(tasks: readonly ReconcileTarget[] = []): Promise<void> {
    await this.calls.reconcile(tasks);
  }

  /** Removes the framework (its tasks are killed), then stops the driver. */
  async teardown(): Promise<void> {
    this.tearingDown = true; // the master closes the stream; do not re-subscribe
    // Acks first: once the framework is removed the master refuses them.
    this.dispatcher.ackSeen();
    await this.calls.acks.flush();
    try {
      await this.calls.call({ teardown: {} });
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
    this.subscription.stopTimers();
    this.dispatcher.ackSeen();
    await this.calls.acks.close();
    this.subscription.closeStream();
    this.startWaiter?.reject(new TandemError(Code.Cancelled, 'scheduler driver stopped before it subscribed'));
    this.startWaiter = undefined;
    this.dispatcher.close();
    this.channel.close();
    this.calls.accepts.discard(new TandemError(Code.Cancelled, 'scheduler driver stopped'));
    this.transition('stopped');
    this.log.info({ frameworkId: this.frameworkId }, 'scheduler driver stopped');
    this.resolveClosed(undefined);
  }

  private fail(err: TandemError): void {
    if (this.stateValue === 'stopping' || this.stateValue === 'stopped' || this.stateValue === 'failed') return;
    this.log.error({ err, frameworkId: this.frameworkId }, 'scheduler driver failed');
    this.transition('failed');
    this.options.signal?.removeEventListener('abort', this.onAbort);
    this.subscription.stopTimers();
    this.calls.acks.discard();
    this.calls.accepts.discard(err);
    this.subscription.closeStream();
    this.channel.close();
    this.startWaiter?.reject(err);
    this.startWaiter = undefined;
    this.dispatcher.dispatch({ type: 'error', error: err });
    this.dispatcher.close(err);
    this.resolveClosed(err);
  }

  private transition(to: DriverState): void {
    this.stateValue = checkDriverTransition(this.stateValue, to);
  }

  /** An event of the current stream other than SUBSCRIBED, as driver events. */
  private handleEvent(event: Event): void {
    switch (event.event) {
      case 'offers': {
        const offers = event.offers?.offers ?? [];
        if (offers.length > 0) this.dispatcher.dispatch({ type: 'offers', offers });
        return;
      }
      case 'rescind':
        this.dispatcher.dispatch({ type: 'rescind', offerIds: event.rescind?.offerIds ?? [] });
        return;
      case 'update':
        for (const status of event.update?.statuses ?? []) this.deliverUpdate(status);
        return;
      case 'inverseOffers': {
        const inverseOffers = event.inverseOffers?.inverseOffers ?? [];
        if (inverseOffers.length > 0) this.dispatcher.dispatch({ type: 'inverseOffers', inverseOffers });
        return;
      }
      case 'rescindInverseOffers':
        this.dispatcher.dispatch({ type: 'rescindInverseOffers', inverseOfferIds: event.rescindInverseOffers?.inverseOfferIds ?? [] });
        return;
      case 'failure':
        this.dispatcher.dispatch({ type: 'failure', agentId: event.failure?.agentId ?? '', message: event.failure?.message ?? '' });
        return;
      case 'heartbeat':
        this.dispatcher.dispatch({ type: 'heartbeat', timestamp: event.heartbeat?.timestamp ?? 0 });
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

  private deliverUpdate(status: TaskStatus): void {
    if (this.stale?.isStale(status)) {
      // An agent's resend of what the framework has moved past: acknowledged, not delivered.
      this.log.debug({ taskId: status.taskId, state: status.state }, 'stale status update acknowledged without delivery');
      this.ackLater(status);
      return;
    }
    this.dispatcher.dispatch({ type: 'update', status });
  }

  /** Queues an ack for the next batch (none once the driver has ended). */
  private ackLater(status: TaskStatus): void {
    if (this.stateValue === 'failed' || this.stateValue === 'stopped') return;
    this.calls.acks.add(this.ackOf(status));
  }

  private ackOf(s: TaskStatus): AckInit {
    return { agentId: s.agentId, taskId: s.taskId, uuid: s.uuid, frameworkId: this.frameworkId ?? s.frameworkId };
  }
}
