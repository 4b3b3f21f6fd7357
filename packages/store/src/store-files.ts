import { existsSync, readFileSync } from 'node:fs';
import { Code, TandemError } from '@tandem/protocol';
import { type Frame, LOG_MAGIC, nextFrameAfter, readFrame, SNAPSHOT_MAGIC } from './record-frame.js';
import type { StoreEntry } from './store.js';

/** A record of the log: a put (`v`) or a delete (`d`) of key `k` at revision `r`. */
export interface LogRecord {
  k: string;
  v?: unknown;
  r: number;
  d?: 1;
}

/** Where a file stops being whole, and what follows. */
export interface FileFault {
  /** Offset of the first byte that is not part of a whole record. */
  readonly offset: number;
  /** Offset of the next whole record after it; absent when none follows (a torn tail). */
  readonly nextRecordAt: number | undefined;
  readonly reason: 'incomplete' | 'damaged';
}

/** What a log file holds: its whole records, and the first fault when there is one. */
export interface LogContents {
  readonly records: LogRecord[];
  readonly size: number;
  /** A log written before framing (plain JSON lines). */
  readonly legacy: boolean;
  readonly fault: FileFault | undefined;
  /** Records found after the fault (only read when asked to salvage). */
  readonly salvaged: LogRecord[];
}

/** A snapshot's contents: every live entry at `revision`. */
export interface SnapshotContents {
  readonly revision: number;
  readonly entries: StoreEntry[];
  readonly legacy: boolean;
}

/** The store refuses to open: the file and offset at fault, and what to do. */
export function damagedStoreError(file: string, message: string, cause?: unknown): TandemError {
  return new TandemError(
    Code.DataLoss,
    `${file}: ${message}; the store will not open. Run \`tandem store check DIR\` to see what is readable and \`tandem store repair DIR\` to keep it`,
    cause === undefined ? {} : { cause },
  );
}

/**
 * Reads a log file. Framed logs stop at the first fault; with `salvage`, every whole
 * record after damage is read too (for `tandem store repair`). A legacy log (JSON lines
 * from before framing) is read line by line, skipping lines that do not parse: its old
 * reader stopped at a torn line and then appended after it, so the lines after one
 * were acknowledged writes.
 */
export function readLog(path: string, salvage = false): LogContents {
  if (!existsSync(path)) return { records: [], size: 0, legacy: false, fault: undefined, salvaged: [] };
  const buf = readFileSync(path);
  if (buf.length === 0) return { records: [], size: 0, legacy: false, fault: undefined, salvaged: [] };
  const magic = Buffer.from(LOG_MAGIC, 'latin1');
  if (buf.length < magic.length && magic.subarray(0, buf.length).equals(buf)) {
    // A crash while the magic of a new log was written: nothing was ever in it.
    return { records: [], size: buf.length, legacy: false, fault: { offset: 0, nextRecordAt: undefined, reason: 'incomplete' }, salvaged: [] };
  }
  if (!buf.subarray(0, magic.length).equals(magic)) return readLegacyLog(buf, path);
  const records: LogRecord[] = [];
  const { fault, after } = walkFrames(buf, magic.length, (frame) => records.push(parseRecord(frame, path)), salvage);
  const salvaged = after.map((frame) => parseRecord(frame, path));
  return { records, size: buf.length, legacy: false, fault, salvaged };
}

function readLegacyLog(buf: Buffer, path: string): LogContents {
  if (buf[0] !== 0x7b /* { */) throw damagedStoreError(path, 'is neither a Tandem store log nor a legacy one');
  const records: LogRecord[] = [];
  for (const line of buf.toString('utf8').split('\n')) {
    if (line === '') continue;
    try {
      const rec = JSON.parse(line) as LogRecord;
      if (isRecord(rec)) records.push(rec);
    } catch {
      // a torn line of the old format; see readLog
    }
  }
  return { records, size: buf.length, legacy: true, fault: undefined, salvaged: [] };
}

/**
 * Calls `each` for every whole frame from `start` until the first fault, and returns
 * the fault (with where the next whole record is) and, when `salvage`, the frames after it.
 */
export function walkFrames(buf: Buffer, start: number, each: (frame: Frame) => void, salvage: boolean): { fault: FileFault | undefined; after: Frame[] } {
  let at = start;
  while (at < buf.length) {
    const frame = readFrame(buf, at);
    if (typeof frame === 'string') {
      const nextRecordAt = nextFrameAfter(buf, at);
      const fault = { offset: at, nextRecordAt, reason: frame };
      return { fault, after: salvage && nextRecordAt !== undefined ? salvageFrames(buf, nextRecordAt) : [] };
    }
    each(frame);
    at = frame.end;
  }
  return { fault: undefined, after: [] };
}

function salvageFrames(buf: Buffer, from: number): Frame[] {
  const out: Frame[] = [];
  let at: number | undefined = from;
  while (at !== undefined && at < buf.length) {
    const frame = readFrame(buf, at);
    if (typeof frame === 'string') {
      at = nextFrameAfter(buf, at);
      continue;
    }
    out.push(frame);
    at = frame.end;
  }
  return out;
}

function parseRecord(frame: Frame, path: string): LogRecord {
  let rec: unknown;
  try {
    rec = JSON.parse(frame.payload);
  } catch (err) {
    // The CRC matched, so these are the bytes that were written: a bug, not a torn write.
    throw damagedStoreError(path, `record at offset ${frame.offset} is not JSON`, err);
  }
  if (!isRecord(rec)) throw damagedStoreError(path, `record at offset ${frame.offset} is not a store record`);
  return rec;
}

function isRecord(rec: unknown): rec is LogRecord {
  if (typeof rec !== 'object' || rec === null) return false;
  const r = rec as Partial<LogRecord>;
  return typeof r.k === 'string' && typeof r.r === 'number' && Number.isSafeInteger(r.r) && r.r > 0;
}

/**
 * Reads a snapshot: framed entries followed by a trailer `{"end":{"revision":R,"count":N}}`.
 * Anything short of that (torn, damaged, a trailer that does not match) is a refusal
 * naming the file: a snapshot is renamed into place only once whole and fsynced, so a
 * bad one is damage, never a crash mid-write, and reading it as empty would lose the store.
 */
export function readSnapshot(path: string): SnapshotContents | undefined {
  if (!existsSync(path)) return undefined;
  const buf = readFileSync(path);
  const magic = Buffer.from(SNAPSHOT_MAGIC, 'latin1');
  if (!buf.subarray(0, magic.length).equals(magic)) return readLegacySnapshot(buf, path);
  const entries: StoreEntry[] = [];
  let trailer: { revision: number; count: number } | undefined;
  const { fault } = walkFrames(
    buf,
    magic.length,
    (frame) => {
      if (trailer) throw damagedStoreError(path, `record at offset ${frame.offset} follows the snapshot's end`);
      const rec = JSON.parse(frame.payload) as { end?: { revision: number; count: number } } & Partial<LogRecord>;
      if (rec.end) trailer = rec.end;
      else if (isRecord(rec)) entries.push({ key: rec.k, value: rec.v, revision: rec.r });
      else throw damagedStoreError(path, `record at offset ${frame.offset} is not a snapshot entry`);
    },
    false,
  );
  if (fault) throw damagedStoreError(path, `snapshot is ${fault.reason} at offset ${fault.offset}`);
  if (!trailer) throw damagedStoreError(path, 'snapshot has no end record (it is incomplete)');
  if (trailer.count !== entries.length) throw damagedStoreError(path, `snapshot says ${trailer.count} entries but holds ${entries.length}`);
  return { revision: trailer.revision, entries, legacy: false };
}

function readLegacySnapshot(buf: Buffer, path: string): SnapshotContents {
  try {
    const snap = JSON.parse(buf.toString('utf8')) as { revision: number; entries: StoreEntry[] };
    if (!Number.isSafeInteger(snap.revision) || !Array.isArray(snap.entries)) throw new Error('not a snapshot');
    return { revision: snap.revision, entries: snap.entries, legacy: true };
  } catch (err) {
    throw damagedStoreError(path, 'is not a readable snapshot', err);
  }
}

/** The bytes of a snapshot of `entries` at `revision`. */
export function snapshotRecords(revision: number, entries: Iterable<StoreEntry>): { parts: string[]; count: number } {
  const parts: string[] = [];
  let count = 0;
  for (const e of entries) {
    parts.push(JSON.stringify({ k: e.key, v: e.value, r: e.revision }));
    count++;
  }
  parts.push(JSON.stringify({ end: { revision, count } }));
  return { parts, count };
}
