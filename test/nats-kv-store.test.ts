import { spawn } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { NatsKvStore, type NatsKvStoreOptions } from '@tandem/store';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { NatsServer } from './support/nats.js';

const REPO = join(dirname(fileURLToPath(import.meta.url)), '..');

// One real nats-server (JetStream, its own store dir and port) for this file; a missing
// nats-server fails here, naming how to install it.
let server: NatsServer;
const opened: NatsKvStore[] = [];
let buckets = 0;

beforeAll(async () => {
  server = await NatsServer.start();
});

afterAll(async () => {
  for (const s of opened) await s.close().catch(() => undefined);
  await server?.dispose();
});

async function open(options: Partial<NatsKvStoreOptions> = {}): Promise<NatsKvStore> {
  const store = await NatsKvStore.open({ servers: server.url, bucket: `t${++buckets}`, timeoutMs: 2_000, reconnectWaitMs: 100, ...options });
  opened.push(store);
  return store;
}

async function rejection(p: Promise<unknown>): Promise<{ code?: string; message: string }> {
  try {
    await p;
  } catch (err) {
    return err as { code?: string; message: string };
  }
  throw new Error('expected a rejection');
}

const AWKWARD = [
  'schedules/job.1/2026-12-06T11:16:08.000Z',
  'apps/app//web',
  'apps/app/with space',
  'apps/app/ünï=cödé',
  'apps/apple',
  '/leading',
  'trailing/',
  'a.b',
];

describe('NatsKvStore on a real nats-server', () => {
  it('nats kv - put, get, delete and list by prefix in key order, awkward keys included', async () => {
    const s = await open();
    expect(s.atomicBatches).toBe(false);
    const revs: number[] = [];
    for (const key of [...AWKWARD].reverse()) revs.push(await s.put(key, { key }));
    // Revisions are the bucket's: strictly increasing across keys.
    expect(revs).toEqual([...revs].sort((a, b) => a - b));
    expect(new Set(revs).size).toBe(revs.length);
    for (const key of AWKWARD) expect((await s.get<{ key: string }>(key))?.value).toEqual({ key });
    expect(await s.get('absent')).toBeUndefined();

    const sorted = (keys: string[]): string[] => [...keys].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
    expect((await s.list('')).map((e) => e.key)).toEqual(sorted(AWKWARD));
    expect((await s.list('apps/app/')).map((e) => e.key)).toEqual(sorted(['apps/app//web', 'apps/app/with space', 'apps/app/ünï=cödé']));
    expect((await s.list('apps/app')).map((e) => e.key)).toEqual(sorted(['apps/app//web', 'apps/app/with space', 'apps/app/ünï=cödé', 'apps/apple']));
    expect((await s.list('schedules/job.')).map((e) => e.key)).toEqual(['schedules/job.1/2026-12-06T11:16:08.000Z']);
    expect(await s.list('nothing/')).toEqual([]);
    const listed = await s.list('apps/apple');
    expect(listed).toEqual([{ key: 'apps/apple', value: { key: 'apps/apple' }, revision: expect.any(Number) }]);

    expect(await s.delete('apps/apple')).toBe(true);
    expect(await s.delete('apps/apple')).toBe(false);
    expect(await s.delete('never')).toBe(false);
    expect(await s.get('apps/apple')).toBeUndefined();
    expect((await s.list('apps/')).map((e) => e.key)).not.toContain('apps/apple');
    await expect(s.put('', 1)).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
  });

  it('nats kv - compare-and-set: create-if-absent, update at the revision, ABORTED on a stale one with nothing changed', async () => {
    const s = await open();
    const r1 = await s.put('registry/agents/a1', { v: 1 }, { expectedRevision: 0 });
    const stale = await rejection(s.put('registry/agents/a1', { v: 'x' }, { expectedRevision: 0 }));
    expect(stale.code).toBe('ABORTED');
    expect(stale.message).toContain('registry/agents/a1');
    expect(stale.message).toContain(`found ${r1}`);

    const r2 = await s.put('registry/agents/a1', { v: 2 }, { expectedRevision: r1 });
    expect(r2).toBeGreaterThan(r1);
    const old = await rejection(s.put('registry/agents/a1', { v: 'x' }, { expectedRevision: r1 }));
    expect(old).toMatchObject({ code: 'ABORTED' });
    expect(old.message).toMatch(/registry\/agents\/a1: expected revision \d+, found \d+/);
    expect(await s.get('registry/agents/a1')).toEqual({ key: 'registry/agents/a1', value: { v: 2 }, revision: r2 });

    // n on an absent key, and a revision of another key, are stale too.
    const other = await s.put('registry/agents/a2', 'b');
    await expect(s.put('registry/agents/a3', 'c', { expectedRevision: other })).rejects.toMatchObject({ code: 'ABORTED' });
    expect(await s.get('registry/agents/a3')).toBeUndefined();

    // A deleted key is absent again: revision 0 creates it, its old revision is stale.
    expect(await s.delete('registry/agents/a1')).toBe(true);
    await expect(s.put('registry/agents/a1', 'z', { expectedRevision: r2 })).rejects.toMatchObject({ code: 'ABORTED' });
    const r3 = await s.put('registry/agents/a1', { v: 3 }, { expectedRevision: 0 });
    expect((await s.get('registry/agents/a1'))?.revision).toBe(r3);

    // Two writers racing from one revision: exactly one wins.
    const results = await Promise.allSettled([1, 2, 3].map((n) => s.put('registry/agents/a1', { n }, { expectedRevision: r3 })));
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
    expect(results.filter((r) => r.status === 'rejected').map((r) => (r as PromiseRejectedResult).reason.code)).toEqual(['ABORTED', 'ABORTED']);
  });

  it('nats kv - a value over the limit is refused naming the key, never truncated', async () => {
    const s = await open({ maxValueBytes: 10_000 });
    const big = 'x'.repeat(20_000);
    const err = await rejection(s.put('apps/version/big/1', big));
    expect(err.code).toBe('INVALID_ARGUMENT');
    expect(err.message).toContain('apps/version/big/1');
    expect(err.message).toContain('10000');
    expect(await s.get('apps/version/big/1')).toBeUndefined();
    // Exactly at the limit (JSON bytes), with the compare-and-set header too, is accepted.
    const r = await s.put('apps/version/big/1', 'x'.repeat(9_998), { expectedRevision: 0 });
    await s.put('apps/version/big/1', 'y'.repeat(9_998), { expectedRevision: r });
    expect(((await s.get<string>('apps/version/big/1'))?.value ?? '').length).toBe(9_998);

    // The default limit follows the server's max_payload (1 MiB), less room for headers.
    const d = await open();
    expect(d.maxValueBytes).toBe(1024 * 1024 - 1024);
    await expect(d.put('k', 'y'.repeat(1024 * 1024))).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
    await expect(open({ maxValueBytes: 2 * 1024 * 1024 })).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
    // Reopening a bucket made with a smaller limit keeps the bucket's limit.
    const again = await open({ bucket: s.bucket });
    expect(again.maxValueBytes).toBe(10_000);
    await expect(again.put('apps/version/big/2', big)).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
  });

  it('nats kv - data survives closing and reopening the store, and restarting nats-server on its store dir', async () => {
    const bucket = `persist${++buckets}`;
    const a = await open({ bucket });
    const r = await a.put('frameworks/f1', { name: 'marathon' });
    await a.put('roles/weights', { dev: 2 });
    await a.close();
    const b = await open({ bucket });
    expect(await b.get('frameworks/f1')).toEqual({ key: 'frameworks/f1', value: { name: 'marathon' }, revision: r });
    await b.close();

    await server.stop();
    await server.start();
    const c = await open({ bucket });
    expect((await c.list('')).map((e) => [e.key, e.value])).toEqual([
      ['frameworks/f1', { name: 'marathon' }],
      ['roles/weights', { dev: 2 }],
    ]);
    // Compare-and-set continues from the revisions that survived.
    expect(await c.put('frameworks/f1', { name: 'm2' }, { expectedRevision: r })).toBeGreaterThan(r);
  });

  it('nats kv - with the server gone a write is UNAVAILABLE within the timeout; the store works again once it is back', async () => {
    const s = await open({ timeoutMs: 1_000 });
    const r = await s.put('agents/a', 1);

    // Frozen server: the socket stays open, the write is sent and never confirmed.
    await server.pause();
    try {
      const t0 = Date.now();
      const err = await rejection(s.put('agents/a', 2, { expectedRevision: r }));
      expect(Date.now() - t0).toBeLessThan(3_000);
      expect(err.code).toBe('UNAVAILABLE');
      expect(err.message).toContain('agents/a');
      expect(err.message).toMatch(/not confirmed/);
    } finally {
      server.resume();
    }
    // That write's outcome was unknown; it may have landed once the server resumed.
    const after = await s.get<number>('agents/a');
    expect([1, 2]).toContain(after?.value);

    // Stopped server: the client sees the socket close and refuses writes at once.
    await server.stop();
    const t1 = Date.now();
    await expect.poll(() => rejection(s.put('agents/b', 1)), { timeout: 5_000 }).toMatchObject({ code: 'UNAVAILABLE' });
    const err = await rejection(s.put('agents/b', 1));
    expect(Date.now() - t1).toBeLessThan(5_000);
    expect(err.message).toContain('agents/b');
    await expect(s.get('agents/a')).rejects.toMatchObject({ code: 'UNAVAILABLE' });
    expect(s.failure()).toBeUndefined(); // not permanent: it reconnects

    await server.start();
    await expect
      .poll(
        async () =>
          s.put('agents/b', 'back').then(
            () => 'ok',
            (e: { code?: string }) => e.code,
          ),
        { timeout: 10_000, interval: 100 },
      )
      .toBe('ok');
    expect((await s.get('agents/b'))?.value).toBe('back');
    expect(s.failure()).toBeUndefined();
  });

  it('nats kv - a connection closed for good is a permanent failure(): every later write refused with it', async () => {
    const s = await open({ timeoutMs: 1_000, reconnectWaitMs: 50, maxReconnectAttempts: 2 });
    await s.put('k', 1);
    await server.stop();
    try {
      await expect.poll(() => s.failure()?.code, { timeout: 10_000, interval: 50 }).toBe('UNAVAILABLE');
      expect(s.failure()?.message).toMatch(/closed for good/);
      await expect(s.put('k', 2)).rejects.toBe(s.failure());
    } finally {
      await server.start();
    }
    // Still refused once the server is back: the store must be reopened (a restart).
    await expect(s.put('k', 3)).rejects.toMatchObject({ code: 'UNAVAILABLE' });
  });

  it('nats kv - opening against no server is UNAVAILABLE naming it', async () => {
    const err = await rejection(NatsKvStore.open({ servers: 'nats://127.0.0.1:1', bucket: 'none', timeoutMs: 1_000 }));
    expect(err.code).toBe('UNAVAILABLE');
    expect(err.message).toContain('127.0.0.1:1');
  });

  it('nats kv - close() leaves no timer or socket: a process that opens, writes and closes exits by itself', async () => {
    const script = `
      import { NatsKvStore } from ${JSON.stringify(join(REPO, 'packages', 'store', 'dist', 'index.js'))};
      const s = await NatsKvStore.open({ servers: ${JSON.stringify(server.url)}, bucket: 'exit', timeoutMs: 2000 });
      await s.put('a/b', { ok: true });
      await s.list('a/');
      await s.close();
      console.log('closed');
    `;
    const child = spawn(process.execPath, ['--input-type=module', '-e', script], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (d) => {
      out += d;
    });
    child.stderr.on('data', (d) => {
      out += d;
    });
    const code = await new Promise<number | string>((resolve) => {
      const timer = setTimeout(() => {
        child.kill('SIGKILL');
        resolve('still running 10 s after close()');
      }, 10_000);
      child.once('exit', (c) => {
        clearTimeout(timer);
        resolve(c ?? -1);
      });
    });
    expect(code, out).toBe(0);
    expect(out).toContain('closed');
  });
});
