import { closeSync, existsSync, fsyncSync, mkdirSync, openSync, readFileSync, renameSync, writeSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { Code, TandemError } from '@tandem/protocol';
import type { Store, StoreEntry } from './store.js';

export interface FileStoreOptions {
  /** Directory holding `store.log` and `store.snapshot`. */
  dir: string;
  /** Compact into a snapshot when the log holds this many more records than live keys. @default 10000 */
  compactAfter?: number;
}

interface Record_ {
  k: string;
  v?: unknown;
  r: number;
  d?: 1;
}

/**
 * The embedded durable engine: an append-only log of JSON lines, fsynced on every
 * write, plus a snapshot written by rename when the log grows. Crash-safe: a torn last
 * line is ignored on load. One process owns a directory at a time.
 */
export class FileStore implements Store {
  private readonly entries = new Map<string, StoreEntry>();
  private readonly logPath: string;
  private readonly snapshotPath: string;
  private readonly compactAfter: number;
  private fd: number | undefined;
  private records = 0;
  private revision = 0;
  private closed = false;
  private pendingSync: Promise<void> | undefined;

  constructor(options: FileStoreOptions) {
    mkdirSync(options.dir, { recursive: true });
    this.logPath = join(options.dir, 'store.log');
    this.snapshotPath = join(options.dir, 'store.snapshot');
    this.compactAfter = options.compactAfter ?? 10_000;
    this.load();
    this.fd = openSync(this.logPath, 'a');
  }

  private load(): void {
    if (existsSync(this.snapshotPath)) {
      const snap = JSON.parse(readFileSync(this.snapshotPath, 'utf8')) as { revision: number; entries: StoreEntry[] };
      this.revision = snap.revision;
      for (const e of snap.entries) this.entries.set(e.key, e);
    }
    if (!existsSync(this.logPath)) return;
    for (const line of readFileSync(this.logPath, 'utf8').split('\n')) {
      if (line === '') continue;
      let rec: Record_;
      try {
        rec = JSON.parse(line) as Record_;
      } catch {
        break; // a torn final write: everything before it is intact
      }
      this.records++;
      if (rec.r <= this.revision && this.entries.get(rec.k)?.revision === rec.r) continue;
      this.revision = Math.max(this.revision, rec.r);
      if (rec.d) this.entries.delete(rec.k);
      else this.entries.set(rec.k, { key: rec.k, value: rec.v, revision: rec.r });
    }
  }

  /**
   * Writes the record now and resolves once it is on disk. Group commit: every write
   * issued in the same turn of the event loop shares one fsync (a scheduler writing a
   * batch of instances pays one, not one each); the log's order is the write order, so a
   * resolved write also means every earlier one is durable.
   */
  private append(rec: Record_): Promise<void> {
    if (this.closed || this.fd === undefined) throw new TandemError(Code.FailedPrecondition, 'store is closed');
    writeSync(this.fd, `${JSON.stringify(rec)}\n`);
    this.records++;
    if (!this.pendingSync) {
      this.pendingSync = new Promise<void>((resolve, reject) => {
        setImmediate(() => {
          this.pendingSync = undefined;
          try {
            if (this.fd !== undefined) fsyncSync(this.fd);
            if (this.records > this.entries.size + this.compactAfter) this.compact();
            resolve();
          } catch (err) {
            reject(err);
          }
        });
      });
    }
    return this.pendingSync;
  }

  private compact(): void {
    const tmp = `${this.snapshotPath}.tmp`;
    const fd = openSync(tmp, 'w');
    writeSync(fd, JSON.stringify({ revision: this.revision, entries: [...this.entries.values()] }));
    fsyncSync(fd);
    closeSync(fd);
    renameSync(tmp, this.snapshotPath);
    if (this.fd !== undefined) closeSync(this.fd);
    const logTmp = `${this.logPath}.tmp`;
    closeSync(openSync(logTmp, 'w'));
    renameSync(logTmp, this.logPath);
    const dirFd = openSync(dirname(this.logPath), 'r');
    fsyncSync(dirFd);
    closeSync(dirFd);
    this.fd = openSync(this.logPath, 'a');
    this.records = 0;
  }

  async get<T = unknown>(key: string): Promise<StoreEntry<T> | undefined> {
    return this.entries.get(key) as StoreEntry<T> | undefined;
  }

  async put<T = unknown>(key: string, value: T, options: { expectedRevision?: number } = {}): Promise<number> {
    if (key === '') throw new TandemError(Code.InvalidArgument, 'store key must not be empty', { field: 'key' });
    if (options.expectedRevision !== undefined) {
      const current = this.entries.get(key)?.revision ?? 0;
      if (current !== options.expectedRevision) {
        throw new TandemError(Code.Aborted, `${key}: expected revision ${options.expectedRevision}, found ${current}`);
      }
    }
    const revision = ++this.revision;
    // Round-trip through JSON so the stored value cannot be mutated by the caller.
    const stored = JSON.parse(JSON.stringify(value)) as T;
    const durable = this.append({ k: key, v: stored, r: revision });
    this.entries.set(key, { key, value: stored, revision });
    await durable;
    return revision;
  }

  async delete(key: string): Promise<boolean> {
    if (!this.entries.has(key)) return false;
    const revision = ++this.revision;
    const durable = this.append({ k: key, r: revision, d: 1 });
    this.entries.delete(key);
    await durable;
    return true;
  }

  async list<T = unknown>(prefix: string): Promise<StoreEntry<T>[]> {
    return [...this.entries.values()]
      .filter((e) => e.key.startsWith(prefix))
      .sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0)) as StoreEntry<T>[];
  }

  async close(): Promise<void> {
    if (this.closed) return;
    await this.pendingSync?.catch(() => undefined);
    this.closed = true;
    if (this.fd !== undefined) closeSync(this.fd);
    this.fd = undefined;
  }
}
