import { jetstream } from '@nats-io/jetstream';
import { connect } from '@nats-io/transport-node';
import { LeaderLease, NatsKvStore } from '@tandem/store';
import { afterEach, describe, expect, it } from 'vitest';
import { cleanup, track, waitFor } from '../../support/cluster.js';
import { NatsServer } from '../../support/nats.js';
import { LeaseWriters } from './lease-writers.js';

// The fault suite's proof that a deposed leader writes nothing must be able to fail: a
// write sent with the fencing token of a writer deposed by a take is reported; the new
// leader's own writes are not. Real nats-server, real LeaderLease.

afterEach(cleanup);

async function contender(url: string, id: string): Promise<{ store: NatsKvStore; lease: LeaderLease }> {
  const store = await NatsKvStore.open({ servers: url, bucket: 'tandem-master' });
  track(() => store.close());
  const lease = new LeaderLease({ store, self: { id }, ttlMs: 500 });
  track(() => lease.close());
  return { store, lease };
}

describe('fault suite: LeaseWriters', () => {
  it('lease-writers - reports a write sent after a take with the fencing token of the deposed writer, and none of the new leader', async () => {
    const server = await NatsServer.start();
    track(() => server.dispose());
    const a = await contender(server.url, 'a');
    await a.lease.acquire();
    const writers = await LeaseWriters.start([server.url]);
    track(() => writers.stop());
    const aLast = await a.store.put('frameworks/x', { n: 1 });

    // a is deposed without a word (closed, as if frozen): b takes the lease once it lapses.
    a.lease.close();
    const b = await contender(server.url, 'b');
    await b.lease.acquire();
    await b.store.put('frameworks/y', { n: 2 });
    // What a frozen a would send on resuming, had nothing stopped it: a write fenced on its last sequence.
    const nc = await connect({ servers: server.url });
    track(() => nc.close());
    await expect(jetstream(nc).publish('$KV.tandem-master.frameworks.x', '{"n":3}', { expect: { lastSequence: aLast } })).rejects.toThrow(
      /wrong last sequence/,
    );

    await waitFor(() => writers.takenAt('b') !== undefined && writers.sent.some((w) => w.expectedLastSeq === aLast), 'the writes seen');
    const stale = writers.staleAfterTake('b');
    expect(stale).toEqual([{ key: 'frameworks.x', holder: undefined, expectedLastSeq: aLast }]);
    expect(writers.leasesOf('a', writers.takenAt('b') as number)).toEqual([]);
    // The server refused it (its fencing header): nothing stale was accepted...
    expect(await writers.acceptedAfterTake('b')).toEqual([]);
    // ...and the check sees it when the same bytes do land after the take (here unfenced).
    await jetstream(nc).publish('$KV.tandem-master.frameworks.x', '{"n":3}');
    expect(await writers.acceptedAfterTake('b')).toEqual([{ key: 'frameworks.x', holder: undefined, expectedLastSeq: aLast }]);
  });
});
