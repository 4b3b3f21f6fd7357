import type { Master } from '@tandem/master';
import { Code, operatorClient, TandemError } from '@tandem/protocol';
import { NatsKvStore } from '@tandem/store';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { cleanup, recorder, runCli, startAgent, startDriver, startMaster, track, waitFor } from './support/cluster.js';
import { NatsServer } from './support/nats.js';

// Masters in high availability on one real nats-server: one leads (the lease), the others
// stand by and send every caller to it; a new leader reads the registry before it acts.
// Real masters over gRPC and HTTP on port 0; real SDK driver.

let nats: NatsServer;
let buckets = 0;

beforeAll(async () => {
  nats = await NatsServer.start();
});
afterAll(async () => {
  await nats?.dispose();
});
afterEach(cleanup);

const TTL_MS = 1_500;

/** `n` masters contending on one fresh bucket. */
async function haMasters(n: number, bucket = `master-ha-${++buckets}`): Promise<Master[]> {
  const masters: Master[] = [];
  for (let i = 0; i < n; i++) {
    const store = await NatsKvStore.open({ servers: nats.url, bucket, timeoutMs: 2_000, reconnectWaitMs: 100 });
    masters.push(await startMaster({ ha: { store, advertiseHost: '127.0.0.1', leaseTtlMs: TTL_MS } }));
  }
  return masters;
}

async function leaderOf(masters: Master[]): Promise<Master> {
  return waitFor(() => masters.find((m) => m.mayAct()), 'a leading master', 10_000);
}

function getState(address: string): Promise<unknown> {
  const client = operatorClient(address);
  track(() => client.close());
  return new Promise((resolve, reject) => {
    client.GetState({}, { deadline: new Date(Date.now() + 5_000) }, (err, res) => (err ? reject(TandemError.from(err)) : resolve(res)));
  });
}

describe('masters in HA on NATS', () => {
  it('master-ha - one leads; standbys answer gRPC with UNAVAILABLE naming the leader, HTTP with 307 to it, and /api/v1/leader names it everywhere', async () => {
    const masters = await haMasters(3);
    const leader = await leaderOf(masters);
    const standbys = masters.filter((m) => m !== leader);
    await waitFor(() => standbys.every((m) => m.leaderInfo().leader?.id === leader.masterId), 'standbys know the leader', 10_000);
    expect(masters.filter((m) => m.mayAct())).toHaveLength(1);

    // gRPC: the leader answers; a standby refuses, naming the leader in the trailer.
    await expect(getState(leader.address)).resolves.toBeTruthy();
    const refused = await getState(standbys[0]!.address).then(
      () => undefined,
      (e: TandemError) => e,
    );
    expect(refused?.code).toBe(Code.Unavailable);
    expect(refused?.leader).toBe(leader.address);
    expect(refused?.message).toMatch(/not the leading master/);

    // HTTP: every master answers /api/v1/leader; a standby sends the rest to the leader.
    for (const m of masters) {
      const body = (await (await fetch(`http://127.0.0.1:${m.httpPort}/api/v1/leader`)).json()) as {
        leader: { id: string; grpc: string; http: string };
        leading: boolean;
      };
      expect(body.leader).toEqual({ id: leader.masterId, grpc: leader.address, http: `http://127.0.0.1:${leader.httpPort}` });
      expect(body.leading).toBe(m === leader);
    }
    const redirect = await fetch(`http://127.0.0.1:${standbys[1]!.httpPort}/api/v1/state?x=1`, { redirect: 'manual' });
    expect(redirect.status).toBe(307);
    expect(redirect.headers.get('location')).toBe(`http://127.0.0.1:${leader.httpPort}/api/v1/state?x=1`);
    const followed = await fetch(`http://127.0.0.1:${standbys[1]!.httpPort}/api/v1/state`);
    expect(followed.status).toBe(200);
    const health = (await (await fetch(`http://127.0.0.1:${standbys[0]!.httpPort}/health`)).json()) as { status: string };
    expect(health.status).toBe('standby');

    // `tandem state` given every master, standbys first, reaches the leader.
    const list = [standbys[0]!.address, standbys[1]!.address, leader.address].join(',');
    const state = await runCli(['state', '--master', list]);
    expect(state.code, state.stderr).toBe(0);
    expect((JSON.parse(state.stdout) as { masterId: string }).masterId).toBe(leader.masterId);
  });

  it('master-ha - the leader stopped in order gives the lease up; a standby leads at once and reads the registry before it acts (frameworks with their failover_timeout)', async () => {
    const masters = await haMasters(2);
    const first = await leaderOf(masters);
    const second = masters.find((m) => m !== first) as Master;
    const driver = await startDriver(first, { framework: { name: 'ha-fw', failoverTimeoutSeconds: 321 } });
    const frameworkId = await waitFor(() => driver.frameworkId, 'subscribed');
    expect(first.frameworks.get(frameworkId)?.info.failoverTimeoutSeconds).toBe(321);
    await driver.stop();
    const stoppedAt = Date.now();
    await first.stop();
    await second.leading;
    expect(Date.now() - stoppedAt).toBeLessThan(TTL_MS); // no lapse to wait out
    // The registry came with the lease: the framework is known (inactive, waiting to fail over) with its timeout.
    expect(second.frameworks.get(frameworkId)?.info.failoverTimeoutSeconds).toBe(321);
  });

  it('master-ha - an agent drained on the leader is drained on the next one (the drain is in the registry), and offered there once reactivated', async () => {
    const masters = await haMasters(2);
    const first = await leaderOf(masters);
    const second = masters.find((m) => m !== first) as Master;
    const agent = await startAgent(first, { via: `${first.address},${second.address}`, containerizers: ['process'], hostname: 'ha-drained' });
    const agentId: string = await waitFor(
      () => (agent.agentId && first.agents.get(agent.agentId)?.phase === 'ACTIVE' ? agent.agentId : undefined),
      'the agent registered',
    );
    await first.drainAgent({ agentId, gracePeriodSeconds: 5, markGone: false });
    await waitFor(() => first.drains.get(agentId)?.drainedAt, 'the agent without tasks DRAINED');
    await first.stop();
    await second.leading;
    expect(second.drains.get(agentId)).toMatchObject({ gracePeriodSeconds: 5, markGone: false, drainedAt: expect.any(Number) });
    await waitFor(() => second.agents.get(agentId)?.phase === 'ACTIVE', 'the agent re-registered with the new leader');
    expect(second.state().agents?.find((a) => a.info?.id === agentId)?.status).toBe('AGENT_DRAINED');
    const rec = recorder(await startDriver(second, { name: 'ha-watch' }));
    expect([...second.offers.values()].filter((o) => o.agentId === agentId)).toEqual([]);
    await second.reactivateAgent(agentId);
    await waitFor(() => rec.offers.some((o) => o.agentId === agentId), 'an offer of the reactivated agent');
  });
});
