import { componentLogger, type Logger, type OperatorEventInit, TandemError } from '@tandem/protocol';
import { operatorEventJson } from './event-stream.js';

/** Subjects of the master's events on NATS: `tandem.events.<kind>` (`task_updated`, `agent_added`, ...). */
export const EVENT_SUBJECT_PREFIX = 'tandem.events';
/** Events waiting for NATS at most; more are dropped (and counted) rather than held. */
export const DEFAULT_EVENT_BUFFER = 10_000;
/** Events handed to the client between two round trips to the server. */
const BATCH = 500;

/** Where events go: a NATS connection (`openNatsPublisher` of @tandem/store) in `tandem master --nats`. */
export interface EventSink {
  publish(subject: string, data: string): void;
  /** Resolves once the server has what was published so far. */
  flush(): Promise<void>;
}

/** The master's side of it: its event feed (`Master.watch`). */
export interface EventSource {
  watch(listener: (e: OperatorEventInit) => void, onEnd: () => void): () => void;
}

export interface EventPublisherOptions {
  /** @default DEFAULT_EVENT_BUFFER */
  maxBuffered?: number;
  /** @default EVENT_SUBJECT_PREFIX */
  subjectPrefix?: string;
  logger?: Logger;
}

/** An event's kind (its one set field, snake_case), each field name converted once: this runs for every event the master emits. */
const kinds = new Map<string, string>();
function kindOf(event: OperatorEventInit): string | undefined {
  for (const key in event) {
    if ((event as Record<string, unknown>)[key] === undefined || (event as Record<string, unknown>)[key] === null) continue;
    let kind = kinds.get(key);
    if (kind === undefined) {
      kind = key.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);
      kinds.set(key, kind);
    }
    return kind;
  }
  return undefined;
}

interface Pending {
  kind: string;
  subject: string;
  data: string;
}

/**
 * Publishes every event of the master (everything `core.emit` sends its watchers) on
 * `<prefix>.<kind>` with the payload as JSON (the same JSON as `/api/v1/events`). The
 * master never waits for NATS: an event is queued in a bounded buffer and a pump hands
 * it to the client, at most `BATCH` per round trip to the server; while NATS is slow or
 * away the buffer fills, and the events that find it full are dropped and counted
 * (`dropped`, `tandem_master_events_dropped_total`). Nothing of NATS reaches scheduling.
 * Unlike the SSE stream and Operator.Watch, no `view` ACL filters these: NATS' own
 * permissions decide who may subscribe.
 */
export class EventPublisher {
  /** Events handed to NATS, by kind. */
  readonly published = new Map<string, number>();
  /** Events dropped (buffer full, or the client refused them), by kind. */
  readonly dropped = new Map<string, number>();
  private queue: Pending[] = [];
  private pumping = false;
  /** No new events (stop() began). */
  private stopped = false;
  /** The buffer is given up (stop()'s wait ran out): the pump ends after its current batch. */
  private abandoned = false;
  private unsubscribe: (() => void) | undefined;
  private idle: Promise<void> = Promise.resolve();
  private readonly max: number;
  private readonly prefix: string;
  private readonly log: Logger;

  constructor(
    private readonly sink: EventSink,
    options: EventPublisherOptions = {},
  ) {
    this.max = Math.max(1, options.maxBuffered ?? DEFAULT_EVENT_BUFFER);
    this.prefix = options.subjectPrefix ?? EVENT_SUBJECT_PREFIX;
    this.log = componentLogger('events', options.logger);
  }

  /** Publishes `source`'s events from now until `stop()` or the source ends. */
  attach(source: EventSource): void {
    this.unsubscribe?.();
    this.unsubscribe = source.watch(
      (e) => this.offer(e),
      () => {
        this.unsubscribe = undefined;
      },
    );
  }

  /** Events waiting for NATS now. */
  get buffered(): number {
    return this.queue.length;
  }

  /** Queues one event, or drops it when the buffer is full. Never throws, never waits. */
  offer(event: OperatorEventInit): void {
    if (this.stopped) return;
    const kind = kindOf(event);
    if (!kind || kind === 'heartbeat' || kind === 'subscribed') return;
    if (this.queue.length >= this.max) {
      this.count(this.dropped, kind, 1);
      return;
    }
    let data: string;
    try {
      data = operatorEventJson(event, kind);
    } catch (err) {
      this.count(this.dropped, kind, 1);
      this.log.warn({ kind, err: TandemError.from(err).message }, 'could not write an event as JSON; dropped');
      return;
    }
    this.queue.push({ kind, subject: `${this.prefix}.${kind}`, data });
    if (!this.pumping) {
      this.pumping = true;
      this.idle = this.pump();
    }
  }

  /** Stops publishing; resolves once the buffered events are handed over and flushed, or after `waitMs` (NATS slow or away: the rest are dropped). */
  async stop(waitMs = 2_000): Promise<void> {
    this.stopped = true;
    this.unsubscribe?.();
    this.unsubscribe = undefined;
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([this.idle, new Promise<void>((resolve) => (timer = setTimeout(resolve, waitMs)))]);
    clearTimeout(timer);
    this.abandoned = true;
    for (const p of this.queue) this.count(this.dropped, p.kind, 1);
    this.queue = [];
  }

  private async pump(): Promise<void> {
    try {
      while (this.queue.length > 0 && !this.abandoned) {
        const batch = this.queue.splice(0, BATCH);
        for (const p of batch) {
          try {
            this.sink.publish(p.subject, p.data);
            this.count(this.published, p.kind, 1);
          } catch (err) {
            this.count(this.dropped, p.kind, 1);
            this.log.debug({ err: TandemError.from(err).message }, 'NATS refused an event');
          }
        }
        // One round trip per batch: a slow or absent server holds the pump here, and the buffer (not the client) fills.
        await this.sink.flush().catch((err: unknown) => this.log.debug({ err: TandemError.from(err).message }, 'NATS flush failed'));
      }
    } finally {
      this.pumping = false;
    }
  }

  private count(map: Map<string, number>, kind: string, n: number): void {
    map.set(kind, (map.get(kind) ?? 0) + n);
  }
}
