import type { Store, StoreEntry } from './store.js';

/** A write a Store made (or failed to make), and how long it took. */
export type StoreWriteOp = 'put' | 'delete';

/** Called once per write when it has settled: its kind, its duration in seconds, and whether it succeeded. */
export type StoreWriteObserver = (op: StoreWriteOp, seconds: number, ok: boolean) => void;

/**
 * `store` with each write timed (for the components' store write latency histograms).
 * The write is issued in the caller's turn, as it would be unwrapped, so a Store's
 * one-turn batches stay one batch; reads, `failure` and `close` pass straight through.
 */
export function observedStore(store: Store, observe: StoreWriteObserver): Store {
  const timed = <T>(op: StoreWriteOp, write: () => Promise<T>): Promise<T> => {
    const began = performance.now();
    const done = (ok: boolean): void => observe(op, (performance.now() - began) / 1000, ok);
    return write().then(
      (v) => {
        done(true);
        return v;
      },
      (err: unknown) => {
        done(false);
        throw err;
      },
    );
  };
  return {
    get atomicBatches() {
      return store.atomicBatches;
    },
    get: <T = unknown>(key: string): Promise<StoreEntry<T> | undefined> => store.get<T>(key),
    put: <T = unknown>(key: string, value: T, options?: { expectedRevision?: number }): Promise<number> => timed('put', () => store.put(key, value, options)),
    delete: (key: string): Promise<boolean> => timed('delete', () => store.delete(key)),
    list: <T = unknown>(prefix: string): Promise<StoreEntry<T>[]> => store.list<T>(prefix),
    failure: () => store.failure(),
    close: () => store.close(),
  };
}
