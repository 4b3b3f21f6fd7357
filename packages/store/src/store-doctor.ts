import { existsSync, readFileSync, renameSync } from 'node:fs';
import { join } from 'node:path';
import { DirLock, type LockHolder, lockHolder } from './dir-lock.js';
import { writeNewFile } from './file-store.js';
import { SNAPSHOT_MAGIC } from './record-frame.js';
import type { StoreEntry } from './store.js';
import { type FileFault, type LogRecord, readLog, readSnapshot, snapshotRecords, walkFrames } from './store-files.js';

/** What `tandem store check` says about a store directory. */
export interface StoreReport {
  readonly dir: string;
  /** `ok`: opens as it is; `torn-tail`: opens after cutting a torn last record; `damaged`: refuses to open until repaired. */
  readonly verdict: 'ok' | 'torn-tail' | 'damaged';
  readonly snapshot: { readonly present: boolean; readonly entries?: number; readonly revision?: number; readonly legacy?: boolean; readonly error?: string };
  readonly log: {
    readonly present: boolean;
    readonly bytes: number;
    readonly records: number;
    readonly legacy: boolean;
    readonly fault?: FileFault;
    /** Whole records after the damage, which `repair` keeps. */
    readonly recordsAfterFault: number;
    readonly error?: string;
  };
  /** Keys and revision of what the store holds once opened (or repaired). */
  readonly keys: number;
  readonly revision: number;
  /** The process holding the store open, if one does. */
  readonly holder: LockHolder | undefined;
}

export interface RepairResult extends StoreReport {
  /** Where the damaged files were moved (kept for forensics; nothing is deleted). */
  readonly movedAside: string[];
}

/** Reads a store directory without changing it and says what opening it would do. */
export function checkStore(dir: string): StoreReport {
  return examine(dir).report;
}

/**
 * Salvages every readable record of a store: a damaged snapshot or log is moved aside
 * (`<file>.damaged-<time>`) and replaced by a snapshot of what could be read, applied in
 * order. Records inside a damaged stretch are lost (the report says how many bytes);
 * whole records after it are kept. Refuses while a process holds the store.
 */
export function repairStore(dir: string): RepairResult {
  const lock = DirLock.acquire(dir);
  try {
    const { report, entries } = examine(dir);
    if (report.verdict === 'ok' && !report.log.legacy && !report.snapshot.legacy) return { ...report, movedAside: [] };
    const stamp = new Date().toISOString().replace(/[:.]/g, '-');
    const movedAside: string[] = [];
    for (const name of ['store.snapshot', 'store.log']) {
      const path = join(dir, name);
      if (!existsSync(path)) continue;
      const aside = `${path}.damaged-${stamp}`;
      renameSync(path, aside);
      movedAside.push(aside);
    }
    const { parts } = snapshotRecords(report.revision, entries.values());
    writeNewFile(join(dir, 'store.snapshot'), SNAPSHOT_MAGIC, dir, parts);
    return { ...report, verdict: 'ok', movedAside };
  } finally {
    lock.release();
  }
}

function examine(dir: string): { report: StoreReport; entries: Map<string, StoreEntry> } {
  const entries = new Map<string, StoreEntry>();
  let revision = 0;
  let damaged = false;
  const snapshotPath = join(dir, 'store.snapshot');
  const logPath = join(dir, 'store.log');

  let snapshot: StoreReport['snapshot'] = { present: existsSync(snapshotPath) };
  try {
    const snap = readSnapshot(snapshotPath);
    if (snap) {
      for (const e of snap.entries) entries.set(e.key, e);
      revision = snap.revision;
      snapshot = { present: true, entries: snap.entries.length, revision: snap.revision, legacy: snap.legacy };
    }
  } catch (err) {
    damaged = true;
    const salvaged = salvageSnapshot(snapshotPath);
    for (const e of salvaged) entries.set(e.key, e);
    revision = salvaged.reduce((max, e) => Math.max(max, e.revision), 0);
    snapshot = { present: true, entries: salvaged.length, revision, error: (err as Error).message };
  }

  const snapRevision = revision;
  const apply = (rec: LogRecord): void => {
    if (rec.r <= snapRevision) return;
    revision = Math.max(revision, rec.r);
    if (rec.d) entries.delete(rec.k);
    else entries.set(rec.k, { key: rec.k, value: rec.v, revision: rec.r });
  };
  let log: StoreReport['log'];
  try {
    const contents = readLog(logPath, true);
    contents.records.forEach(apply);
    contents.salvaged.forEach(apply);
    if (contents.fault?.nextRecordAt !== undefined) damaged = true;
    log = {
      present: existsSync(logPath),
      bytes: contents.size,
      records: contents.records.length,
      legacy: contents.legacy,
      ...(contents.fault ? { fault: contents.fault } : {}),
      recordsAfterFault: contents.salvaged.length,
    };
  } catch (err) {
    damaged = true;
    log = { present: true, bytes: 0, records: 0, legacy: false, recordsAfterFault: 0, error: (err as Error).message };
  }
  const verdict = damaged ? 'damaged' : log.fault ? 'torn-tail' : 'ok';
  return { report: { dir, verdict, snapshot, log, keys: entries.size, revision, holder: lockHolder(dir) }, entries };
}

/** The whole entries of a damaged snapshot (its trailer, if any, is ignored). */
function salvageSnapshot(path: string): StoreEntry[] {
  const buf = readFileSync(path);
  const magic = Buffer.byteLength(SNAPSHOT_MAGIC);
  const out: StoreEntry[] = [];
  const take = (payload: string): void => {
    try {
      const rec = JSON.parse(payload) as Partial<LogRecord>;
      if (typeof rec.k === 'string' && typeof rec.r === 'number') out.push({ key: rec.k, value: rec.v, revision: rec.r });
    } catch {
      // not an entry
    }
  };
  const { after } = walkFrames(buf, buf.subarray(0, magic).toString('latin1') === SNAPSHOT_MAGIC ? magic : 0, (f) => take(f.payload), true);
  for (const f of after) take(f.payload);
  return out;
}
