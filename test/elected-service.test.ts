import type { RequestListener } from 'node:http';
import { ElectedService, type LeadingService } from '@tandem/service-ha';
import { LEASE_KEY, NatsKvStore, type Store } from '@tandem/store';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { waitFor } from './support/cluster.js';
import { NatsServer } from './support/nats.js';

// ElectedService on a real nats-server: a term per leadership, the service stopped the
// moment the lease is lost, a new lease on a new store after it, and a release on stop.
// The service is a recorder here (the test is about the election around it;
// test/apps-ha.test.ts and test/jobs-ha.test.ts run the real frameworks).

let server: NatsServer;
let buckets = 0;
const toStop: { stop(): Promise<void> }[] = [];

beforeAll(async () => {
  server = await NatsServer.start();
});

afterAll(async () => {
  for (const s of toStop.reverse()) await s.stop().catch(() => undefined);
  await server?.dispose();
});

/** A service that records its life and writes one key on the store it was given when it starts. */
class Recorder implements LeadingService {
  startedAt = 0;
  stoppedAt = 0;
  constructor(
    readonly store: Store,
    readonly name: string,
    private readonly failStart = false,
  ) {}
  async start(): Promise<void> {
    if (this.failStart) throw new Error(`${this.name} cannot start`);
    await this.store.put(`term/${this.name}`, Date.now());
    this.startedAt = performance.now();
  }
  async stop(): Promise<void> {
    this.stoppedAt ||= performance.now();
  }
  requestHandler(): RequestListener | undefined {
    return this.startedAt && !this.stoppedAt ? (_req, res) => res.end(this.name) : undefined;
  }
}

function elected(bucket: string, name: string, made: Recorder[], options: { ttlMs?: number; failStart?: boolean } = {}): ElectedService<Recorder> {
  const e = new ElectedService<Recorder>({
    servers: [server.url],
    bucket,
    replicas: 1,
    ttlMs: options.ttlMs ?? 1_000,
    storeTimeoutMs: 2_000,
    make: (store) => {
      const r = new Recorder(store, name, options.failStart);
      made.push(r);
      return r;
    },
  });
  toStop.push(e);
  return e;
}

const self = (name: string) => ({ id: `${name}/1`, http: `http://${name}:8080` });

describe('ElectedService on a real nats-server', () => {
  it('elected - one leads and runs its service; the other names it; an orderly stop releases the lease and the standby takes over at once', async () => {
    const bucket = `elected${++buckets}`;
    const madeA: Recorder[] = [];
    const madeB: Recorder[] = [];
    const a = elected(bucket, 'a', madeA, { ttlMs: 5_000 });
    const b = elected(bucket, 'b', madeB, { ttlMs: 5_000 });
    await a.start(self('a'));
    await waitFor(() => a.phase === 'leading', 'a to lead');
    await b.start(self('b'));
    await waitFor(() => b.leader()?.id === 'a/1', 'b to name a');
    expect(b.leading()).toBe(false);
    expect(b.handler()).toBeUndefined();
    expect(a.handler()).toBeDefined();
    expect(madeB).toHaveLength(0);

    const stopped = performance.now();
    await a.stop();
    expect(madeA[0]?.stoppedAt).toBeGreaterThan(0);
    await waitFor(() => b.phase === 'leading', 'b to lead');
    // Released, not lapsed: well within the 5 s ttl; and a's service stopped before b's started.
    expect(performance.now() - stopped).toBeLessThan(2_500);
    expect(madeB[0]!.startedAt).toBeGreaterThan(madeA[0]!.stoppedAt);
    expect(a.phase).toBe('stopped');
  });

  it('elected - a lost lease stops the service at once; the process contends again with a new lease and store, and a new term runs a new service', async () => {
    const bucket = `elected${++buckets}`;
    const made: Recorder[] = [];
    const a = elected(bucket, 'a', made);
    await a.start(self('a'));
    await waitFor(() => a.phase === 'leading', 'a to lead');
    const first = made[0]!;
    // Another writer on the bucket: the leader's next fenced write (its renewal) fails on the server.
    const raw = await NatsKvStore.open({ servers: server.url, bucket, timeoutMs: 2_000 });
    await raw.put('intruder', 1);
    await waitFor(() => first.stoppedAt > 0, 'the service to be stopped', 3_000, 10);
    expect(a.leading()).toBe(false);
    expect(a.handler()).toBeUndefined();
    // The old lease names a, unrenewed: it lapses after a ttl and a takes it again, as a new term.
    await waitFor(() => a.phase === 'leading' && made.length === 2, 'a new term', 6_000);
    expect(a.terms).toBe(2);
    expect(made[1]).not.toBe(first);
    expect(made[1]!.store).not.toBe(first.store);
    expect(first.stoppedAt).toBeLessThan(made[1]!.startedAt);
    // The new term's store is fenced and writes.
    expect(await made[1]!.store.put('after', 2)).toBeGreaterThan(0);
    await a.stop();
    expect(await raw.get(LEASE_KEY)).toBeUndefined();
    await raw.close();
  });

  it('elected - a service that fails to start is stopped and the lease released: another process leads', async () => {
    const bucket = `elected${++buckets}`;
    const madeA: Recorder[] = [];
    const madeB: Recorder[] = [];
    const a = elected(bucket, 'a', madeA, { failStart: true, ttlMs: 5_000 });
    await a.start(self('a'));
    await waitFor(() => madeA[0]?.stoppedAt, 'the failed service to be stopped');
    const b = elected(bucket, 'b', madeB, { ttlMs: 5_000 });
    await b.start(self('b'));
    await waitFor(() => b.phase === 'leading', 'b to lead', 3_000);
    expect(a.leading()).toBe(false);
  });
});
