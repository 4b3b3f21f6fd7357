import { closeSync, existsSync, fsyncSync, ftruncateSync, mkdirSync, openSync, renameSync, unlinkSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { Code, componentLogger, type Logger, TandemError } from '@tandem/protocol';
import { DirLock } from './dir-lock.js';
import { encodeFrame, LOG_MAGIC, SNAPSHOT_MAGIC } from './record-frame.js';
import type { Store, StoreEntry } from './store.js';
import { damagedStoreError, type LogRecord, readLog, readSnapshot, snapshotRecords } from './store-files.js';

export interface FileStoreOptions {
  /** Directory holding `store.log`, `store.snapshot` and the `LOCK` of its one opener. */
  dir: string;
  /** Compact into a snapshot when the log holds this many more records than live keys. @default 10000 */
  compactAfter?: number;
  /** The largest record (key and JSON value) a write may make; a larger one is refused with INVALID_ARGUMENT. @default 16 MiB */
  maxRecordBytes?: number;
  logger?: Logger;
}

export const DEFAULT_MAX_RECORD_BYTES = 16 * 1024 * 1024;

/** The writes of one event-loop turn: written and fsynced together. */
interface Batch {
  readonly frames: Buffer[];
  /** Each key's entry before the batch first touched it, to undo the batch if it fails. */
  readonly undo: Map<string, StoreEntry | undefined>;
  readonly revisionBefore: number;
  readonly done: Promise<void>;
  resolve(): void;
  reject(err: unknown): void;
}

/**
 * The embedded durable engine: an append-only log of framed, checksummed records
 * (`record-frame.ts`) plus a snapshot, in a directory that one process holds locked.
 *
 * - **Open**: the snapshot must be whole (else a refusal naming it). A log whose last
 *   record is torn (a crash mid-write) is cut back to its last whole record before
 *   anything is appended, with a warning naming the file, offset and bytes dropped. A
 *   damaged record followed by whole ones is a refusal naming the file and offset.
 * - **Write**: a write is visible to readers of this process at once and resolves only
 *   once durable. The writes of one event-loop turn are written with one `write` loop
 *   (short writes continue) and share one fsync.
 * - **Failure**: if writing or fsyncing fails (ENOSPC, EIO, EROFS, …) the log is cut back
 *   to what was durable, the batch's writes are undone in memory and rejected with
 *   UNAVAILABLE naming the cause, and every later write is refused the same way until
 *   the process restarts: after a failed fsync the kernel may have dropped the pages, so
 *   retrying could acknowledge what is not on disk. Reads keep working.
 */
export class FileStore implements Store {
  /** The writes of one event-loop turn are one fsynced batch. */
  readonly atomicBatches = true;
  private readonly entries = new Map<string, StoreEntry>();
  private readonly dir: string;
  private readonly logPath: string;
  private readonly snapshotPath: string;
  private readonly compactAfter: number;
  private readonly maxRecordBytes: number;
  private readonly log: Logger;
  private readonly lock: DirLock;
  private fd: number | undefined;
  /** Bytes of the log known durable: where a failed batch is cut back to. */
  private logSize = 0;
  private records = 0;
  private revision = 0;
  private closed = false;
  private batch: Batch | undefined;
  private failed: TandemError | undefined;
  private compactBlockedUntil = 0;

  constructor(options: FileStoreOptions) {
    this.dir = options.dir;
    mkdirSync(this.dir, { recursive: true });
    this.logPath = join(this.dir, 'store.log');
    this.snapshotPath = join(this.dir, 'store.snapshot');
    this.compactAfter = options.compactAfter ?? 10_000;
    this.maxRecordBytes = options.maxRecordBytes ?? DEFAULT_MAX_RECORD_BYTES;
    this.log = options.logger ?? componentLogger('store');
    this.lock = DirLock.acquire(this.dir);
    try {
      this.load();
      this.fd ??= openSync(this.logPath, 'a');
    } catch (err) {
      this.lock.release();
      throw err;
    }
  }

  private load(): void {
    const snap = readSnapshot(this.snapshotPath);
    if (snap) {
      this.revision = snap.revision;
      for (const e of snap.entries) this.entries.set(e.key, e);
    }
    const log = readLog(this.logPath);
    if (log.fault) {
      if (log.fault.nextRecordAt !== undefined) {
        throw damagedStoreError(
          this.logPath,
          `the record at offset ${log.fault.offset} is ${log.fault.reason} and whole records follow it (from offset ${log.fault.nextRecordAt})`,
        );
      }
      this.log.warn(
        { file: this.logPath, offset: log.fault.offset, droppedBytes: log.size - log.fault.offset },
        'store log ends in a torn record (a write cut short by a crash or a full disk); cutting it back to the last whole record',
      );
      if (log.fault.offset === 0) unlinkSync(this.logPath);
      else cutBack(this.logPath, log.fault.offset);
    }
    const snapRevision = this.revision;
    for (const rec of log.records) {
      this.records++;
      if (rec.r <= snapRevision) continue; // already in the snapshot
      this.revision = Math.max(this.revision, rec.r);
      if (rec.d) this.entries.delete(rec.k);
      else this.entries.set(rec.k, { key: rec.k, value: rec.v, revision: rec.r });
    }
    if (log.legacy || snap?.legacy) {
      this.log.warn({ dir: this.dir, records: log.records.length }, 'store written by an older Tandem: converting it to the checksummed format');
      this.writeSnapshotAndNewLog();
      return;
    }
    if (!existsSync(this.logPath)) writeNewFile(this.logPath, LOG_MAGIC, this.dir);
    this.logSize = log.fault ? Math.max(log.fault.offset, 0) : log.size;
    if (this.logSize === 0) this.logSize = Buffer.byteLength(LOG_MAGIC);
  }

  async get<T = unknown>(key: string): Promise<StoreEntry<T> | undefined> {
    return this.entries.get(key) as StoreEntry<T> | undefined;
  }

  async put<T = unknown>(key: string, value: T, options: { expectedRevision?: number } = {}): Promise<number> {
    this.checkWritable();
    if (key === '') throw new TandemError(Code.InvalidArgument, 'store key must not be empty', { field: 'key' });
    if (options.expectedRevision !== undefined) {
      const current = this.entries.get(key)?.revision ?? 0;
      if (current !== options.expectedRevision) {
        throw new TandemError(Code.Aborted, `${key}: expected revision ${options.expectedRevision}, found ${current}`);
      }
    }
    const json = JSON.stringify(value);
    if (json === undefined) throw new TandemError(Code.InvalidArgument, `${key}: value is not JSON`, { field: 'value' });
    // Parsed back so that the stored value cannot be mutated by the caller.
    const stored = JSON.parse(json) as T;
    const revision = this.revision + 1;
    const payload = `{"k":${JSON.stringify(key)},"r":${revision},"v":${json}}`;
    const durable = this.append(key, payload);
    this.revision = revision;
    this.entries.set(key, { key, value: stored, revision });
    await durable;
    return revision;
  }

  async delete(key: string): Promise<boolean> {
    this.checkWritable();
    if (!this.entries.has(key)) return false;
    const revision = this.revision + 1;
    const durable = this.append(key, JSON.stringify({ k: key, r: revision, d: 1 } satisfies LogRecord));
    this.revision = revision;
    this.entries.delete(key);
    await durable;
    return true;
  }

  async list<T = unknown>(prefix: string): Promise<StoreEntry<T>[]> {
    return [...this.entries.values()].filter((e) => e.key.startsWith(prefix)).sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0)) as StoreEntry<T>[];
  }

  failure(): TandemError | undefined {
    return this.failed;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    await this.batch?.done.catch(() => undefined);
    this.closed = true;
    if (this.fd !== undefined) closeSync(this.fd);
    this.fd = undefined;
    this.lock.release();
  }

  private checkWritable(): void {
    if (this.failed) throw this.failed;
    if (this.closed) throw new TandemError(Code.FailedPrecondition, `store is closed (${this.dir})`);
  }

  /** Queues a record into this turn's batch (opening one, and its flush, if needed). */
  private append(key: string, payload: string): Promise<void> {
    const bytes = Buffer.byteLength(payload);
    if (bytes > this.maxRecordBytes) {
      throw new TandemError(Code.InvalidArgument, `${key}: a record of ${bytes} bytes is over the store's limit of ${this.maxRecordBytes}`, { field: 'value' });
    }
    if (!this.batch) {
      let resolve!: () => void;
      let reject!: (err: unknown) => void;
      const done = new Promise<void>((res, rej) => {
        resolve = res;
        reject = rej;
      });
      this.batch = { frames: [], undo: new Map(), revisionBefore: this.revision, done, resolve, reject };
      setImmediate(() => this.flush());
    }
    if (!this.batch.undo.has(key)) this.batch.undo.set(key, this.entries.get(key));
    this.batch.frames.push(encodeFrame(payload));
    return this.batch.done;
  }

  private flush(): void {
    const batch = this.batch;
    if (!batch) return;
    this.batch = undefined;
    const bytes = Buffer.concat(batch.frames);
    try {
      if (this.fd === undefined) throw new TandemError(Code.FailedPrecondition, `store is closed (${this.dir})`);
      writeWhole(this.fd, bytes);
      fsyncSync(this.fd);
    } catch (err) {
      this.fail(err, batch);
      return;
    }
    this.logSize += bytes.length;
    this.records += batch.frames.length;
    batch.resolve();
    if (this.records > this.entries.size + this.compactAfter && this.records >= this.compactBlockedUntil) this.compact();
  }

  /** A write failed: cut the log back, undo the batch in memory, refuse from now on. */
  private fail(err: unknown, batch: Batch): void {
    const cause = err as NodeJS.ErrnoException;
    this.failed = new TandemError(
      Code.Unavailable,
      `store ${this.dir}: a write failed (${cause.code ? `${cause.code}: ` : ''}${cause.message}); this process writes nothing more until it is restarted`,
      { cause: err },
    );
    this.log.error({ err, dir: this.dir }, 'store write failed; refusing every further write until restarted');
    if (this.fd !== undefined) {
      try {
        ftruncateSync(this.fd, this.logSize);
        fsyncSync(this.fd);
      } catch (truncErr) {
        this.log.error({ err: truncErr, file: this.logPath }, 'could not cut the store log back; the next start drops its torn tail');
      }
    }
    for (const [key, before] of batch.undo) {
      if (before) this.entries.set(key, before);
      else this.entries.delete(key);
    }
    this.revision = batch.revisionBefore;
    batch.reject(this.failed);
  }

  /**
   * Writes a snapshot of every entry and starts a new log. A compaction that fails
   * (a full disk) changes nothing durable: the log keeps every record, and it is tried
   * again after another `compactAfter` records.
   */
  private compact(): void {
    try {
      this.writeSnapshotAndNewLog();
    } catch (err) {
      this.compactBlockedUntil = this.records + this.compactAfter;
      this.log.warn({ err, dir: this.dir }, 'store compaction failed; the log keeps every record');
    }
  }

  private writeSnapshotAndNewLog(): void {
    const { parts } = snapshotRecords(this.revision, this.entries.values());
    const tmp = `${this.snapshotPath}.tmp`;
    writeNewFile(tmp, SNAPSHOT_MAGIC, undefined, parts);
    renameSync(tmp, this.snapshotPath);
    syncDir(this.dir);
    // The snapshot is durable: every record of the old log is in it.
    const logTmp = `${this.logPath}.tmp`;
    writeNewFile(logTmp, LOG_MAGIC);
    renameSync(logTmp, this.logPath);
    syncDir(this.dir);
    if (this.fd !== undefined) closeSync(this.fd);
    this.fd = openSync(this.logPath, 'a');
    this.logSize = Buffer.byteLength(LOG_MAGIC);
    this.records = 0;
  }
}

/** Writes all of `bytes`: a short write (a full disk, a signal) goes on from where it stopped or fails. */
export function writeWhole(fd: number, bytes: Buffer): void {
  let done = 0;
  while (done < bytes.length) {
    const n = writeSync(fd, bytes, done, bytes.length - done);
    if (n <= 0) throw Object.assign(new Error(`write returned ${n}`), { code: 'EIO' });
    done += n;
  }
}

/** Creates `path` holding `magic` and then each part as a framed record, fsynced; the directory too when `dir` is given. */
export function writeNewFile(path: string, magic: string, dir?: string, parts: string[] = []): void {
  const fd = openSync(path, 'w');
  try {
    writeWhole(fd, Buffer.from(magic, 'latin1'));
    // Written in chunks of frames, so no single buffer holds the whole store.
    let chunk: Buffer[] = [];
    let size = 0;
    for (const part of parts) {
      const frame = encodeFrame(part);
      chunk.push(frame);
      size += frame.length;
      if (size >= 1 << 20) {
        writeWhole(fd, Buffer.concat(chunk));
        chunk = [];
        size = 0;
      }
    }
    if (chunk.length) writeWhole(fd, Buffer.concat(chunk));
    fsyncSync(fd);
  } catch (err) {
    closeSync(fd);
    try {
      unlinkSync(path);
    } catch {
      // nothing to remove
    }
    throw err;
  }
  closeSync(fd);
  if (dir) syncDir(dir);
}

/** Cuts a file back to `size` bytes, durably. */
function cutBack(path: string, size: number): void {
  const fd = openSync(path, 'r+');
  try {
    ftruncateSync(fd, size);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

function syncDir(dir: string): void {
  const fd = openSync(dir, 'r');
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}
