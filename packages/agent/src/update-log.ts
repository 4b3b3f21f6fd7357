import { open, readFile, truncate } from 'node:fs/promises';
import { isTerminal, type TaskStatus } from '@tandem/protocol';
import { appendLinesSynced } from './durable-files.js';

/** One line of a task's `updates.jsonl`: an update as sent, or the ack of one. */
export type UpdateLogRecord = { kind: 'update'; status: TaskStatus } | { kind: 'ack'; uuid: string };

/** What replaying a task's update log tells. */
export interface ReplayedUpdates {
  /** Updates not acknowledged yet, oldest first. */
  pending: TaskStatus[];
  /** The newest update written, acknowledged or not. */
  latest: TaskStatus | undefined;
  /** True when a terminal update was written and acknowledged: the task is done. */
  terminalAcked: boolean;
  /** Lines that could not be read (a torn last line is cut off and counted here). */
  badLines: number;
}

export function formatRecord(record: UpdateLogRecord): string {
  return JSON.stringify(record);
}

function parseRecord(line: string): UpdateLogRecord | undefined {
  try {
    const v = JSON.parse(line) as Partial<{ kind: unknown; status: unknown; uuid: unknown }>;
    if (v.kind === 'ack' && typeof v.uuid === 'string') return { kind: 'ack', uuid: v.uuid };
    if (v.kind === 'update' && typeof v.status === 'object' && v.status !== null) {
      const s = v.status as Partial<TaskStatus>;
      if (typeof s.uuid === 'string' && typeof s.state === 'string' && typeof s.taskId === 'string') {
        return { kind: 'update', status: v.status as TaskStatus };
      }
    }
  } catch {
    // fall through
  }
  return undefined;
}

/** Appends records and fsyncs before resolving. */
export async function appendRecords(path: string, records: readonly UpdateLogRecord[]): Promise<void> {
  await appendLinesSynced(path, records.map(formatRecord));
}

/**
 * Reads a task's update log. A last line cut short by a crash (no newline, or not JSON)
 * is dropped and the file truncated after the last good line, so the next append
 * starts on a fresh line. A missing file replays as empty.
 */
export async function replayUpdateLog(path: string): Promise<ReplayedUpdates> {
  let buf: Buffer;
  try {
    buf = await readFile(path);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') {
      return { pending: [], latest: undefined, terminalAcked: false, badLines: 0 };
    }
    throw err;
  }
  const updates: TaskStatus[] = [];
  const acked = new Set<string>();
  let badLines = 0;
  let pos = 0;
  let goodEnd = 0;
  while (pos < buf.length) {
    const nl = buf.indexOf(0x0a, pos);
    const end = nl === -1 ? buf.length : nl;
    const line = buf.subarray(pos, end).toString('utf8').trim();
    const record = nl === -1 ? undefined : line === '' ? null : parseRecord(line);
    if (record === undefined) {
      badLines++;
    } else {
      if (record?.kind === 'update') updates.push(record.status);
      if (record?.kind === 'ack') acked.add(record.uuid);
      goodEnd = end + 1;
    }
    pos = end + 1;
  }
  if (goodEnd < buf.length) await truncateTo(path, goodEnd);
  const latest = updates[updates.length - 1];
  const pending = updates.filter((u) => !acked.has(u.uuid));
  const terminalAcked = updates.some((u) => isTerminal(u.state) && acked.has(u.uuid));
  return { pending, latest, terminalAcked, badLines };
}

async function truncateTo(path: string, length: number): Promise<void> {
  await truncate(path, length);
  const fd = await open(path, 'r+');
  try {
    await fd.sync();
  } finally {
    await fd.close();
  }
}
