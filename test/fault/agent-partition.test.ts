import { afterEach, describe, expect, it } from 'vitest';
import { cleanup, waitFor } from '../support/cluster.js';
import { checkLaunches } from './support/checker.js';
import { startFaultRun } from './support/fault-run.js';

// Fault: an agent is cut from every master (it reaches each through a TcpProxy of its own;
// all of them blackholed) past the ping timeout, then healed. Its tasks go UNREACHABLE
// (not a verdict: the framework must keep them, not launch them again elsewhere), and RUNNING
// again once the agent is back. Masters in HA on NATS, as in the rest of the suite.

afterEach(cleanup);

const LEASE_S = 2;
const TASKS = 60;

describe('fault suite: an agent is cut off', () => {
  it('fault - an agent cut from the masters past the ping timeout: its tasks go UNREACHABLE and are not launched again; healed, RUNNING again; every task RUNNING exactly once', async () => {
    // 1.6 cpus per agent: 32 tasks of 0.05 fit on each, so both agents hold some of the 60.
    const { cluster, frameworkId, workload } = await startFaultRun({
      name: 'fault-partition',
      tasks: TASKS,
      cluster: { leaseTtlS: LEASE_S, agentProxies: true, agentResources: 'cpus:1.6;mem:8192;disk:1024' },
    });
    await workload.untilWhole(60_000);

    const before = await waitFor(() => cluster.whole(), 'the state of the leader');
    const victim = cluster.agents[0];
    if (!victim) throw new Error('no agent');
    const victimId = before.agents.find((a) => a.hostname === 'fault-agent-1')?.id;
    const onVictim = before.tasks.filter((t) => t.agentId === victimId).length;
    expect(onVictim).toBeGreaterThan(0);

    const cutAt = Date.now();
    for (const link of cluster.masterLinksOf(victim)) link.blackhole();
    // Past the ping timeout (5 pings of 0.3 s) the leader marks it unreachable: its tasks are TASK_UNREACHABLE.
    await waitFor(() => workload.countIn('TASK_UNREACHABLE') === onVictim, `the ${onVictim} tasks of the cut agent UNREACHABLE`, 30_000, 50);
    const unreachableS = (Date.now() - cutAt) / 1000;
    const during = await waitFor(() => cluster.state(), 'the state of the leader');
    expect(during.agents.find((a) => a.id === victimId)?.status).toBe('UNREACHABLE');
    // UNREACHABLE is no verdict: nothing is launched in their place (the other agent has room for a few).
    expect(workload.relaunched()).toEqual([]);
    expect(workload.attempts.size).toBe(TASKS);

    const healedAt = Date.now();
    for (const link of cluster.masterLinksOf(victim)) link.heal();
    await waitFor(async () => (await cluster.whole())?.agents.find((a) => a.id === victimId)?.status === 'ACTIVE', 'the agent back, ACTIVE', 60_000, 100);
    const agentBackS = (Date.now() - healedAt) / 1000;
    await workload.untilWhole(60_000);
    const wholeS = (Date.now() - healedAt) / 1000;
    expect(workload.relaunched()).toEqual([]);
    expect(workload.attempts.size).toBe(TASKS);

    const state = await waitFor(() => cluster.state(), 'the state of the leader');
    expect(state.tasks.filter((t) => t.agentId === victimId && t.state === 'TASK_RUNNING')).toHaveLength(onVictim);
    const verdict = checkLaunches(workload, state, frameworkId, {
      scenario: 'agent-partition',
      faults: 1,
      recoveryS: agentBackS,
      wholeS,
    });
    process.stdout.write(
      `agent-partition: ${onVictim} tasks UNREACHABLE ${unreachableS.toFixed(1)} s after the cut; healed: agent back ${agentBackS.toFixed(1)} s, tasks RUNNING ${wholeS.toFixed(1)} s after the heal\n`,
    );
    expect(verdict.problems).toEqual([]);
    expect(verdict).toMatchObject({ lost: 0, duplicated: 0, undelivered: 0 });
  }, 150_000);
});
