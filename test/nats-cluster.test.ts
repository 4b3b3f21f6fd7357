import { existsSync } from 'node:fs';
import { NatsKvStore } from '@tandem/store';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type NatsCluster, type NatsNode, startNatsCluster } from './support/nats-cluster.js';

// A real 3-node JetStream cluster on loopback (test/support/nats-cluster.ts) and the NATS
// KV store on a bucket with 3 replicas: what the HA deployment relies on. One node lost,
// writes go on; two lost, writes are refused rather than acknowledged; once they are back,
// every acknowledged write is there.

let cluster: NatsCluster;
const opened: NatsKvStore[] = [];

beforeAll(async () => {
  cluster = await startNatsCluster({ nodes: 3 });
});

afterAll(async () => {
  for (const s of opened) await s.close().catch(() => undefined);
  await cluster?.stop();
});

async function open(bucket: string): Promise<NatsKvStore> {
  const store = await NatsKvStore.open({ servers: cluster.servers, bucket, replicas: 3, timeoutMs: 1_500, reconnectWaitMs: 100 });
  opened.push(store);
  return store;
}

/** A put retried while it fails with UNAVAILABLE (the cluster electing a leader, the client reconnecting), up to `timeoutMs`. */
async function putWhenAvailable(store: NatsKvStore, key: string, value: unknown, timeoutMs = 20_000): Promise<number> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      return await store.put(key, value);
    } catch (err) {
      if ((err as { code?: string }).code !== 'UNAVAILABLE' || Date.now() > deadline) throw err;
      await new Promise((r) => setTimeout(r, 100));
    }
  }
}

/** Waits until every node holds the stream up to `seq`. */
async function caughtUp(stream: string, seq: number, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const held = await Promise.all([0, 1, 2].map(async (i) => (await cluster.node(i).streamState(stream))?.lastSeq ?? 0));
    if (held.every((h) => h >= seq)) return;
    if (Date.now() > deadline) throw new Error(`nodes hold ${stream} up to ${held.join(', ')}, not ${seq}, after ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

async function rejection(p: Promise<unknown>): Promise<{ code?: string; message: string }> {
  try {
    await p;
  } catch (err) {
    return err as { code?: string; message: string };
  }
  throw new Error('expected a rejection, the write was acknowledged');
}

describe('nats cluster (3 nodes, loopback)', () => {
  it('nats cluster - three nodes agree on a meta leader and hold a bucket with replicas 3', async () => {
    expect(cluster.urls).toHaveLength(3);
    expect(cluster.servers).toBe(cluster.urls.join(','));
    expect(new Set(cluster.urls).size).toBe(3);
    const leader = await cluster.waitForLeader();
    expect(['n1', 'n2', 'n3']).toContain(leader);

    const store = await open('replicated');
    const rev = await store.put('registry/agents/a1', { host: 'a1' });
    expect(await store.get('registry/agents/a1')).toEqual({ key: 'registry/agents/a1', value: { host: 'a1' }, revision: rev });
    // Every node holds the stream and names the same leader: three copies, not one.
    const states = await Promise.all([0, 1, 2].map((i) => cluster.node(i).streamState('KV_replicated')));
    const streamLeader = (await cluster.streamLeader('KV_replicated')).name;
    for (const s of states) expect(s).toMatchObject({ leader: streamLeader });
  });

  it('nats cluster - a frozen node (SIGSTOP) does not stop writes; resumed (SIGCONT), it catches up', async () => {
    const store = await open('frozen');
    await store.put('k/0', 0);
    // A follower the store is not connected to (frozen under the client, the write would wait out the ping timeout).
    const leader = await cluster.streamLeader('KV_frozen');
    let follower: NatsNode | undefined;
    for (const n of [0, 1, 2].map((i) => cluster.node(i))) {
      if (n !== leader && !(await n.clientNames()).includes('tandem-store-frozen')) follower = n;
    }
    if (!follower) throw new Error('no follower free of the store connection');
    const before = (await follower.streamState('KV_frozen'))?.lastSeq ?? 0;

    await follower.stop();
    // Frozen: it answers nothing, and the other two still make a quorum.
    expect(await follower.streamState('KV_frozen')).toBeUndefined();
    let last = 0;
    for (let i = 1; i <= 5; i++) last = await store.put(`k/${i}`, i);
    expect(last).toBeGreaterThan(before);

    follower.cont();
    await caughtUp('KV_frozen', last);
    expect((await follower.streamState('KV_frozen'))?.lastSeq).toBe(last);
  });

  it('nats cluster - one node killed, writes go on; two killed, writes fail UNAVAILABLE; restarted, every acknowledged write is readable', async () => {
    const store = await open('quorum');
    const acked = new Map<string, number>();
    const put = async (key: string, retry: boolean): Promise<void> => {
      const value = acked.size;
      await (retry ? putWhenAvailable(store, key, value) : store.put(key, value));
      acked.set(key, value);
    };

    for (let i = 0; i < 5; i++) await put(`ack/all/${i}`, false);

    // The bucket's leader crashes: the two left elect another and writes go on.
    const first = await cluster.streamLeader('KV_quorum');
    await first.kill();
    await put('ack/one-down/0', true);
    for (let i = 1; i < 5; i++) await put(`ack/one-down/${i}`, false);

    // Its successor crashes too: one node is no quorum, so no write may be acknowledged.
    const second = await cluster.streamLeader('KV_quorum');
    expect(second).not.toBe(first);
    await second.kill();
    for (let i = 0; i < 2; i++) {
      const err = await rejection(store.put(`unknown/${i}`, i));
      expect(err.code).toBe('UNAVAILABLE');
      expect(err.message).toContain(`unknown/${i}`);
    }

    // Both come back: writes work again, and nothing acknowledged is missing.
    await first.restart();
    await second.restart();
    await put('ack/healed/0', true);
    for (let i = 1; i < 5; i++) await put(`ack/healed/${i}`, false);
    expect(acked.size).toBe(15);
    // Reads are served by the stream's leader: each acknowledged write is there at once.
    for (const [key, value] of acked) expect((await store.get(key))?.value).toBe(value);
    // list() reads the keys through a consumer that a replica still catching up may serve
    // (it then lists fewer keys: seen here, reported), so it is checked once every node
    // holds the last write.
    const last = Math.max(...(await Promise.all([...acked.keys()].map(async (k) => (await store.get(k))?.revision ?? 0))));
    await caughtUp('KV_quorum', last);
    const listed = new Map((await store.list('ack/')).map((e) => [e.key, e.value]));
    expect(listed).toEqual(acked);
  });

  it('nats cluster - stop() ends every node and removes its directory; a node out of range is refused naming the index', async () => {
    expect(() => cluster.node(3)).toThrow(/index 3 is out of range/);
    for (const s of opened.splice(0)) await s.close();
    const pids = [0, 1, 2].map((i) => cluster.node(i).pid);
    expect(pids.every((p) => typeof p === 'number')).toBe(true);
    await cluster.stop();
    for (const pid of pids) expect(() => process.kill(pid as number, 0)).toThrow(/ESRCH/);
    expect(existsSync(cluster.dir)).toBe(false);
    await cluster.stop(); // idempotent
  });
});
