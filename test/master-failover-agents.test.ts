import { join } from 'node:path';
import type { Agent } from '@tandem/agent';
import { type Offer, type SchedulerDriver, type TaskStatus, taskInfo } from '@tandem/framework-sdk';
import type { Master } from '@tandem/master';
import { afterEach, describe, expect, it } from 'vitest';
import { api, deploymentsDone, privatePorts, startApps, startAppsAgent } from './support/apps.js';
import { cleanup, recorder, startAgent, startDriver, startMaster, tempDir, waitFor } from './support/cluster.js';

// A master restarted (same work dir, same port) while one agent stays away: until that
// agent re-registers, or agentReregisterTimeoutMs runs out, the master gives no verdict
// on its tasks, so no framework replaces them early or runs them twice. Real master,
// agents (process containerizer) and frameworks.

afterEach(cleanup);

const GAP_MS = 10_000;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** A master on a fresh work dir, and how to start it again on that dir and port. */
async function restartableMaster(options: Parameters<typeof startMaster>[0] = {}) {
  const workDir = join(tempDir(), 'master');
  const first = await startMaster({ workDir, ...options });
  const port = first.grpcPort;
  return {
    first,
    restart: async (more: Parameters<typeof startMaster>[0] = {}) => {
      await first.stop();
      return startMaster({ workDir, port, ...options, ...more });
    },
  };
}

/** An agent on its own work dir; `leave()` stops it with its tasks left running, `back(master)` starts it again on that dir. */
async function leavingAgent(master: Master, hostname: string) {
  const workDir = join(tempDir(), 'agent');
  const setup = { workDir, hostname, containerizers: ['process' as const], resources: `cpus:1;mem:512;disk:100;ports:${privatePorts()}` };
  const agent = await startAgent(master, setup);
  const id = await waitFor(() => [...master.agents.values()].find((a) => a.info.hostname === hostname)?.id, `${hostname} registered`);
  return { id, agent, leave: () => agent.stop(), back: (m: Master) => startAgent(m, setup) };
}

/** Launches a long task named `taskId` on the agent `agentId` from the driver's offers. */
async function launchOn(driver: SchedulerDriver, offers: Offer[], agentId: string, taskId: string): Promise<void> {
  const offer = await waitFor(() => offers.find((o) => o.agentId === agentId), `an offer of ${agentId}`);
  offers.splice(offers.indexOf(offer), 1);
  await driver.launch(offer, [taskInfo({ id: taskId, cpus: 0.1, mem: 32, argv: ['sleep', '300'] }, offer)]);
}

const runningOn = (updates: TaskStatus[], taskId: string, since: number) =>
  updates.find((u) => u.taskId === taskId && u.state === 'TASK_RUNNING' && u.timestamp * 1000 >= since);

describe('master restart with an agent away', () => {
  it('master-failover - no TASK_UNKNOWN for the tasks of an agent away 10 s (explicit and implicit reconciliation); back, they are RUNNING', async () => {
    const { first, restart } = await restartableMaster();
    const staying = await leavingAgent(first, 'staying');
    const away = await leavingAgent(first, 'away');
    const driver = await startDriver(first, { name: 'gap', dropStaleUpdates: false });
    const rec = recorder(driver);
    await launchOn(driver, rec.offers, staying.id, 't-staying');
    await launchOn(driver, rec.offers, away.id, 't-away');
    await waitFor(() => runningOn(rec.updates, 't-staying', 0) && runningOn(rec.updates, 't-away', 0), 'both tasks running');

    await away.leave();
    const master = await restart();
    await waitFor(() => master.agents.get(staying.id)?.phase === 'ACTIVE' && driver.state === 'subscribed', 'the staying agent and the framework back', 30_000);
    const gapStart = Date.now();
    const targets = [
      { taskId: 't-staying', agentId: staying.id },
      { taskId: 't-away', agentId: away.id },
    ];
    while (Date.now() - gapStart < GAP_MS) {
      await driver.reconcile(targets);
      await driver.reconcile([{ taskId: 't-away' }]);
      await driver.reconcile([]);
      await sleep(1_000);
    }
    // The staying agent's task was answered all along; the away one's never got a verdict.
    expect(
      rec.updates.filter((u) => u.taskId === 't-staying' && u.reason === 'REASON_RECONCILIATION' && u.timestamp * 1000 >= gapStart).length,
    ).toBeGreaterThan(5);
    expect(rec.updates.filter((u) => u.taskId === 't-away' && u.timestamp * 1000 >= gapStart)).toEqual([]);

    const back = await away.back(master);
    await waitFor(() => master.agents.get(away.id)?.phase === 'ACTIVE', 'the away agent re-registered', 30_000);
    const returned = Date.now();
    await driver.reconcile(targets);
    await waitFor(() => runningOn(rec.updates, 't-away', returned - 1_000), 't-away RUNNING after its agent returned');
    expect(back.tasks().find((t) => t.taskId === 't-away')?.phase).toBe('running');
    expect(rec.updates.filter((u) => u.state !== 'TASK_STAGING' && u.state !== 'TASK_STARTING' && u.state !== 'TASK_RUNNING')).toEqual([]);
  });

  it("master-failover - after a short agentReregisterTimeoutMs the absent agent's tasks are TASK_UNREACHABLE (never TASK_UNKNOWN); back, RUNNING again", async () => {
    const { first, restart } = await restartableMaster();
    const away = await leavingAgent(first, 'away');
    const driver = await startDriver(first, { name: 'timeout', dropStaleUpdates: false });
    const rec = recorder(driver);
    await launchOn(driver, rec.offers, away.id, 't-away');
    await waitFor(() => runningOn(rec.updates, 't-away', 0), 't-away running');

    await away.leave();
    const master = await restart({ agentReregisterTimeoutMs: 2_000 });
    await waitFor(() => driver.state === 'subscribed' && master.frameworks.get(driver.frameworkId!)?.stream, 'the framework back', 30_000);
    const unreachable = await waitFor(
      async () => {
        await driver.reconcile([{ taskId: 't-away', agentId: away.id }]);
        await sleep(250);
        return rec.updates.find((u) => u.taskId === 't-away' && u.state === 'TASK_UNREACHABLE');
      },
      'TASK_UNREACHABLE for t-away',
      30_000,
    );
    expect(unreachable.reason).toBe('REASON_RECONCILIATION');
    expect(rec.updates.some((u) => u.state === 'TASK_UNKNOWN')).toBe(false);

    const back = await away.back(master);
    const returned = Date.now();
    await waitFor(() => runningOn(rec.updates, 't-away', returned - 1_000), 't-away RUNNING once its agent is back');
    expect(back.tasks().find((t) => t.taskId === 't-away')?.phase).toBe('running');
  });

  it('master-failover - an app with inactiveAfterSeconds 1 never runs more than its instances while a master restart keeps one agent away 10 s', async () => {
    const { first, restart } = await restartableMaster();
    const one = await leavingAgent(first, 'one');
    const away = await leavingAgent(first, 'away');
    const apps = await startApps(first, { reconcileIntervalMs: 1_000 });
    const base = apps.url;
    const created = await api(base, 'POST', '/v2/apps', {
      id: '/svc',
      cmd: 'sleep 300',
      cpus: 0.1,
      mem: 32,
      instances: 2,
      portDefinitions: [],
      constraints: [['hostname', 'UNIQUE']],
      unreachableStrategy: { inactiveAfterSeconds: 1, expungeAfterSeconds: 2 },
    });
    expect(created.status).toBe(201);
    await deploymentsDone(base);
    await waitFor(async () => (await api(base, 'GET', '/v2/apps/svc')).body.app.tasksRunning === 2, 'two instances running');
    // Room for a replacement, were one started.
    const spare = await startAppsAgent(first, { hostname: 'spare' });

    const live = (agents: Agent[]) =>
      agents
        .flatMap((a) => a.tasks())
        .filter((t) => t.phase !== 'terminated')
        .map((t) => t.taskId);
    const awayTasks = live([away.agent]);
    expect(awayTasks).toHaveLength(1);
    let peak = 0;
    let sampling = true;
    let back: Agent | undefined;
    const sampler = (async () => {
      while (sampling) {
        // While away, its task runs on (the process outlives the stopped agent); back, the agent reports it.
        const n = live([one.agent, spare, ...(back ? [back] : [])]).length + (back ? 0 : awayTasks.length);
        peak = Math.max(peak, n);
        await sleep(100);
      }
    })();

    await away.leave();
    const master = await restart();
    await sleep(GAP_MS);
    back = await away.back(master);
    await waitFor(() => master.agents.get(away.id)?.phase === 'ACTIVE', 'the away agent re-registered', 30_000);
    // Past several reconciliations and ticks of the framework with every agent back.
    await sleep(4_000);
    sampling = false;
    await sampler;

    expect(peak).toBe(2);
    expect(
      back
        .tasks()
        .filter((t) => t.phase !== 'terminated')
        .map((t) => t.taskId),
    ).toEqual(awayTasks);
    const app = (await api(base, 'GET', '/v2/apps/svc')).body.app;
    expect(app.tasksRunning).toBe(2);
  });
});
