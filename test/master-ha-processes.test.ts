import { jetstreamManager } from '@nats-io/jetstream';
import { connect } from '@nats-io/transport-node';
import { findMembers } from '@tandem/store';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { cleanup, runCli, spawnTandem, type TandemProcess, waitFor } from './support/cluster.js';
import { type NatsCluster, startNatsCluster } from './support/nats-cluster.js';

// Three `tandem master` processes on a real 3-node NATS JetStream cluster (loopback). The
// leader is frozen with SIGSTOP past its lease: a standby takes over; resumed, the old
// leader writes nothing more (no renewal, no registry write) and stands by again.

let nats: NatsCluster;
beforeAll(async () => {
  nats = await startNatsCluster();
}, 60_000);
afterAll(async () => {
  await nats?.stop();
});
afterEach(cleanup);

const TTL_S = 2;

interface MasterProcess extends TandemProcess {
  grpc: string;
  http: string;
}

async function spawnMaster(): Promise<MasterProcess> {
  const p = spawnTandem(
    ['master', '--host', '127.0.0.1', '--port', '0', '--http-port', '0', '--store', nats.servers, '--lease-ttl', String(TTL_S), '--agent-ping-interval', '0.3'],
    'warn',
  );
  const m = await waitFor(() => /gRPC (127\.0\.0\.1:\d+), HTTP 127\.0\.0\.1:(\d+)/.exec(p.output()), 'the master to listen', 20_000);
  return { ...p, grpc: m[1] as string, http: `http://127.0.0.1:${m[2]}` };
}

interface LeaderView {
  leader: { id: string; grpc: string } | null;
  leading: boolean;
  self: string;
}

async function leaderView(m: MasterProcess): Promise<LeaderView | undefined> {
  try {
    return (await (await fetch(`${m.http}/api/v1/leader`, { signal: AbortSignal.timeout(1_000) })).json()) as LeaderView;
  } catch {
    return undefined;
  }
}

async function leading(masters: MasterProcess[]): Promise<{ master: MasterProcess; view: LeaderView } | undefined> {
  for (const master of masters) {
    const view = await leaderView(master);
    if (view?.leading) return { master, view };
  }
  return undefined;
}

/** The lease record as NATS holds it now: its holder and the (wall-clock) time of its last renewal. */
async function leaseRecord(): Promise<{ holder: { id: string }; renewedAt: string }> {
  const nc = await connect({ servers: nats.urls });
  try {
    const msg = await (await jetstreamManager(nc)).streams.getMessage('KV_tandem-master', { last_by_subj: '$KV.tandem-master._tandem.leader' });
    if (!msg) throw new Error('no lease record in NATS');
    return msg.json();
  } finally {
    await nc.close();
  }
}

/** The lease records in the master bucket's stream after `afterSeq`: who wrote each renewal. */
async function leaseWritersAfter(afterSeq: number): Promise<string[]> {
  const nc = await connect({ servers: nats.urls });
  try {
    const jsm = await jetstreamManager(nc);
    const info = await jsm.streams.info('KV_tandem-master');
    const holders: string[] = [];
    for (let seq = afterSeq + 1; seq <= info.state.last_seq; seq++) {
      const msg = await jsm.streams.getMessage('KV_tandem-master', { seq }).catch(() => null);
      if (!msg?.subject.endsWith('_tandem.leader') || msg.data.length === 0) continue;
      holders.push((msg.json() as { holder: { id: string } }).holder.id);
    }
    return holders;
  } finally {
    await nc.close();
  }
}

async function lastSeq(): Promise<number> {
  const nc = await connect({ servers: nats.urls });
  try {
    return (await (await jetstreamManager(nc)).streams.info('KV_tandem-master')).state.last_seq;
  } finally {
    await nc.close();
  }
}

describe('master processes in HA on a 3-node NATS cluster', () => {
  it('master-ha - a leader frozen (SIGSTOP) past its lease is replaced; resumed (SIGCONT), it writes nothing more and stands by again', async () => {
    const masters = [await spawnMaster(), await spawnMaster(), await spawnMaster()];
    const first = await waitFor(() => leading(masters), 'a leader', 20_000);
    const oldId = first.view.self;
    const others = masters.filter((m) => m !== first.master);
    await waitFor(async () => (await Promise.all(others.map(leaderView))).every((v) => v?.leader?.id === oldId), 'standbys name the leader');

    // A client given only the NATS servers finds every master, the leader first (the roster and the lease).
    const members = await waitFor(async () => {
      const found = await findMembers(nats.urls, 'tandem-master').catch(() => []);
      return found.length === 3 ? found : undefined;
    }, 'the three masters in the roster');
    expect(members[0]).toBe(first.master.grpc);
    expect(new Set(members)).toEqual(new Set(masters.map((m) => m.grpc)));
    const state = await runCli(['state', '--master', `nats://${nats.urls.map((u) => u.replace('nats://', '')).join(',')}`]);
    expect(state.code, state.stderr).toBe(0);
    expect((JSON.parse(state.stdout) as { masterId: string }).masterId).toBe(oldId);

    first.master.child.kill('SIGSTOP');
    // The frozen leader's last renewal that reached NATS.
    const lastRenewal = await leaseRecord();
    const second = await waitFor(() => leading(others), 'a new leader', 20_000, 100);
    expect(second.view.self).not.toBe(oldId);
    // A standby waits out a whole lease after the last renewal it saw, not earlier: its take
    // is written at least a ttl after that renewal. (Not measured from the freeze: the last
    // renewal may precede it by up to a renewal interval, and 1,494 ms was seen once.)
    const take = await waitFor(async () => {
      const r = await leaseRecord();
      return r.holder.id !== oldId ? r : undefined;
    }, 'the new holder in the lease');
    expect(lastRenewal.holder.id).toBe(oldId);
    expect(Date.parse(take.renewedAt) - Date.parse(lastRenewal.renewedAt)).toBeGreaterThanOrEqual(TTL_S * 1000 - 50);
    const takeover = await lastSeq();

    first.master.child.kill('SIGCONT');
    // Resumed, it knows at once its lease may have passed: it steps down and stands by.
    await waitFor(() => /steps down/.test(first.master.output()), 'the old leader to step down', 10_000);
    const back = await waitFor(async () => {
      const v = await leaderView(first.master);
      return v && !v.leading && v.leader?.id === second.view.self ? v : undefined;
    }, 'the old leader to stand by again, naming the new one');
    expect(back.self).not.toBe(oldId); // a new incarnation on the same ports
    // Let any timer of the old incarnation fire, then read what was written since the takeover.
    await new Promise((r) => setTimeout(r, TTL_S * 1000));
    const writers = await leaseWritersAfter(takeover);
    expect(writers.length).toBeGreaterThan(0); // the new leader renews
    expect(writers).not.toContain(oldId);
    expect(new Set(writers)).toEqual(new Set([second.view.self]));
    // Exactly one leader among the three.
    const views = await Promise.all(masters.map(leaderView));
    expect(views.filter((v) => v?.leading)).toHaveLength(1);
  }, 90_000);
});
