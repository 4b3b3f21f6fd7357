import { rmSync } from 'node:fs';
import { join } from 'node:path';
import type { Agent } from '@tandem/agent';
import { type Offer, type SchedulerDriver, type TaskInfoInit, type TaskStatus, taskInfo } from '@tandem/framework-sdk';
import type { Master } from '@tandem/master';
import type { OperatorEventInit } from '@tandem/protocol';
import { afterEach, describe, expect, it } from 'vitest';
import { api, deploymentsDone, privatePorts, startApps, startAppsAgent } from './support/apps.js';
import { cleanup, recorder, startAgent, startDriver, startMaster, tempDir, track, waitFor } from './support/cluster.js';
import { TcpProxy } from './support/tcp-proxy.js';

// Agents cut off from the master by a real TCP proxy (test/support/tcp-proxy.ts) between
// them: past the ping timeout (5 pings of 200 ms) their tasks are TASK_UNREACHABLE; healed,
// they re-register and the master reconciles them. Real master, agents (process
// containerizer), frameworks and apps framework over gRPC.

afterEach(cleanup);

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function proxyTo(master: Master): Promise<TcpProxy> {
  const proxy = await TcpProxy.start(master.address);
  track(() => proxy.close());
  return proxy;
}

/** An agent that dials the master through `proxy`, and its id once registered. */
async function agentVia(master: Master, proxy: TcpProxy, hostname: string) {
  const setup = {
    via: proxy.address,
    workDir: join(tempDir(), 'agent'),
    hostname,
    containerizers: ['process' as const],
    resources: `cpus:2;mem:1024;disk:100;ports:${privatePorts()}`,
  };
  const agent = await startAgent(master, setup);
  const id = await waitFor(() => [...master.agents.values()].find((a) => a.info.hostname === hostname && a.phase === 'ACTIVE')?.id, `${hostname} registered`);
  return { agent, id, setup };
}

/** Launches long tasks on agent `agentId` from one of the driver's offers. */
async function launchOn(driver: SchedulerDriver, offers: Offer[], agentId: string, taskIds: string[]): Promise<void> {
  const offer = await waitFor(() => offers.find((o) => o.agentId === agentId), `an offer of ${agentId}`);
  offers.splice(offers.indexOf(offer), 1);
  const tasks: TaskInfoInit[] = taskIds.map((id) => taskInfo({ id, cpus: 0.1, mem: 32, argv: ['sleep', '300'] }, offer));
  await driver.launch(offer, tasks);
}

const last = (updates: TaskStatus[], taskId: string) => updates.filter((u) => u.taskId === taskId).at(-1);

describe('agent partitions', () => {
  it("partition - a blackholed agent's tasks go TASK_UNREACHABLE past the ping timeout; healed, RUNNING again, and a task it lost meanwhile is TASK_GONE", async () => {
    const master = await startMaster();
    const proxy = await proxyTo(master);
    const { agent, id, setup } = await agentVia(master, proxy, 'partitioned');
    const driver = await startDriver(master, { name: 'partition' });
    const rec = recorder(driver);
    await launchOn(driver, rec.offers, id, ['t-keep', 't-lose']);
    await waitFor(() => last(rec.updates, 't-keep')?.state === 'TASK_RUNNING' && last(rec.updates, 't-lose')?.state === 'TASK_RUNNING', 'both tasks running');
    const losePid = Number(last(rec.updates, 't-lose')?.containerId);

    proxy.blackhole();
    await waitFor(
      () => last(rec.updates, 't-keep')?.state === 'TASK_UNREACHABLE' && last(rec.updates, 't-lose')?.state === 'TASK_UNREACHABLE',
      'both tasks TASK_UNREACHABLE',
    );
    expect(last(rec.updates, 't-keep')?.reason).toBe('REASON_AGENT_UNREACHABLE');
    expect(master.agents.get(id)?.phase).toBe('UNREACHABLE');

    // Meanwhile the agent restarts and finds one task gone (its process and checkpoint lost).
    await agent.stop();
    process.kill(-losePid, 'SIGKILL');
    rmSync(join(setup.workDir, 'meta', 'frameworks', driver.frameworkId!, 'tasks', 't-lose'), { recursive: true, force: true });
    const back = await startAgent(master, setup);
    const healedAt = Date.now();
    proxy.heal();

    await waitFor(
      () => last(rec.updates, 't-keep')?.state === 'TASK_RUNNING' && last(rec.updates, 't-lose')?.state === 'TASK_GONE',
      't-keep RUNNING, t-lose GONE',
    );
    // The master's RUNNING on re-registration; the restarted agent may also resend its own
    // unacknowledged RUNNING (REASON_NONE) before or after it, so it need not be the last.
    const rereg = rec.updates.find((u) => u.taskId === 't-keep' && u.state === 'TASK_RUNNING' && u.reason === 'REASON_AGENT_REREGISTERED');
    expect(rereg).toBeDefined();
    expect(last(rec.updates, 't-lose')?.reason).toBe('REASON_AGENT_REREGISTERED');
    expect(rereg!.timestamp * 1000).toBeGreaterThanOrEqual(healedAt - 1_000);
    expect(master.agents.get(id)?.phase).toBe('ACTIVE');
    // The same task, never launched again: the re-registered agent adopted it.
    expect(back.tasks().find((t) => t.taskId === 't-keep')?.phase).toBe('running');
    expect(rec.states('t-keep').filter((s) => s === 'TASK_UNREACHABLE')).toHaveLength(1);
  });

  it('partition - apps with inactiveAfterSeconds 1 replaces the unreachable instance, and kills the extra copy when the agent returns: exactly `instances` run', async () => {
    const master = await startMaster();
    // Started before the agents, so stopped after them: their last updates are acknowledged at cleanup.
    const apps = await startApps(master, { reconcileIntervalMs: 1_000 });
    const proxy = await proxyTo(master);
    const partitioned = await agentVia(master, proxy, 'partitioned');
    const steady = await startAppsAgent(master, { hostname: 'steady' });
    const base = apps.url;
    const created = await api(base, 'POST', '/v2/apps', {
      id: '/svc',
      cmd: 'sleep 300',
      cpus: 0.1,
      mem: 32,
      instances: 2,
      portDefinitions: [],
      constraints: [['hostname', 'UNIQUE']],
      unreachableStrategy: { inactiveAfterSeconds: 1, expungeAfterSeconds: 600 },
    });
    expect(created.status).toBe(201);
    await deploymentsDone(base);
    await waitFor(async () => (await api(base, 'GET', '/v2/apps/svc')).body.app.tasksRunning === 2, 'two instances running');
    const tasksOf = async () => (await api(base, 'GET', '/v2/apps/svc/tasks')).body.tasks as { id: string; host: string; state: string }[];
    const original = (await tasksOf()).find((t) => t.host === 'partitioned');
    expect(original).toBeDefined();
    // Room for the replacement.
    const spare = await startAppsAgent(master, { hostname: 'spare' });
    const live = (agents: Agent[]) =>
      agents
        .flatMap((a) => a.tasks())
        .filter((t) => t.phase !== 'terminated')
        .map((t) => t.taskId);

    proxy.blackhole();
    await waitFor(async () => (await tasksOf()).find((t) => t.id === original?.id)?.state === 'TASK_UNREACHABLE', 'apps sees the instance unreachable');
    await waitFor(() => live([spare]).length === 1, 'a replacement running on the spare agent');
    // The partitioned agent's process runs on meanwhile: three copies for a moment, as in Marathon.
    expect(live([partitioned.agent, steady, spare])).toHaveLength(3);

    proxy.heal();
    await waitFor(() => master.agents.get(partitioned.id)?.phase === 'ACTIVE', 'the partitioned agent back');
    await waitFor(async () => (await tasksOf()).find((t) => t.id === original?.id)?.state === 'TASK_RUNNING', 'apps sees the instance running again');
    await waitFor(() => live([partitioned.agent, steady, spare]).length === 2, 'the extra copy killed');
    await waitFor(async () => (await api(base, 'GET', '/v2/apps/svc')).body.app.tasksRunning === 2, 'apps counts two running');
    // The youngest (the replacement) went; the original instance stays (killSelection YOUNGEST_FIRST).
    expect(live([partitioned.agent])).toEqual([original?.id]);
    expect(live([spare])).toEqual([]);
    // And it stays at two over further ticks and reconciliations.
    await sleep(1_500);
    expect(live([partitioned.agent, steady, spare])).toHaveLength(2);
    expect((await tasksOf()).map((t) => t.state)).toEqual(['TASK_RUNNING', 'TASK_RUNNING']);
  });
});

describe('agent removal rate limit', () => {
  /** Three agents through one proxy, each running one task, and a log of the master's agentUnreachable events. */
  async function threeAgents(limit: { count: number; perMs: number }) {
    const master = await startMaster({ agentRemovalRateLimit: limit });
    // Started before the agents, so stopped after them: their last updates are acknowledged at cleanup.
    const driver = await startDriver(master, { name: 'rate-limit' });
    const rec = recorder(driver);
    const proxy = await proxyTo(master);
    const agents: Awaited<ReturnType<typeof agentVia>>[] = [];
    for (const name of ['a1', 'a2', 'a3']) agents.push(await agentVia(master, proxy, name));
    for (const [i, a] of agents.entries()) await launchOn(driver, rec.offers, a.id, [`t-${i + 1}`]);
    await waitFor(() => [1, 2, 3].every((i) => last(rec.updates, `t-${i}`)?.state === 'TASK_RUNNING'), 'three tasks running');
    /** Each agentUnreachable, with what the master held of the other agents at that moment. */
    const marks: { id: string; at: number; others: { id: string; phase: string; task: string | undefined }[]; waiting: number }[] = [];
    const taskOf = (agentId: string) => [...master.tasks.values()].find((t) => t.agentId === agentId)?.state;
    const stop = master.watch(
      (e: OperatorEventInit) => {
        const unreachable = e.agentUnreachable;
        if (!unreachable?.id) return;
        marks.push({
          id: unreachable.id,
          at: Date.now(),
          others: agents.filter((a) => a.id !== unreachable.id).map((a) => ({ id: a.id, phase: master.agents.get(a.id)?.phase ?? '', task: taskOf(a.id) })),
          waiting: master.agentsAwaitingRemoval,
        });
      },
      () => undefined,
    );
    track(stop);
    return { master, proxy, agents, rec, marks };
  }

  it('rate limit - three agents cut at once with 1 per 2 s are marked unreachable one at a time, 2 s apart; the others wait DISCONNECTED, their tasks not UNREACHABLE', async () => {
    const { proxy, agents, rec, marks } = await threeAgents({ count: 1, perMs: 2_000 });
    proxy.refuse();
    proxy.cut();
    await waitFor(() => marks.length === 3, 'three agents marked unreachable', 20_000);
    expect(new Set(marks.map((m) => m.id))).toEqual(new Set(agents.map((a) => a.id)));
    expect(marks[1]!.at - marks[0]!.at).toBeGreaterThanOrEqual(1_900);
    expect(marks[2]!.at - marks[1]!.at).toBeGreaterThanOrEqual(1_900);
    expect(marks.map((m) => m.waiting)).toEqual([2, 1, 0]);
    // When each was marked, those not marked yet were DISCONNECTED with their tasks still RUNNING.
    for (const [i, mark] of marks.entries()) {
      const notYet = mark.others.filter((o) => !marks.slice(0, i).some((m) => m.id === o.id));
      expect(notYet).toHaveLength(2 - i);
      for (const o of notYet) expect(o).toMatchObject({ phase: 'DISCONNECTED', task: 'TASK_RUNNING' });
    }
    // The framework learnt of them in the same order (its updates arrive over gRPC a moment after each mark).
    const order = await waitFor(() => {
      const seen = rec.updates.filter((u) => u.state === 'TASK_UNREACHABLE').map((u) => u.agentId);
      return seen.length >= 3 ? seen : undefined;
    }, 'the framework told of all three');
    expect(order).toEqual(marks.map((m) => m.id));
    // Healed, every one comes back with its task.
    proxy.heal();
    await waitFor(() => [1, 2, 3].every((i) => last(rec.updates, `t-${i}`)?.state === 'TASK_RUNNING'), 'the three tasks RUNNING again');
  });

  it('rate limit - an agent that comes back while it waits leaves the queue: it is never marked unreachable', async () => {
    const { master, proxy, agents, rec, marks } = await threeAgents({ count: 1, perMs: 60_000 });
    proxy.refuse();
    proxy.cut();
    await waitFor(() => marks.length === 1 && master.agentsAwaitingRemoval === 2, 'one agent marked, two waiting');
    const waiting = agents.filter((a) => a.id !== marks[0]!.id);
    for (const a of waiting) expect(master.agents.get(a.id)?.phase).toBe('DISCONNECTED');
    proxy.heal();
    await waitFor(() => master.agentsAwaitingRemoval === 0 && waiting.every((a) => master.agents.get(a.id)?.phase === 'ACTIVE'), 'the waiting agents back');
    // The marked one comes back too, and its task with it.
    await waitFor(() => master.agents.get(marks[0]!.id)?.phase === 'ACTIVE', 'the marked agent back');
    const unreachable = rec.updates.filter((u) => u.state === 'TASK_UNREACHABLE').map((u) => u.agentId);
    expect(unreachable).toEqual([marks[0]!.id]);
    expect(marks).toHaveLength(1);
    // The marked agent's task is RUNNING again once its re-registration's update arrives.
    await waitFor(() => [1, 2, 3].every((i) => last(rec.updates, `t-${i}`)?.state === 'TASK_RUNNING'), 'the three tasks RUNNING');
  });
});
