import { Code, type Logger, type Offer, TandemError, type TaskStatus } from '@tandem/protocol';
import type { DriverEvent, DriverEventType } from './driver-event.js';
import type { DriverState } from './driver-state.js';
import { HeldFeed, type HoldHooks } from './held-feed.js';

/** A consumer of driver events of one kind. */
export type Handler<T> = (value: T) => void | Promise<void>;
/** The driver event of type `K`. */
export type EventOf<K extends DriverEventType> = Extract<DriverEvent, { type: K }>;

/** One status update on its way to the consumers; acknowledged once all released it. */
interface Delivery {
  status: TaskStatus;
  holders: number;
  seen: boolean;
  acked: boolean;
}

export interface EventDispatcherOptions {
  log: Logger;
  /** Updates with a uuid are acknowledged once every consumer is done with them. */
  autoAcknowledge: boolean;
  /** Acknowledges one update (the driver batches it). */
  ack(status: TaskStatus): void;
  /** The driver's state, for feeds asked for after it ended. */
  state(): DriverState;
  /** Resolves when the driver has ended: with the error when it failed. */
  closed(): Promise<TandemError | undefined>;
}

/**
 * The driver's one feed of events and its views: callbacks per event type and the
 * `offers()`, `updates()` and `events()` iterators (single consumer each), as nats.js
 * serves one subscription both ways. Offer callbacks run one at a time, in order, and so
 * do update callbacks; an update is held until every consumer is done with it (its
 * callbacks resolved, each iterator asked for the next item) and only then acknowledged.
 */
export class EventDispatcher {
  private readonly handlers = new Map<DriverEventType, Set<Handler<never>>>();
  private offersFeed: HeldFeed<Offer[]> | undefined;
  private updatesFeed: HeldFeed<TaskStatus> | undefined;
  private eventsFeed: HeldFeed<DriverEvent> | undefined;
  private offerChain: Promise<void> = Promise.resolve();
  private updateChain: Promise<void> = Promise.resolve();
  private readonly deliveries = new Set<Delivery>();

  constructor(private readonly options: EventDispatcherOptions) {}

  /** Calls `handler` with every event of `type`. Returns a function that removes it. */
  on<K extends DriverEventType>(type: K, handler: Handler<EventOf<K>>): () => void {
    let set = this.handlers.get(type);
    if (!set) {
      set = new Set();
      this.handlers.set(type, set);
    }
    const handlers = set;
    handlers.add(handler);
    return () => {
      handlers.delete(handler);
    };
  }

  /** OFFERS events from now on, as an iterator. */
  offers(): AsyncIterable<Offer[]> {
    this.offersFeed = this.newFeed(this.offersFeed, 'offers', () => {
      this.offersFeed = undefined;
    });
    return this.offersFeed;
  }

  /** Status updates from now on; each is released when the consumer asks for the next one. */
  updates(): AsyncIterable<TaskStatus> {
    this.updatesFeed = this.newFeed(this.updatesFeed, 'updates', () => {
      this.updatesFeed = undefined;
    });
    return this.updatesFeed;
  }

  /** Every event from now on. An `update` event is held as `updates()` holds it. */
  events(): AsyncIterable<DriverEvent> {
    this.eventsFeed = this.newFeed(this.eventsFeed, 'events', () => {
      this.eventsFeed = undefined;
    });
    return this.eventsFeed;
  }

  /** Hands one event to every view: the events iterator, its kind's iterator, its callbacks. */
  dispatch(event: DriverEvent): void {
    switch (event.type) {
      case 'update':
        this.deliverUpdate(event.status);
        return;
      case 'offers':
        this.deliverOffers(event);
        return;
      default: {
        this.eventsFeed?.push(event);
        for (const h of this.handlersOf(event.type)) void this.invoke(event.type, h, event);
      }
    }
  }

  /** Acks the updates consumers were already handed (used when stopping or tearing down). */
  ackSeen(): void {
    if (!this.options.autoAcknowledge) return;
    for (const d of this.deliveries) if (d.seen) this.ackDelivery(d);
  }

  /**
   * Ends every feed after what it holds; a given error is thrown to the consumers of
   * `offers()` and `updates()` (`events()` has had the error event). Updates still held
   * are never acknowledged: the agent resends them.
   */
  close(err?: TandemError): void {
    this.deliveries.clear();
    this.offersFeed?.stop(err);
    this.updatesFeed?.stop(err);
    this.eventsFeed?.stop();
  }

  private deliverOffers(event: EventOf<'offers'>): void {
    this.eventsFeed?.push(event);
    this.offersFeed?.push(event.offers);
    const handlers = this.handlersOf('offers');
    if (handlers.length === 0) return;
    this.offerChain = this.offerChain.then(async () => {
      for (const h of handlers) await this.invoke('offers', h, event);
    });
  }

  private deliverUpdate(status: TaskStatus): void {
    const needsAck = this.options.autoAcknowledge && status.uuid !== '';
    const handlers = this.handlersOf('update');
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
    const event: EventOf<'update'> = { type: 'update', status };
    this.eventsFeed?.push(event, hooks);
    this.updatesFeed?.push(status, hooks);
    if (handlers.length === 0) return;
    this.updateChain = this.updateChain.then(async () => {
      delivery.seen = true;
      let ok = true;
      for (const h of handlers) ok = (await this.invoke('update', h, event)) && ok;
      // A handler that threw leaves the update unacknowledged: the agent resends it.
      if (ok) hooks.release?.();
    });
  }

  private ackDelivery(d: Delivery): void {
    if (d.acked) return;
    d.acked = true;
    this.deliveries.delete(d);
    this.options.ack(d.status);
  }

  /** The handlers of one kind at this moment (one added later does not see this event). */
  private handlersOf<K extends DriverEventType>(type: K): Handler<EventOf<K>>[] {
    return [...(this.handlers.get(type) ?? [])] as Handler<EventOf<K>>[];
  }

  private newFeed<T>(existing: HeldFeed<T> | undefined, name: string, onReturn: () => void): HeldFeed<T> {
    if (existing && !existing.isStopped) {
      throw new TandemError(Code.FailedPrecondition, `${name}(): already has a consumer (single consumer per feed)`);
    }
    const feed = new HeldFeed<T>(onReturn);
    const state = this.options.state();
    if (state === 'stopped') feed.stop();
    if (state === 'failed') {
      void this.options.closed().then((err) => feed.stop(err));
    }
    return feed;
  }

  /** Runs a handler and reports whether it succeeded; errors are logged, never thrown. */
  private async invoke<T>(kind: string, handler: Handler<T>, value: T): Promise<boolean> {
    try {
      await handler(value);
      return true;
    } catch (err) {
      this.options.log.error({ err, kind }, 'scheduler handler threw');
      return false;
    }
  }
}
