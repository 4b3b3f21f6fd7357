import { afterEach, describe, expect, it } from 'vitest';
import { cleanup, track, waitFor } from '../support/cluster.js';
import type { NatsNode } from '../support/nats-cluster.js';
import { checkLaunches } from './support/checker.js';
import { startFaultRun } from './support/fault-run.js';
import { OutageMonitor } from './support/outage-monitor.js';

// Fault: NATS nodes die under the masters. One node lost (the leader of the masters'
// stream, KV_tandem-master): the quorum holds and a burst of launches completes. A second
// lost: no quorum, so writes must stop, not go wrong: the leader cannot renew its lease
// and steps down, no master leads, nothing is launched, and no task is lost. Both nodes
// restarted: a master leads again and the workload is whole.

afterEach(cleanup);

const LEASE_S = 2;
const TASKS = 40;
const STREAM = 'KV_tandem-master';

describe('fault suite: NATS nodes die', () => {
  it('fault - one NATS node killed (the stream leader): a launch burst completes; a second killed: no master leads and nothing goes wrong; both restarted: a master leads and every task RUNNING exactly once', async () => {
    const { cluster, driver, frameworkId, workload } = await startFaultRun({ name: 'fault-nats-loss', tasks: TASKS, cluster: { leaseTtlS: LEASE_S } });
    await workload.untilWhole(60_000);
    const monitor = new OutageMonitor(async () => (await cluster.whole()) !== undefined && driver.state === 'subscribed');
    track(() => monitor.stop());

    // One node down, the stream's leader: a new stream leader is elected, the masters reconnect.
    const first = await cluster.nats.streamLeader(STREAM);
    const firstAt = Date.now();
    await first.kill();
    workload.extend(TASKS);
    // The loss is felt when a write of the leader fails, and the stream needs a new leader (nats-server's raft election).
    await cluster.nats.streamLeader(STREAM, 30_000);
    await workload.untilWhole(60_000);
    await waitFor(
      async () => (await cluster.whole()) !== undefined && driver.state === 'subscribed',
      'a leader with both agents and the framework',
      30_000,
      100,
    );
    const burstS = (Date.now() - firstAt) / 1000;
    const firstOutageS = monitor.longestS(firstAt);

    // A second node down: no quorum. The leader cannot renew: it steps down and none leads.
    const second = [0, 1, 2].map((i) => cluster.nats.node(i)).find((n) => n.running) as NatsNode;
    const secondAt = Date.now();
    await second.kill();
    await waitFor(async () => (await Promise.all(cluster.masters.map((m) => cluster.view(m)))).every((v) => !v?.leading), 'no master to lead', 20_000, 50);
    const stoppedS = (Date.now() - secondAt) / 1000;
    // Launches asked for meanwhile wait (a framework cannot reach a leader); none leads for two leases.
    workload.extend(5);
    const until = Date.now() + 2 * LEASE_S * 1000;
    while (Date.now() < until) {
      const views = await Promise.all(cluster.masters.map((m) => cluster.view(m)));
      expect(views.filter((v) => v?.leading)).toEqual([]);
      await new Promise((r) => setTimeout(r, 200));
    }
    expect(workload.countIn('TASK_RUNNING')).toBe(2 * TASKS);

    // Both back: a master leads again (any that exited while it could not open its store is started again).
    const restartAt = Date.now();
    await first.restart();
    await second.restart();
    const restarted = await cluster.restartExited();
    await waitFor(() => cluster.whole(), 'a leader with both agents after the restart', 60_000, 100);
    await waitFor(() => driver.state === 'subscribed', 'the framework subscribed', 30_000, 20);
    const secondRecoveryS = (Date.now() - restartAt) / 1000;
    await monitor.stop();
    await workload.untilWhole(60_000);
    const wholeS = (Date.now() - restartAt) / 1000;

    // What was written before the outage is there: the framework and its failover timeout, read from the registry.
    const state = await waitFor(() => cluster.state(), 'the state of the leader');
    expect(state.frameworks.find((f) => f.id === frameworkId)).toMatchObject({ connected: true, failoverTimeoutSeconds: 600 });
    expect(driver.frameworkId).toBe(frameworkId);
    const verdict = checkLaunches(workload, state, frameworkId, {
      scenario: 'nats-node-loss',
      faults: 2,
      recoveryS: Math.max(firstOutageS, secondRecoveryS),
      wholeS,
    });
    process.stdout.write(
      `nats-node-loss: one node lost (${first.name}): longest outage ${firstOutageS.toFixed(1)} s, burst whole ${burstS.toFixed(1)} s; second lost (${second.name}): no leader after ${stoppedS.toFixed(1)} s; restarted: back ${secondRecoveryS.toFixed(1)} s, whole ${wholeS.toFixed(1)} s; masters that had exited: ${restarted.join(', ') || 'none'}\n`,
    );
    expect(verdict.problems).toEqual([]);
    expect(verdict).toMatchObject({ lost: 0, duplicated: 0, undelivered: 0 });
  }, 180_000);
});
