import { access, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { componentLogger, type StatusUpdateInit, sleep, type TaskStatus } from '@tandem/protocol';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type StatusInput, StatusUpdateManager } from './status-update-manager.js';

const log = componentLogger('test');

interface Harness {
  sum: StatusUpdateManager;
  batches: StatusUpdateInit[][];
  sentAt: number[];
  done: string[];
  connected: { value: boolean };
}

let dir: string;
const logPath = (fid: string, tid: string): string => join(dir, fid, tid, 'updates.jsonl');

function harness(retry = { initialMs: 10_000, maxMs: 10_000 }): Harness {
  const batches: StatusUpdateInit[][] = [];
  const sentAt: number[] = [];
  const done: string[] = [];
  const connected = { value: true };
  const sum = new StatusUpdateManager({
    logPath,
    retry,
    send: (updates) => {
      if (!connected.value) return false;
      batches.push(updates);
      sentAt.push(Date.now());
      return true;
    },
    onTaskDone: (fid, tid) => done.push(`${fid}/${tid}`),
    logger: log,
  });
  return { sum, batches, sentAt, done, connected };
}

const input = (taskId: string, state: StatusInput['state'], frameworkId = 'fw-1'): StatusInput => ({ taskId, frameworkId, agentId: 'agent-1', state });
const statusesOf = (batch: StatusUpdateInit[] | undefined): TaskStatus[] => (batch ?? []).map((u) => u.status as TaskStatus);
const until = async (cond: () => boolean, ms = 2000): Promise<void> => {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error('condition not met in time');
    await sleep(5);
  }
};

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'tandem-sum-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('status update manager', () => {
  it('status update manager - stamps, checkpoints before sending, and batches updates ready in one tick', async () => {
    const h = harness();
    const [a, b] = await Promise.all([h.sum.update(input('t1', 'TASK_STARTING')), h.sum.update(input('t2', 'TASK_STARTING'))]);
    expect(a.uuid).toMatch(/^[0-9a-f-]{36}$/);
    expect(a.source).toBe('SOURCE_AGENT');
    expect(a.agentId).toBe('agent-1');
    expect(a.frameworkId).toBe('fw-1');
    expect(a.timestamp).toBeGreaterThan(1e9);
    // On disk before it is sent.
    expect(await readFile(logPath('fw-1', 't1'), 'utf8')).toContain(a.uuid);
    h.sum.resume();
    await until(() => h.batches.length > 0);
    expect(h.batches).toHaveLength(1);
    expect(
      statusesOf(h.batches[0])
        .map((s) => s.uuid)
        .sort(),
    ).toEqual([a.uuid, b.uuid].sort());
    await h.sum.close();
  });

  it("status update manager - pipelines a task's updates in order and takes their acks in any order", async () => {
    const h = harness();
    const s1 = await h.sum.update(input('t1', 'TASK_STARTING'));
    const s2 = await h.sum.update(input('t1', 'TASK_RUNNING'));
    h.sum.resume();
    await until(() => h.batches.length === 1);
    // Both written before the connection came up: one batch, oldest first.
    expect(statusesOf(h.batches[0]).map((s) => s.uuid)).toEqual([s1.uuid, s2.uuid]);
    expect(h.batches[0]?.map((u) => u.latestState)).toEqual(['TASK_RUNNING', 'TASK_RUNNING']);

    // A later update goes at once, without waiting for the earlier acks; only it is sent.
    const s3 = await h.sum.update(input('t1', 'TASK_FINISHED'));
    await until(() => h.batches.length === 2);
    expect(statusesOf(h.batches[1]).map((s) => s.uuid)).toEqual([s3.uuid]);

    // The terminal ack first: the stream stays until the older ones are acknowledged too.
    expect(await h.sum.acknowledge({ uuid: s3.uuid })).toBe(true);
    expect(await h.sum.acknowledge({ uuid: s1.uuid })).toBe(true);
    expect(h.done).toEqual([]);
    expect(h.sum.pending('fw-1', 't1').map((s) => s.uuid)).toEqual([s2.uuid]);
    expect(await h.sum.acknowledge({ uuid: s2.uuid })).toBe(true);
    expect(h.done).toEqual(['fw-1/t1']);
    expect(h.sum.idle).toBe(true);
    await sleep(20);
    expect(h.batches).toHaveLength(2);
    const lines = (await readFile(logPath('fw-1', 't1'), 'utf8')).trim().split('\n');
    expect(lines).toHaveLength(6);
    expect(lines.slice(3).map((l) => JSON.parse(l))).toEqual([
      { kind: 'ack', uuid: s3.uuid },
      { kind: 'ack', uuid: s1.uuid },
      { kind: 'ack', uuid: s2.uuid },
    ]);
    await h.sum.close();
  });

  it('status update manager - a retry resends every unacknowledged update of the task, oldest first', async () => {
    const h = harness({ initialMs: 40, maxMs: 40 });
    h.sum.resume();
    const s1 = await h.sum.update(input('t1', 'TASK_STARTING'));
    const s2 = await h.sum.update(input('t1', 'TASK_RUNNING'));
    await until(() => h.batches.flat().length >= 2);
    await h.sum.acknowledge({ uuid: s2.uuid });
    // The retry carries only what is still unacknowledged.
    await until(() => h.batches.flat().length >= 3, 3000);
    const resent = h.batches
      .flat()
      .slice(2)
      .map((u) => (u.status as TaskStatus).uuid);
    expect(new Set(resent)).toEqual(new Set([s1.uuid]));
    await h.sum.acknowledge({ uuid: s1.uuid });
    expect(h.sum.idle).toBe(true);
    await h.sum.close();
  });

  it('status update manager - resends an unacknowledged update with exponential backoff up to the max', async () => {
    const h = harness({ initialMs: 30, maxMs: 90 });
    h.sum.resume();
    const s = await h.sum.update(input('t1', 'TASK_RUNNING'));
    await until(() => h.batches.length >= 5, 3000);
    const gaps = h.sentAt.slice(1).map((t, i) => t - (h.sentAt[i] ?? 0));
    expect(gaps[0]).toBeGreaterThanOrEqual(25);
    expect(gaps[1]).toBeGreaterThanOrEqual(55);
    expect(gaps[2]).toBeGreaterThanOrEqual(85);
    expect(gaps[3]).toBeLessThan(90 + 60); // capped at max
    for (const b of h.batches) expect(statusesOf(b)[0]?.uuid).toBe(s.uuid);
    await h.sum.acknowledge({ uuid: s.uuid });
    const count = h.batches.length;
    await sleep(150);
    expect(h.batches.length).toBe(count);
    await h.sum.close();
  });

  it('status update manager - ignores acks for unknown uuids and duplicates', async () => {
    const h = harness();
    h.sum.resume();
    const s1 = await h.sum.update(input('t1', 'TASK_STARTING'));
    const s2 = await h.sum.update(input('t1', 'TASK_RUNNING'));
    expect(await h.sum.acknowledge({ uuid: 'no-such-uuid' })).toBe(false);
    expect(h.sum.pending('fw-1', 't1').map((s) => s.uuid)).toEqual([s1.uuid, s2.uuid]);
    expect(await h.sum.acknowledge({ uuid: s1.uuid })).toBe(true);
    expect(await h.sum.acknowledge({ uuid: s1.uuid })).toBe(false);
    expect(h.sum.pending('fw-1', 't1').map((s) => s.uuid)).toEqual([s2.uuid]);
    await h.sum.close();
  });

  it('status update manager - holds updates while disconnected and sends them all on resume', async () => {
    const h = harness();
    h.connected.value = false;
    const s = await h.sum.update(input('t1', 'TASK_RUNNING'));
    await sleep(20);
    expect(h.batches).toHaveLength(0);
    h.connected.value = true;
    h.sum.resume();
    await until(() => h.batches.length === 1);
    expect(statusesOf(h.batches[0])[0]?.uuid).toBe(s.uuid);
    // A reconnection resends what is unacknowledged at once, whatever its backoff.
    h.sum.pause();
    h.sum.resume();
    await until(() => h.batches.length === 2);
    await h.sum.close();
  });

  it('status update manager - keeps updates about uncheckpointable tasks in memory only', async () => {
    const h = harness();
    h.sum.resume();
    const s = await h.sum.update(input('../bad', 'TASK_ERROR'), { durable: false });
    await until(() => h.batches.length === 1);
    await expect(access(join(dir, 'fw-1'))).rejects.toThrow();
    await h.sum.acknowledge({ uuid: s.uuid });
    expect(h.done).toEqual([]);
    expect(h.sum.idle).toBe(true);
    await h.sum.close();
  });

  it('status update manager - recovers unacknowledged updates from the log, cutting off a torn last line', async () => {
    const first = harness();
    first.sum.resume();
    const s1 = await first.sum.update(input('t1', 'TASK_STARTING'));
    const s2 = await first.sum.update(input('t1', 'TASK_RUNNING'));
    const s3 = await first.sum.update(input('t1', 'TASK_KILLING'));
    await first.sum.acknowledge({ uuid: s1.uuid });
    await first.sum.close();
    // A crash in the middle of the next append.
    const path = logPath('fw-1', 't1');
    const good = await readFile(path, 'utf8');
    await writeFile(path, `${good}{"kind":"update","status":{"taskId":"t1","sta`);

    const second = harness();
    const replayed = await second.sum.recover('fw-1', 't1');
    expect(replayed.badLines).toBe(1);
    expect(replayed.pending.map((s) => s.uuid)).toEqual([s2.uuid, s3.uuid]);
    expect(replayed.latest?.uuid).toBe(s3.uuid);
    expect(replayed.terminalAcked).toBe(false);
    expect(await readFile(path, 'utf8')).toBe(good);
    expect(second.sum.latest('fw-1', 't1')?.state).toBe('TASK_KILLING');

    second.sum.resume();
    await until(() => second.batches.length === 1);
    expect(statusesOf(second.batches[0])[0]?.uuid).toBe(s2.uuid);
    expect(second.batches[0]?.[0]?.latestState).toBe('TASK_KILLING');
    // New updates append after the recovered ones, on a fresh line.
    const s4 = await second.sum.update(input('t1', 'TASK_KILLED'));
    await second.sum.acknowledge({ uuid: s2.uuid });
    await second.sum.acknowledge({ uuid: s3.uuid });
    await second.sum.acknowledge({ uuid: s4.uuid });
    expect(second.done).toEqual(['fw-1/t1']);
    await second.sum.close();

    const third = harness();
    const again = await third.sum.recover('fw-1', 't1');
    expect(again.badLines).toBe(0);
    expect(again.terminalAcked).toBe(true);
    expect(again.pending).toEqual([]);
    await third.sum.close();
  });

  it('status update manager - treats a missing log as empty', async () => {
    const h = harness();
    await mkdir(dirname(logPath('fw-1', 'gone')), { recursive: true });
    const replayed = await h.sum.recover('fw-1', 'gone');
    expect(replayed).toEqual({ pending: [], latest: undefined, terminalAcked: false, badLines: 0 });
    await h.sum.close();
  });
});
