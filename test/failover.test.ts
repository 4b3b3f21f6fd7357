import { SchedulerDriver, type TaskStatus, taskInfo } from '@tandem/framework-sdk';
import { afterEach, describe, expect, it } from 'vitest';
import { cleanup, startAgent, startMaster, track, waitFor } from './support/cluster.js';

// Framework failover on a real master and agent (process containerizer).

afterEach(cleanup);

async function frameworkWithTask(master: Awaited<ReturnType<typeof startMaster>>, failoverTimeoutSeconds: number) {
  const driver = new SchedulerDriver({ master: master.address, framework: { name: 'fo', failoverTimeoutSeconds } });
  await driver.start();
  const updates: TaskStatus[] = [];
  driver.onUpdate((s) => {
    updates.push(s);
  });
  const offer = (await driver.offers()[Symbol.asyncIterator]().next()).value![0]!;
  await driver.launch(offer, [taskInfo({ id: 'long', cpus: 0.1, mem: 32, argv: ['sleep', '1000'] }, offer)]);
  await waitFor(() => updates.some((u) => u.state === 'TASK_RUNNING'), 'the task running');
  return { driver, frameworkId: driver.frameworkId! };
}

describe('framework failover', () => {
  it('failover - a framework that re-subscribes within failover_timeout keeps its tasks', async () => {
    const master = await startMaster();
    const agent = await startAgent(master, { containerizers: ['process'] });
    const { driver, frameworkId } = await frameworkWithTask(master, 5);
    await driver.stop();
    await waitFor(() => master.state().frameworks?.find((f) => f.info?.id === frameworkId && !f.connected), 'the master seeing the disconnect');
    await new Promise((r) => setTimeout(r, 1_000));
    const again = new SchedulerDriver({ master: master.address, framework: { name: 'fo', id: frameworkId, failoverTimeoutSeconds: 5 } });
    track(() => again.stop());
    const updates: TaskStatus[] = [];
    again.onUpdate((s) => {
      updates.push(s);
    });
    await again.start();
    expect(again.frameworkId).toBe(frameworkId);
    await again.reconcile([]);
    const st = await waitFor(() => updates.find((u) => u.taskId === 'long' && u.reason === 'REASON_RECONCILIATION'), 'the reconciliation answer');
    expect(st.state).toBe('TASK_RUNNING');
    // Past the original timeout, the task still runs.
    await new Promise((r) => setTimeout(r, 5_000));
    expect(agent.tasks().find((t) => t.taskId === 'long')?.phase).toBe('running');
  });

  it("failover - a re-subscribed framework gets the updates its old instance left unacknowledged at once, not at the agent's next retry", async () => {
    const master = await startMaster();
    await startAgent(master, { containerizers: ['process'], statusRetryMs: { initial: 120_000, max: 120_000 } });
    const first = new SchedulerDriver({ master: master.address, framework: { name: 'fo', failoverTimeoutSeconds: 30 }, autoAcknowledge: false });
    track(() => first.stop());
    await first.start();
    const seen: TaskStatus[] = [];
    first.onUpdate((s) => {
      seen.push(s);
    });
    const offer = (await first.offers()[Symbol.asyncIterator]().next()).value![0]!;
    await first.launch(offer, [taskInfo({ id: 'unacked', cpus: 0.1, mem: 32, argv: ['sleep', '1000'] }, offer)]);
    const running = await waitFor(() => seen.find((u) => u.state === 'TASK_RUNNING'), 'RUNNING (left unacknowledged)');
    const frameworkId = first.frameworkId!;
    await first.stop();

    const again = new SchedulerDriver({ master: master.address, framework: { name: 'fo', id: frameworkId, failoverTimeoutSeconds: 30 } });
    track(() => again.stop());
    const updates: TaskStatus[] = [];
    again.onUpdate((s) => {
      updates.push(s);
    });
    await again.start();
    // The same update (same uuid), long before the agent's 120 s retry would send it.
    await waitFor(() => updates.find((u) => u.uuid === running.uuid), 'the resent RUNNING', 10_000);
  });

  it('failover - after failover_timeout the framework is removed and its tasks are killed', async () => {
    const master = await startMaster();
    const agent = await startAgent(master, { containerizers: ['process'] });
    const { driver, frameworkId } = await frameworkWithTask(master, 1);
    await driver.stop();
    await waitFor(() => master.state().completedTasks?.find((t) => t.info?.taskId === 'long' && t.state === 'TASK_KILLED'), 'the task killed', 20_000);
    expect(master.state().frameworks?.some((f) => f.info?.id === frameworkId)).toBe(false);
    await waitFor(() => !agent.tasks().some((t) => t.taskId === 'long' && t.phase !== 'terminated'), 'the agent to forget the task');
    // The removed framework may not come back under its id.
    const late = new SchedulerDriver({ master: master.address, framework: { name: 'fo', id: frameworkId }, reconnect: { initialMs: 50, maxMs: 100 } });
    track(() => late.stop());
    await expect(late.start()).rejects.toMatchObject({ code: 'PERMISSION_DENIED' });
  });
});
