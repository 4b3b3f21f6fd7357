import { createServer } from 'node:net';
import { Code, TandemError } from '@tandem/protocol';
import { findMembers, LEASE_KEY, LeaderLease, NatsKvStore, RosterMembership } from '@tandem/store';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { NatsServer } from './support/nats.js';

// The leader lease and the fenced writer on one real nats-server (JetStream).
let server: NatsServer;
const opened: NatsKvStore[] = [];
const leases: LeaderLease[] = [];
let buckets = 0;

beforeAll(async () => {
  server = await NatsServer.start();
});

afterAll(async () => {
  for (const l of leases) l.close();
  for (const s of opened) await s.close().catch(() => undefined);
  await server?.dispose();
});

async function openPair(): Promise<[NatsKvStore, NatsKvStore]> {
  const bucket = `lease${++buckets}`;
  const a = await NatsKvStore.open({ servers: server.url, bucket, timeoutMs: 2_000, reconnectWaitMs: 100 });
  const b = await NatsKvStore.open({ servers: server.url, bucket, timeoutMs: 2_000, reconnectWaitMs: 100 });
  opened.push(a, b);
  return [a, b];
}

function lease(store: NatsKvStore, id: string, ttlMs = 1_000): LeaderLease {
  const l = new LeaderLease({ store, self: { id, grpc: `${id}:5050` }, ttlMs });
  leases.push(l);
  return l;
}

async function rejection(p: Promise<unknown>): Promise<TandemError> {
  try {
    await p;
  } catch (err) {
    return TandemError.from(err);
  }
  throw new Error('expected a rejection');
}

describe('LeaderLease on a real nats-server', () => {
  it('lease - one leader; the standby names it, and takes over at once when it releases', async () => {
    const [sa, sb] = await openPair();
    // A ttl longer than the test waits: only a release lets the standby in.
    const a = lease(sa, 'a', 3_000);
    const b = lease(sb, 'b', 3_000);
    await a.acquire();
    expect(a.leading()).toBe(true);
    expect(sa.atomicBatches).toBe(true);
    const contending = b.acquire();
    await vi.waitFor(() => expect(b.leader()?.id).toBe('a'), { timeout: 5_000 });
    expect(b.leading()).toBe(false);
    // The leader keeps it past its ttl by renewing.
    await new Promise((r) => setTimeout(r, 3_500));
    expect(a.leading()).toBe(true);
    expect(b.leading()).toBe(false);
    await sa.put('apps/x', { v: 1 });
    const released = Date.now();
    await a.release();
    await contending;
    expect(b.leading()).toBe(true);
    expect(Date.now() - released).toBeLessThan(1_000); // no ttl to wait out after a release
    expect((await sb.get<{ v: number }>('apps/x'))?.value).toEqual({ v: 1 });
    // The lease is not listed as data.
    expect((await sb.list('')).map((e) => e.key)).toEqual(['apps/x']);
    expect((await sb.get(LEASE_KEY))?.value).toMatchObject({ holder: { id: 'b' } });
  });

  it('lease - a holder that stops renewing loses it after its ttl; a write it sends afterwards fails on the server, and it steps down', async () => {
    const [sa, sb] = await openPair();
    const a = lease(sa, 'a');
    const b = lease(sb, 'b');
    await a.acquire();
    await sa.put('registry/k', { by: 'a' });
    // A paused process: no renewals, and its clock check still passes (it was checked just before the pause).
    (a as unknown as { renew: () => Promise<void> }).renew = async () => undefined;
    const frozen = vi.spyOn(a, 'leading').mockReturnValue(true);
    const took = Date.now();
    await b.acquire();
    expect(Date.now() - took).toBeGreaterThanOrEqual(1_000);
    const err = await rejection(sa.put('registry/k', { by: 'a, stale' }));
    expect(err.code).toBe(Code.Unavailable);
    expect(err.message).toMatch(/another process has written the bucket/);
    expect((await a.lost).code).toBe(Code.Unavailable);
    expect(a.phase).toBe('lost');
    expect(sa.failure()?.code).toBe(Code.Unavailable);
    frozen.mockRestore();
    expect(a.leading()).toBe(false);
    // Nothing of the stale write landed; the new leader writes on.
    expect((await sb.get<{ by: string }>('registry/k'))?.value).toEqual({ by: 'a' });
    await sb.put('registry/k', { by: 'b' });
    expect((await sb.get<{ by: string }>('registry/k'))?.value).toEqual({ by: 'b' });
  });

  it('lease - a leader whose window ran out refuses to write before sending anything', async () => {
    const [sa] = await openPair();
    const a = lease(sa, 'a', 600);
    await a.acquire();
    (a as unknown as { renew: () => Promise<void> }).renew = async () => undefined;
    // Bounded, so that a lease that never notices names its phase instead of timing out the test.
    const lost = await Promise.race([a.lost, new Promise<undefined>((r) => setTimeout(r, 10_000, undefined))]);
    expect(lost?.message ?? `still ${a.phase}, leading() = ${a.leading()}`).toMatch(/ran out before a renewal/);
    expect(a.leading()).toBe(false);
    const err = await rejection(sa.put('registry/k', 1));
    expect(err.code).toBe(Code.Unavailable);
  });

  it('fenced writes - one turn is one batch; a batch cut off halfway is finished by the next leader', async () => {
    const [sa, sb] = await openPair();
    const a = lease(sa, 'a');
    await a.acquire();
    await sa.put('apps/gone', 0);
    // One turn: three writes (a delete among them) and their revisions in order.
    const revs = await Promise.all([sa.put('apps/1', 1), sa.put('apps/2', 2), sa.delete('apps/gone')]);
    expect(revs[1]).toBe((revs[0] as number) + 1);
    expect(revs[2]).toBe(true);
    expect(await sa.delete('apps/never')).toBe(false);
    // A compare-and-set turn that fails writes none of its turn.
    const cur = (await sa.get('apps/1'))?.revision as number;
    const aborted = await Promise.allSettled([sa.put('apps/1', 10, { expectedRevision: cur - 1 }), sa.put('apps/3', 3)]);
    expect(aborted.map((r) => r.status)).toEqual(['rejected', 'rejected']);
    expect(await sa.get('apps/3')).toBeUndefined();
    expect(await sa.put('apps/1', 11, { expectedRevision: cur })).toBeGreaterThan(cur);

    // A batch record whose writes did not all land (the writer died between them): the next leader finishes it.
    await a.release();
    const raw = await NatsKvStore.open({ servers: server.url, bucket: sa.bucket, timeoutMs: 2_000 });
    opened.push(raw);
    const record = { ops: [{ k: 'apps/4', v: '4' }, { k: 'apps/1', v: '12' }, { k: 'apps/2' }] };
    await raw.put('_tandem/batch', record);
    await raw.put('apps/4', 4); // landed after the record; the other two did not
    const b = lease(sb, 'b');
    await b.acquire();
    expect((await sb.get('apps/4'))?.value).toBe(4);
    expect((await sb.get('apps/1'))?.value).toBe(12);
    expect(await sb.get('apps/2')).toBeUndefined();
  });

  it('fenced writes - turns queued behind a write in flight are grouped; a group whose batch record would be too big goes turn by turn', async () => {
    const bucket = `lease${++buckets}`;
    const store = await NatsKvStore.open({ servers: server.url, bucket, timeoutMs: 2_000, maxValueBytes: 2_000 });
    opened.push(store);
    const l = lease(store, 'a');
    await l.acquire();
    // Values that escape to twice their size inside a batch record: each turn's record fits, two do not.
    const quotes = '"'.repeat(200);
    const nextTurn = () => new Promise((r) => setImmediate(r));
    const writes: Promise<number>[] = [store.put('apps/x', 0)];
    await nextTurn();
    writes.push(store.put('apps/a1', quotes), store.put('apps/a2', quotes));
    await nextTurn();
    writes.push(store.put('apps/b1', quotes), store.put('apps/b2', quotes));
    const revisions = await Promise.all(writes);
    expect(new Set(revisions).size).toBe(5);
    for (const key of ['apps/a1', 'apps/a2', 'apps/b1', 'apps/b2']) expect((await store.get(key))?.value).toBe(quotes);
    // One turn whose record is bigger than a value: written in parts, and it lands whole.
    const big = Array.from({ length: 6 }, (_, i) => store.put(`apps/c${i}`, quotes));
    expect(new Set(await Promise.all(big)).size).toBe(6);
    for (let i = 0; i < 6; i++) expect((await store.get(`apps/c${i}`))?.value).toBe(quotes);
    expect(l.leading()).toBe(true);
  });

  it('fenced writes - a batch record in parts, cut off halfway, is finished by the next leader; parts of another batch are not taken for it', async () => {
    const [sa, sb] = await openPair();
    const a = lease(sa, 'a');
    await a.acquire();
    await a.release();
    const raw = await NatsKvStore.open({ servers: server.url, bucket: sa.bucket, timeoutMs: 2_000 });
    opened.push(raw);
    const text = JSON.stringify({
      ops: [
        { k: 'apps/p1', v: '"one"' },
        { k: 'apps/p2', v: '"two"' },
      ],
    });
    const rawPut = async (key: string, body: string) => {
      // Raw bytes as the fence writes them (not JSON-encoded again).
      const js = (raw as unknown as { js: { publish(s: string, d: string): Promise<unknown> } }).js;
      await js.publish(`$KV.${sa.bucket}.${key.replace(/\//g, '.')}`, body);
    };
    await rawPut('_tandem/batch/0', `7\n${text.slice(0, 20)}`);
    await rawPut('_tandem/batch/1', `7\n${text.slice(20)}`);
    await raw.put('_tandem/batch', { id: 7, parts: 2 });
    const b = lease(sb, 'b');
    await b.acquire();
    expect((await sb.get('apps/p1'))?.value).toBe('one');
    expect((await sb.get('apps/p2'))?.value).toBe('two');
    // A header whose parts belong to another batch (overwritten by a later one): nothing to finish.
    await b.release();
    await rawPut('_tandem/batch/0', `9\n${JSON.stringify({ ops: [{ k: 'apps/p3', v: '"three"' }] })}`);
    await raw.put('_tandem/batch', { id: 8, parts: 1 });
    const sc = await NatsKvStore.open({ servers: server.url, bucket: sa.bucket, timeoutMs: 2_000 });
    opened.push(sc);
    await lease(sc, 'c').acquire();
    expect(await sc.get('apps/p3')).toBeUndefined();
  });
});

/** A port nothing listens on. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as { port: number }).port;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

describe('RosterMembership on a real nats-server', () => {
  it('roster - joins in the background, is found, and leaves; with NATS away it keeps trying without failing anyone, and leaves at once', async () => {
    const away = new RosterMembership({ servers: `nats://127.0.0.1:${await closedPort()}`, bucket: 'roster-away', self: { id: 'm0', grpc: 'h0:1' } });
    await new Promise((r) => setTimeout(r, 300));
    expect(away.joined).toBe(false);
    await away.leave();

    const member = new RosterMembership({ servers: server.url, bucket: 'roster-here', self: { id: 'm1', grpc: 'h1:5050' } });
    await vi.waitFor(() => expect(member.joined).toBe(true), { timeout: 10_000 });
    expect(await findMembers(server.url, 'roster-here')).toEqual(['h1:5050']);
    await member.leave();
    expect(member.joined).toBe(false);
    await expect(findMembers(server.url, 'roster-here')).rejects.toThrow(/names no member/);
  });
});
