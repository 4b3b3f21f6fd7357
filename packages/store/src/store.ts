import type { TandemError } from '@tandem/protocol';

/** One entry of a Store: the value and the revision it was written at. */
export interface StoreEntry<T = unknown> {
  readonly key: string;
  readonly value: T;
  readonly revision: number;
}

/**
 * The one persistence interface every Tandem package shares (master registry, apps,
 * jobs). Keys are strings with `/`-separated prefixes; values are JSON. A write has
 * returned only once it is durable. The writes issued in one event-loop turn are one
 * batch: durable together, or rejected and undone together (apps writes each change so).
 */
export interface Store {
  /**
   * Whether this engine keeps the one-turn batch promise above. FileStore and MemoryStore
   * do; NatsKvStore does not (each write is its own KV message), so a writer whose changes
   * span several keys in one turn (the apps framework) must refuse an engine without it.
   */
  readonly atomicBatches: boolean;
  get<T = unknown>(key: string): Promise<StoreEntry<T> | undefined>;
  /** Writes `value`. With `expectedRevision`, fails with ABORTED unless the key is at that revision (0 = absent). */
  put<T = unknown>(key: string, value: T, options?: { expectedRevision?: number }): Promise<number>;
  delete(key: string): Promise<boolean>;
  /** Every entry whose key starts with `prefix`, in key order. */
  list<T = unknown>(prefix: string): Promise<StoreEntry<T>[]>;
  /**
   * Why this store refuses writes, if it does: a write that could not be made durable
   * (a full disk, an I/O error) leaves the store refusing every later write with this
   * error (UNAVAILABLE) until the process restarts. Reads keep working.
   */
  failure(): TandemError | undefined;
  close(): Promise<void>;
}
