import type { AckInit, Logger } from '@tandem/protocol';

export interface AckBatcherOptions {
  /** Sends one batch (one AcknowledgeCall). A rejection is logged; the agent resends unacked updates. */
  send: (acks: AckInit[]) => Promise<void>;
  logger?: Logger;
  /** Largest batch in one call. @default 1000 */
  maxBatch?: number;
}

export const DEFAULT_MAX_ACK_BATCH = 1000;

/**
 * Collects acknowledgements and sends them once per event-loop tick, many per call.
 * Duplicate uuids within a batch are sent once.
 */
export class AckBatcher {
  private readonly send: AckBatcherOptions['send'];
  private readonly logger: Logger | undefined;
  private readonly maxBatch: number;
  private pending = new Map<string, AckInit>();
  private timer: NodeJS.Immediate | undefined;
  private readonly inFlight = new Set<Promise<void>>();
  private closed = false;

  constructor(options: AckBatcherOptions) {
    this.send = options.send;
    this.logger = options.logger;
    this.maxBatch = options.maxBatch ?? DEFAULT_MAX_ACK_BATCH;
  }

  /** Acks waiting for the next tick. */
  get size(): number {
    return this.pending.size;
  }

  /** Queues one ack; it leaves with the others at the end of this tick. */
  add(ack: AckInit): void {
    if (this.closed) {
      this.logger?.debug({ taskId: ack.taskId, uuid: ack.uuid }, 'ack after close dropped');
      return;
    }
    this.pending.set(ack.uuid ?? '', ack);
    this.timer ??= setImmediate(() => {
      this.timer = undefined;
      this.sendPending();
    });
  }

  /** Sends what is pending now and waits until every batch sent so far has settled. */
  async flush(): Promise<void> {
    if (this.timer) {
      clearImmediate(this.timer);
      this.timer = undefined;
    }
    this.sendPending();
    while (this.inFlight.size > 0) await Promise.all([...this.inFlight]);
  }

  /** Flushes, then refuses further acks. */
  async close(): Promise<void> {
    await this.flush();
    this.closed = true;
  }

  /** Forgets pending acks without sending them (e.g. after a fatal error). */
  discard(): void {
    if (this.timer) {
      clearImmediate(this.timer);
      this.timer = undefined;
    }
    this.pending.clear();
    this.closed = true;
  }

  private sendPending(): void {
    if (this.pending.size === 0) return;
    const all = [...this.pending.values()];
    this.pending = new Map();
    for (let i = 0; i < all.length; i += this.maxBatch) {
      const batch = all.slice(i, i + this.maxBatch);
      const p = this.send(batch)
        .catch((err: unknown) => {
          this.logger?.warn({ err, count: batch.length }, 'acknowledge failed; the agent will resend the updates');
        })
        .finally(() => {
          this.inFlight.delete(p);
        });
      this.inFlight.add(p);
    }
  }
}
