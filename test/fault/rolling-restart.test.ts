import { afterEach, describe, expect, it } from 'vitest';
import { cleanup, track, waitFor } from '../support/cluster.js';
import { checkLaunches } from './support/checker.js';
import { startFaultRun } from './support/fault-run.js';
import { OutageMonitor } from './support/outage-monitor.js';

// Fault: a rolling upgrade. Every process is stopped in order (SIGTERM) and started again,
// one at a time, waiting for the cluster to be healthy between steps: each NATS node, each
// master (the standbys first, the leader last) and each agent. A few launches are asked
// for at each step. The workload must be whole at the end; recovery_s is the longest
// outage (no leader, an agent not active with it, or the framework not subscribed).

afterEach(cleanup);

const LEASE_S = 2;
const TASKS = 40;
const PER_STEP = 5;

describe('fault suite: a rolling restart', () => {
  it('fault - restart every NATS node, every master (the leader last) and every agent in turn: the cluster heals after each step and every task RUNNING exactly once', async () => {
    const { cluster, driver, frameworkId, workload } = await startFaultRun({ name: 'fault-rolling', tasks: TASKS, cluster: { leaseTtlS: LEASE_S } });
    await workload.untilWhole(60_000);

    // A leader, every agent active with it, and the framework subscribed to it.
    const healthy = async (): Promise<boolean> => {
      const leader = await cluster.leading();
      if (!leader || driver.state !== 'subscribed' || driver.master !== leader.master.grpc) return false;
      return (await cluster.whole())?.masterId === leader.id;
    };
    const monitor = new OutageMonitor(healthy);
    track(() => monitor.stop());
    const startedAt = Date.now();
    const steps: { step: string; from: number; to: number }[] = [];
    const step = async (name: string, restart: () => Promise<void>): Promise<void> => {
      const at = Date.now();
      workload.extend(PER_STEP);
      await restart();
      await waitFor(healthy, `the cluster healthy after restarting ${name}`, 60_000, 100);
      await workload.untilWhole(60_000);
      steps.push({ step: name, from: at, to: Date.now() });
    };

    for (const i of [0, 1, 2]) {
      const node = cluster.nats.node(i);
      await step(`nats ${node.name}`, () => node.restart());
    }
    const leader = await cluster.leader();
    for (const master of [...cluster.masters.filter((m) => m !== leader.master), leader.master]) {
      await step(master.name, () => master.restart('terminate'));
    }
    for (const agent of cluster.agents) await step(agent.name, () => agent.restart('terminate'));
    await monitor.stop();

    const exited = cluster.masters.filter((m) => /stepped down|cannot (open|connect)/.test(m.output())).map((m) => m.name);
    const state = await waitFor(() => cluster.state(), 'the state of the leader');
    expect(state.frameworks.find((f) => f.id === frameworkId)).toMatchObject({ connected: true, failoverTimeoutSeconds: 600 });
    expect(driver.frameworkId).toBe(frameworkId);
    const verdict = checkLaunches(workload, state, frameworkId, {
      scenario: 'rolling-restart',
      faults: steps.length,
      recoveryS: monitor.longestS(startedAt),
      wholeS: (Date.now() - startedAt) / 1000,
    });
    // Per step: how long it took (the restart and the launches asked for), and its longest outage.
    const outageIn = (from: number, to: number): number =>
      Math.max(
        0,
        ...monitor
          .spans(from)
          .filter((o) => o.from < to)
          .map((o) => (Math.min(o.to, to) - Math.max(o.from, from)) / 1000),
      );
    const report = steps.map((s) => `${s.step} ${((s.to - s.from) / 1000).toFixed(1)} s (outage ${outageIn(s.from, s.to).toFixed(1)} s)`);
    process.stdout.write(`rolling-restart: ${report.join(', ')}; masters that stepped down: ${exited.join(', ') || 'none'}\n`);
    expect(verdict.problems).toEqual([]);
    expect(verdict).toMatchObject({ lost: 0, duplicated: 0, undelivered: 0 });
  }, 240_000);
});
