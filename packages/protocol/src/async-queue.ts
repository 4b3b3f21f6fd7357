/**
 * A single-consumer async queue: producers `push`, one consumer iterates with
 * `for await`. `stop(err?)` ends the iteration (throwing `err` if given) after the
 * items already queued; `closed` resolves when it has stopped.
 */
export class AsyncQueue<T> implements AsyncIterableIterator<T> {
  private readonly items: T[] = [];
  private waiter: { resolve: (r: IteratorResult<T>) => void; reject: (e: unknown) => void } | undefined;
  private done = false;
  private error: unknown;
  private readonly closedPromise: Promise<unknown>;
  private resolveClosed!: (err: unknown) => void;

  constructor() {
    this.closedPromise = new Promise((resolve) => {
      this.resolveClosed = resolve;
    });
  }

  get size(): number {
    return this.items.length;
  }

  get isStopped(): boolean {
    return this.done;
  }

  /** Resolves (with the error, if any) once the queue has stopped. */
  closed(): Promise<unknown> {
    return this.closedPromise;
  }

  push(item: T): void {
    if (this.done) return;
    if (this.waiter) {
      const w = this.waiter;
      this.waiter = undefined;
      w.resolve({ value: item, done: false });
    } else {
      this.items.push(item);
    }
  }

  stop(err?: unknown): void {
    if (this.done) return;
    this.done = true;
    this.error = err;
    this.resolveClosed(err);
    if (this.waiter && this.items.length === 0) {
      const w = this.waiter;
      this.waiter = undefined;
      if (err !== undefined) w.reject(err);
      else w.resolve({ value: undefined, done: true });
    }
  }

  next(): Promise<IteratorResult<T>> {
    if (this.items.length > 0) return Promise.resolve({ value: this.items.shift() as T, done: false });
    if (this.done) {
      if (this.error !== undefined) {
        const e = this.error;
        this.error = undefined;
        return Promise.reject(e);
      }
      return Promise.resolve({ value: undefined, done: true });
    }
    if (this.waiter) return Promise.reject(new Error('AsyncQueue has a single consumer'));
    return new Promise((resolve, reject) => {
      this.waiter = { resolve, reject };
    });
  }

  return(): Promise<IteratorResult<T>> {
    this.items.length = 0;
    this.stop();
    return Promise.resolve({ value: undefined, done: true });
  }

  [Symbol.asyncIterator](): AsyncIterableIterator<T> {
    return this;
  }
}
