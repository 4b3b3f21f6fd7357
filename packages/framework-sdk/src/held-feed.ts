import { AsyncQueue } from '@tandem/protocol';

/** Called when the consumer is handed an item, and when it is done with it. */
export interface HoldHooks {
  seen?: () => void;
  release?: () => void;
}

interface Held<T> {
  value: T;
  hooks: HoldHooks | undefined;
}

/**
 * A single-consumer async iterator whose items are "held" while the consumer works on
 * them: an item is released when the consumer asks for the next one (or leaves the
 * loop). The driver acknowledges status updates on release.
 */
export class HeldFeed<T> implements AsyncIterableIterator<T> {
  private readonly queue = new AsyncQueue<Held<T>>();
  private current: HoldHooks | undefined;
  private readonly onReturn: (() => void) | undefined;

  constructor(onReturn?: () => void) {
    this.onReturn = onReturn;
  }

  get isStopped(): boolean {
    return this.queue.isStopped;
  }

  push(value: T, hooks?: HoldHooks): void {
    if (this.queue.isStopped) {
      hooks?.release?.();
      return;
    }
    this.queue.push({ value, hooks });
  }

  /** Ends the feed after the items already queued; a given error is thrown to the consumer. */
  stop(err?: unknown): void {
    this.queue.stop(err);
  }

  closed(): Promise<unknown> {
    return this.queue.closed();
  }

  async next(): Promise<IteratorResult<T>> {
    this.releaseCurrent();
    const r = await this.queue.next();
    if (r.done) return { value: undefined, done: true };
    this.current = r.value.hooks;
    r.value.hooks?.seen?.();
    return { value: r.value.value, done: false };
  }

  /** Leaving the loop releases the current item and every queued one. */
  async return(): Promise<IteratorResult<T>> {
    this.releaseCurrent();
    for (;;) {
      if (this.queue.size === 0) break;
      const r = await this.queue.next();
      if (r.done) break;
      r.value.hooks?.release?.();
    }
    await this.queue.return();
    this.onReturn?.();
    return { value: undefined, done: true };
  }

  [Symbol.asyncIterator](): AsyncIterableIterator<T> {
    return this;
  }

  private releaseCurrent(): void {
    const c = this.current;
    this.current = undefined;
    c?.release?.();
  }
}
