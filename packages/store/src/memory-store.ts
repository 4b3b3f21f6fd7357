import { Code, TandemError } from '@tandem/protocol';
import type { Store, StoreEntry } from './store.js';

/** A Store that keeps nothing across restarts: for tests and `--registry in_memory`. */
export class MemoryStore implements Store {
  readonly atomicBatches = true;
  private readonly entries = new Map<string, StoreEntry>();
  private revision = 0;

  async get<T = unknown>(key: string): Promise<StoreEntry<T> | undefined> {
    return this.entries.get(key) as StoreEntry<T> | undefined;
  }

  async put<T = unknown>(key: string, value: T, options: { expectedRevision?: number } = {}): Promise<number> {
    const current = this.entries.get(key)?.revision ?? 0;
    if (options.expectedRevision !== undefined && current !== options.expectedRevision) {
      throw new TandemError(Code.Aborted, `${key}: expected revision ${options.expectedRevision}, found ${current}`);
    }
    const revision = ++this.revision;
    this.entries.set(key, { key, value: JSON.parse(JSON.stringify(value)) as T, revision });
    return revision;
  }

  async delete(key: string): Promise<boolean> {
    return this.entries.delete(key);
  }

  async list<T = unknown>(prefix: string): Promise<StoreEntry<T>[]> {
    return [...this.entries.values()].filter((e) => e.key.startsWith(prefix)).sort((a, b) => a.key.localeCompare(b.key)) as StoreEntry<T>[];
  }

  failure(): TandemError | undefined {
    return undefined;
  }

  async close(): Promise<void> {}
}
