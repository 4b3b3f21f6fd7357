import { afterEach, describe, expect, it } from 'vitest';
import { cleanup, waitFor } from '../support/cluster.js';
import { checkLaunches } from './support/checker.js';
import { startFaultRun } from './support/fault-run.js';

// Fault: SIGKILL the leading master while a framework launches 200 tasks. Three masters
// on a 3-node NATS cluster, two agents, all real processes; the framework (the SDK, given
// the list of masters) is the client whose view the checker compares with the cluster.

afterEach(cleanup);

const LEASE_S = 2;

describe('fault suite: the leading master dies', () => {
  it('fault - SIGKILL the leader during a burst of 200 launches: a standby leads within the lease, agents re-register, the framework re-subscribes with its id, 200 tasks RUNNING exactly once, no update lost', async () => {
    const { cluster, driver, frameworkId, workload } = await startFaultRun({ name: 'fault-launcher', tasks: 200, cluster: { leaseTtlS: LEASE_S } });

    // Mid-burst: some tasks launched, most not yet.
    await waitFor(() => workload.attempts.size >= 40, 'the burst to start', 30_000, 10);
    const old = await cluster.leader();
    const killedAt = Date.now();
    await old.master.kill();
    const next = await cluster.leader(20_000, old.id);
    const electedS = (Date.now() - killedAt) / 1000;
    // Recovered: both agents re-registered with the new leader, and the framework re-subscribed to it.
    const agentsBackS = await waitFor(
      async () => {
        const st = await cluster.state();
        return st && st.masterId === next.id && st.agents.filter((a) => a.status === 'ACTIVE').length === 2 ? (Date.now() - killedAt) / 1000 : undefined;
      },
      'both agents active on the new leader',
      60_000,
      100,
    );
    const resubscribedS = await waitFor(
      () => (driver.master === next.master.grpc && driver.state === 'subscribed' ? (Date.now() - killedAt) / 1000 : undefined),
      'the framework re-subscribed to the new leader',
      60_000,
      20,
    );
    await waitFor(() => workload.whole(), 'all 200 tasks RUNNING', 90_000, 100);
    const wholeS = (Date.now() - killedAt) / 1000;
    const state = await waitFor(() => cluster.state(), 'the state of the leader');
    expect(driver.frameworkId).toBe(frameworkId);
    expect(state.frameworks.find((f) => f.id === frameworkId)).toMatchObject({ connected: true, failoverTimeoutSeconds: 600 });
    // Nominally ttl + ttl/3 (the last renewal) + ttl/5 (a poll) ≈ 3 s; a loose bound that still catches an election waiting for something else.
    expect(electedS).toBeLessThan(LEASE_S * 5);

    const verdict = checkLaunches(workload, state, frameworkId, {
      scenario: 'sigkill-leading-master',
      faults: 1,
      recoveryS: Math.max(agentsBackS, resubscribedS),
      wholeS,
    });
    expect(verdict.problems).toEqual([]);
    expect(verdict).toMatchObject({ lost: 0, duplicated: 0, undelivered: 0 });
  }, 180_000);
});
