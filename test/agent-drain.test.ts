import { join } from 'node:path';
import { type InverseOffer, type Offer, taskInfo } from '@tandem/framework-sdk';
import type { Master } from '@tandem/master';
import { basicAuthorization, HttpAuth, parseAcls } from '@tandem/protocol';
import { afterEach, describe, expect, it } from 'vitest';
import { api, deploymentsDone, startApps, startAppsAgent, stopApps } from './support/apps.js';
import { cleanup, recorder, runCli, startDriver, startMaster, tempDir, waitFor } from './support/cluster.js';

// Issue #14, part 4: draining an agent (Operator.DrainAgent / ReactivateAgent) and the
// operator's kill and teardown (Operator.KillTask / TeardownFramework). A real master on
// a file registry, two agents (process containerizer), the apps framework and an SDK
// framework over gRPC; the operator's calls over HTTP (Basic credentials, ACLs) and the
// `tandem` CLI.

afterEach(cleanup);

const users = (): HttpAuth =>
  new HttpAuth({
    basic: [
      { user: 'ops', password: 'o-pw' },
      { user: 'intruder', password: 'i-pw' },
    ],
  });

/** Permissive ACLs that deny `intruder` draining, killing and tearing down (unauthenticated gRPC callers may). */
const acls = () =>
  parseAcls(
    JSON.stringify({
      permissive: true,
      drain_agents: [{ principals: { values: ['intruder'] }, agents: { type: 'NONE' } }],
      kill_tasks: [{ principals: { values: ['intruder'] }, framework_principals: { type: 'NONE' } }],
      teardown_frameworks: [{ principals: { values: ['intruder'] }, framework_principals: { type: 'NONE' } }],
    }),
    'drain test acls',
  );

// biome-ignore lint/suspicious/noExplicitAny: replies are the master's JSON, checked by assertion
async function http(master: Master, user: string, method: string, path: string, body?: unknown): Promise<{ status: number; body: any }> {
  const res = await fetch(`http://127.0.0.1:${master.httpPort}${path}`, {
    method,
    headers: { authorization: basicAuthorization(`${user}:${user[0]}-pw`), ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : undefined };
}

// biome-ignore lint/suspicious/noExplicitAny: as above
const agentJson = async (master: Master, agentId: string): Promise<any> =>
  // biome-ignore lint/suspicious/noExplicitAny: as above
  (await http(master, 'ops', 'GET', '/api/v1/state')).body.agents.find((a: any) => a.id === agentId);

describe('agent drain', () => {
  it('drain - the app instance moves to the other agent within the drain grace (not its own 60 s), the agent says DRAINED and gets no offers, also after a master restart; reactivate brings offers back; intruder is denied', async () => {
    const workDir = join(tempDir(), 'master');
    let master = await startMaster({ workDir, httpAuth: users(), acls: acls() });
    const port = master.grpcPort;
    const agentA = await startAppsAgent(master, { hostname: 'drain-a', cpus: 2, mem: 1024 });
    const agentB = await startAppsAgent(master, { hostname: 'drain-b', cpus: 2, mem: 1024 });
    await waitFor(() => agentA.agentId && agentB.agentId, 'both agents registered');
    const apps = await startApps(master);

    // One instance that ignores SIGTERM: only SIGKILL ends it, after its kill grace.
    const app = { id: '/drained', cmd: 'trap "" TERM; sleep 600', cpus: 0.1, mem: 32, instances: 1, taskKillGracePeriodSeconds: 60 };
    expect((await api(apps.url, 'POST', '/v2/apps', app)).status).toBe(201);
    await deploymentsDone(apps.url);
    const tasks = async () => (await api(apps.url, 'GET', '/v2/apps/drained/tasks')).body.tasks as { id: string; slaveId: string; state: string }[];
    const first = await waitFor(async () => (await tasks()).find((t) => t.state === 'TASK_RUNNING'), 'the instance running');
    const drained = first.slaveId;
    const other = drained === agentA.agentId ? agentB.agentId! : agentA.agentId!;

    // intruder may not drain: 403 naming the rule, and nothing changes.
    const denied = await http(master, 'intruder', 'POST', `/api/v1/agents/${drained}/drain`, { gracePeriodSeconds: 2 });
    expect(denied.status).toBe(403);
    expect(denied.body.message).toMatch(/may not drain_agents.*drain_agents\[0\]/);
    expect((await agentJson(master, drained)).status).toBe('ACTIVE');
    expect(master.drains.has(drained)).toBe(false);
    // A bad grace names the field.
    const bad = await http(master, 'ops', 'POST', `/api/v1/agents/${drained}/drain`, { gracePeriodSeconds: -1 });
    expect(bad.status).toBe(400);
    expect(bad.body.field).toBe('gracePeriodSeconds');
    expect(master.drains.has(drained)).toBe(false);

    // ops drains with a 2 s grace: the instance is killed within min(60 s, 2 s) and replaced on the other agent.
    const drain = await http(master, 'ops', 'POST', `/api/v1/agents/${drained}/drain`, { gracePeriodSeconds: 2 });
    expect(drain.status).toBe(200);
    expect(drain.body).toMatchObject({ drainInfo: { state: 'DRAIN_STATE_DRAINING', gracePeriodSeconds: 2, markGone: false }, tasksKilled: 1 });
    // Well under the task's own 60 s grace.
    const moved = await waitFor(
      async () => (await tasks()).find((t) => t.state === 'TASK_RUNNING' && t.slaveId === other),
      'the instance running on the other agent',
      40_000,
    );
    expect(moved.id).not.toBe(first.id);
    const old = await waitFor(() => [...master.completed.values()].find((t) => t.id === first.id), 'the old task completed');
    expect(old.state).toBe('TASK_KILLED');
    expect(old.status.reason).toBe('REASON_AGENT_DRAINING');
    await waitFor(async () => (await agentJson(master, drained)).status === 'DRAINED', 'the agent DRAINED');
    expect((await agentJson(master, drained)).drain).toMatchObject({ state: 'DRAINED', gracePeriodSeconds: 2, markGone: false });
    expect(master.state().agents?.find((a) => a.info?.id === drained)?.status).toBe('AGENT_DRAINED');

    // No offers of the drained agent: a new framework is offered the other agent only.
    const offersOnly = async (): Promise<Offer[]> => {
      const driver = await startDriver(master, { name: 'drain-watch' });
      const rec = recorder(driver);
      await waitFor(() => rec.offers.some((o) => o.agentId === other), 'an offer of the other agent');
      // Gone, so that the next watcher is offered what this one held.
      await driver.teardown();
      return rec.offers;
    };
    expect((await offersOnly()).filter((o) => o.agentId === drained)).toEqual([]);
    expect([...master.offers.values()].filter((o) => o.agentId === drained)).toEqual([]);

    // The drain is in the registry: a restarted master keeps the agent DRAINED and out of the offers.
    await master.stop();
    master = await startMaster({ workDir, port, httpAuth: users(), acls: acls() });
    await waitFor(() => master.agents.get(drained)?.phase === 'ACTIVE' && master.agents.get(other)?.phase === 'ACTIVE', 'both agents back');
    expect((await agentJson(master, drained)).status).toBe('DRAINED');
    const afterRestart = await offersOnly();
    expect(afterRestart.filter((o) => o.agentId === drained)).toEqual([]);

    // intruder may not reactivate; the CLI (an unauthenticated gRPC caller, allowed) reactivates: offers of it come back.
    expect((await http(master, 'intruder', 'POST', `/api/v1/agents/${drained}/reactivate`)).status).toBe(403);
    expect(master.drains.has(drained)).toBe(true);
    const cli = await runCli(['agents', 'reactivate', drained, '--master', master.address]);
    expect(cli.stderr).toBe('');
    expect(JSON.parse(cli.stdout)).toEqual({ agentId: drained, reactivated: true });
    const driver = await startDriver(master, { name: 'reactivated-watch' });
    const rec = recorder(driver);
    await waitFor(() => rec.offers.some((o) => o.agentId === drained), 'an offer of the reactivated agent');
    expect((await agentJson(master, drained)).status).toBe('ACTIVE');
    expect((await agentJson(master, drained)).drain).toBeUndefined();

    // The moved instance ignores SIGTERM for 60 s: without its framework, an operator kill with a short grace ends it at once.
    await stopApps(apps);
    expect((await http(master, 'ops', 'POST', `/api/v1/tasks/${moved.id}/kill`, { gracePeriodSeconds: 0.2 })).status).toBe(200);
    await waitFor(() => [...master.tasks.values()].every((t) => t.id !== moved.id || t.state === 'TASK_KILLED'), 'the moved instance killed');
  });

  it('drain - tandem agents drain --grace --mark-gone --wait follows the drain: its task killed, DRAINED, then gone; draining a gone or unknown agent is refused naming agent_id', async () => {
    const master = await startMaster();
    const agent = await startAppsAgent(master, { hostname: 'drain-gone', cpus: 1, mem: 512 });
    const id = await waitFor(() => agent.agentId, 'the agent registered');
    const notDraining = await fetch(`http://127.0.0.1:${master.httpPort}/api/v1/agents/${id}/reactivate`, { method: 'POST' });
    expect(await notDraining.json()).toEqual({ reactivated: false });
    const driver = await startDriver(master, { name: 'gone-fw' });
    const rec = recorder(driver);
    const offer = await waitFor(() => rec.offers[0], 'an offer');
    await driver.launch(offer, [taskInfo({ id: 't-gone', cpus: 0.1, mem: 32, argv: ['sleep', '300'] }, offer)]);
    await waitFor(() => rec.states('t-gone').includes('TASK_RUNNING'), 't-gone running');

    const cli = await runCli(['agents', 'drain', id, '--grace', '1.5s', '--mark-gone', '--wait', '--master', master.address]);
    // --wait returns once the agent is gone, its one task counted down on stderr.
    expect(JSON.parse(cli.stdout)).toMatchObject({ agentId: id, state: 'GONE', gracePeriodSeconds: 1.5, markGone: true, tasksKilled: 1 });
    expect(cli.stderr).toContain(`agent ${id}: 0 tasks still running`);
    expect(master.agents.has(id)).toBe(false);
    const killed = await waitFor(() => rec.updates.find((u) => u.taskId === 't-gone' && u.state === 'TASK_KILLED'), 't-gone killed');
    expect(killed.reason).toBe('REASON_AGENT_DRAINING');
    await waitFor(() => agent.state === 'stopped', 'the gone agent told to shut down');
    expect(master.drains.has(id)).toBe(false);
    const post = async (agentId: string) => {
      const res = await fetch(`http://127.0.0.1:${master.httpPort}/api/v1/agents/${agentId}/drain`, { method: 'POST' });
      return { status: res.status, body: (await res.json()) as { message: string; field: string } };
    };
    const again = await post(id);
    expect(again.status).toBe(409);
    expect(again.body).toMatchObject({ field: 'agent_id', message: expect.stringMatching(/was marked gone at .*nothing to drain/) });
    const reactivate = await fetch(`http://127.0.0.1:${master.httpPort}/api/v1/agents/${id}/reactivate`, { method: 'POST' });
    expect(reactivate.status).toBe(409);
    const unknown = await post('no-such-agent');
    expect(unknown.status).toBe(404);
    expect(unknown.body.field).toBe('agent_id');
  });
});

describe('maintenance', () => {
  it('maintenance - a framework with a task on an agent of an upcoming window gets an inverse offer and accepts it; at the window start the agent is drained, at its end offered again; a bad window changes nothing', async () => {
    const master = await startMaster();
    const agent = await startAppsAgent(master, { hostname: 'maint-host', cpus: 2, mem: 1024 });
    const id = await waitFor(() => agent.agentId, 'the agent registered');
    const driver = await startDriver(master, { name: 'maint' });
    const rec = recorder(driver);
    const inverse: InverseOffer[] = [];
    driver.onInverseOffers((list) => {
      inverse.push(...list);
    });
    const offer = await waitFor(() => rec.offers[0], 'an offer');
    rec.offers.splice(0);
    await driver.launch(offer, [taskInfo({ id: 't-maint', cpus: 0.1, mem: 32, argv: ['sleep', '300'] }, offer)]);
    await waitFor(() => rec.states('t-maint').includes('TASK_RUNNING'), 't-maint running');
    // biome-ignore lint/suspicious/noExplicitAny: replies are the master's JSON, checked by assertion
    const http = async (method: string, path: string, body?: unknown): Promise<{ status: number; body: any }> => {
      const res = await fetch(`http://127.0.0.1:${master.httpPort}${path}`, {
        method,
        ...(body === undefined ? {} : { headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) }),
      });
      return { status: res.status, body: await res.json() };
    };

    const now = Date.now() / 1000;
    const bad = await http('PUT', '/api/v1/maintenance/schedule', { windows: [{ agentIds: [id], start: now, durationSeconds: 0 }] });
    expect(bad.status).toBe(400);
    expect(bad.body.field).toBe('windows[0].duration_seconds');
    const twice = await http('PUT', '/api/v1/maintenance/schedule', {
      windows: [
        { agentIds: [id], start: now + 3600, durationSeconds: 60 },
        { agentIds: [id], start: now + 7200, durationSeconds: 60 },
      ],
    });
    expect(twice.status).toBe(400);
    expect(twice.body.field).toBe('windows[1].agent_ids[0]');
    expect((await http('GET', '/api/v1/maintenance/schedule')).body).toEqual({ windows: [] });

    // The window opens in 3 s and lasts 3 s.
    const start = Math.ceil(now) + 3;
    const set = await http('PUT', '/api/v1/maintenance/schedule', { windows: [{ agentIds: [id], start, durationSeconds: 3 }] });
    expect(set.status).toBe(200);
    expect(set.body).toEqual({ windows: [{ agentIds: [id], start, durationSeconds: 3 }] });

    const io = await waitFor(() => inverse.find((o) => o.agentId === id), 'an inverse offer for the agent');
    // Offers of the agent name its unavailability from now on.
    await driver.revive();
    const marked = await waitFor(() => rec.offers.find((o) => o.agentId === id && o.unavailability), 'an offer naming the unavailability');
    expect(marked.unavailability).toMatchObject({ start, durationSeconds: 3 });
    expect(io.unavailability).toMatchObject({ start, durationSeconds: 3 });
    await driver.acceptInverseOffers(io.id);
    const status = (await http('GET', '/api/v1/maintenance/status')).body;
    expect(status.agents).toHaveLength(1);
    expect(status.agents[0]).toMatchObject({ agentId: id, inverseOffers: [{ inverseOfferId: io.id, frameworkId: driver.frameworkId, status: 'ACCEPTED' }] });

    // At the start: drained (the task killed for it, no offers); at the end: offered again.
    await waitFor(() => rec.updates.find((u) => u.taskId === 't-maint' && u.state === 'TASK_KILLED'), 't-maint killed at the window start', 20_000);
    expect(rec.updates.find((u) => u.taskId === 't-maint' && u.state === 'TASK_KILLED')?.reason).toBe('REASON_AGENT_DRAINING');
    expect(master.drains.get(id)?.maintenanceUntil).toBe(start + 3);
    expect(rec.offers.filter((o) => o.agentId === id)).toEqual([]);
    await waitFor(() => !master.drains.has(id), 'the agent reactivated at the window end', 20_000);
    await waitFor(() => rec.offers.some((o) => o.agentId === id), 'an offer of the agent again');
    const cli = await runCli(['maintenance', 'schedule', '--clear', '--master', master.address]);
    expect(cli.stderr).toBe('');
    expect(JSON.parse(cli.stdout)).toEqual({ windows: [] });
  });
  it('maintenance - the apps framework accepts the inverse offer of an agent whose window is ahead, places no new instance there (AgentMaintenance in /v2/queue), and uses it again once the window is cancelled', async () => {
    const master = await startMaster();
    const agentA = await startAppsAgent(master, { hostname: 'mw-a', cpus: 2, mem: 1024 });
    const agentB = await startAppsAgent(master, { hostname: 'mw-b', cpus: 2, mem: 1024 });
    const [a, b] = await waitFor(() => (agentA.agentId && agentB.agentId ? [agentA.agentId, agentB.agentId] : undefined), 'both agents registered');
    const apps = await startApps(master);
    const base = `http://127.0.0.1:${master.httpPort}`;
    const tasksOf = async (app: string) =>
      (await api(apps.url, 'GET', `/v2/apps/${app}/tasks`)).body.tasks as { id: string; slaveId: string; host: string; state: string }[];

    // An instance on A, so that the apps framework has work there and gets A's inverse offer.
    const pinned = { id: '/pinned', cmd: 'sleep 600', cpus: 0.1, mem: 32, instances: 1, constraints: [['hostname', 'CLUSTER', 'mw-a']] };
    expect((await api(apps.url, 'POST', '/v2/apps', pinned)).status).toBe(201);
    await waitFor(async () => (await tasksOf('pinned')).some((t) => t.slaveId === a && t.state === 'TASK_RUNNING'), 'the pinned instance running on A');

    // A's window opens in 5 minutes, within the apps framework's default lead (600 s).
    const start = Math.ceil(Date.now() / 1000) + 300;
    const set = await api(base, 'PUT', '/api/v1/maintenance/schedule', { windows: [{ agentIds: [a], start, durationSeconds: 600 }] });
    expect(set.status).toBe(200);
    type MaintenanceStatus = { agents: { agentId: string; inverseOffers: { inverseOfferId: string; frameworkId: string; status: string }[] }[] };
    const accepted = await waitFor(async () => {
      const status = (await api<MaintenanceStatus>(base, 'GET', '/api/v1/maintenance/status')).body;
      const forA = status.agents.find((s) => s.agentId === a)?.inverseOffers ?? [];
      return forA.find((o) => o.frameworkId === apps.repo.frameworkId && o.status === 'ACCEPTED');
    }, "the apps framework's inverse offer for A accepted");
    expect(accepted.inverseOfferId).toBeTruthy();

    // Two instances, one per host: the first goes to B, the second waits, A's offers declined for maintenance.
    const spread = { id: '/spread', cmd: 'sleep 600', cpus: 0.1, mem: 32, instances: 2, constraints: [['hostname', 'UNIQUE']] };
    expect((await api(apps.url, 'POST', '/v2/apps', spread)).status).toBe(201);
    await waitFor(async () => (await tasksOf('spread')).some((t) => t.slaveId === b && t.state === 'TASK_RUNNING'), 'a spread instance running on B');
    type Unused = { offer: { agentId: string }; reason: string[]; details: string[] };
    type Queue = { queue: { app: { id: string }; lastUnusedOffers: Unused[] }[] };
    const declined = await waitFor(async () => {
      const entry = (await api<Queue>(apps.url, 'GET', '/v2/queue?embed=tandem')).body.queue.find((e) => e.app.id === '/spread');
      return entry?.lastUnusedOffers.find((u) => u.offer.agentId === a && u.reason.includes('AgentMaintenance'));
    }, "A's offer declined for maintenance in /v2/queue");
    expect(declined.reason).toEqual(['AgentMaintenance']);
    expect(declined.details[0]).toBe(`maintenance: the agent goes down at ${new Date(start * 1000).toISOString()} for 600 s`);
    expect((await tasksOf('spread')).map((t) => t.slaveId)).toEqual([b]);

    // The window cancelled: A's offers carry no unavailability and the waiting instance goes there.
    expect((await api(base, 'PUT', '/api/v1/maintenance/schedule', { windows: [] })).status).toBe(200);
    await waitFor(
      async () => (await tasksOf('spread')).some((t) => t.slaveId === a && t.state === 'TASK_RUNNING'),
      'the second spread instance running on A',
      20_000,
    );
  });
});

describe('operator kill and teardown', () => {
  it('kill - an operator kills a task (TASK_KILLED, REASON_KILLED_BY_OPERATOR) and tears a framework down with the CLI; intruder is denied and changes nothing; unknown ids are 404 naming the field', async () => {
    const master = await startMaster({ httpAuth: users(), acls: acls() });
    const agent = await startAppsAgent(master, { hostname: 'kill-host', cpus: 2, mem: 1024 });
    await waitFor(() => agent.agentId, 'the agent registered');
    const driver = await startDriver(master, { name: 'killed' });
    const rec = recorder(driver);
    const offer = await waitFor(() => rec.offers[0], 'an offer');
    rec.offers.splice(0);
    await driver.launch(offer, [
      taskInfo({ id: 't-op-kill', cpus: 0.1, mem: 32, argv: ['sleep', '300'] }, offer),
      taskInfo({ id: 't-torn', cpus: 0.1, mem: 32, argv: ['sleep', '300'] }, offer),
    ]);
    await waitFor(() => rec.states('t-op-kill').includes('TASK_RUNNING') && rec.states('t-torn').includes('TASK_RUNNING'), 'both tasks running');

    const denied = await http(master, 'intruder', 'POST', '/api/v1/tasks/t-op-kill/kill');
    expect(denied.status).toBe(403);
    expect(denied.body.message).toMatch(/may not kill_tasks/);
    const unknown = await http(master, 'ops', 'POST', '/api/v1/tasks/no-such-task/kill');
    expect(unknown.status).toBe(404);
    expect(unknown.body.field).toBe('task_id');
    expect(rec.states('t-op-kill')).not.toContain('TASK_KILLED');

    const cli = await runCli(['kill', 't-op-kill', '--master', master.address]);
    expect(cli.stderr).toBe('');
    expect(JSON.parse(cli.stdout)).toMatchObject({ taskId: 't-op-kill', frameworkId: driver.frameworkId, state: 'TASK_RUNNING', killed: true });
    await waitFor(() => rec.updates.find((u) => u.taskId === 't-op-kill' && u.state === 'TASK_KILLED'), 't-op-kill killed');
    expect(rec.updates.find((u) => u.taskId === 't-op-kill' && u.state === 'TASK_KILLED')?.reason).toBe('REASON_KILLED_BY_OPERATOR');
    expect(rec.states('t-torn')).not.toContain('TASK_KILLED');

    const fid = driver.frameworkId!;
    const deniedTeardown = await http(master, 'intruder', 'POST', `/api/v1/frameworks/${fid}/teardown`);
    expect(deniedTeardown.status).toBe(403);
    expect(master.frameworks.has(fid)).toBe(true);
    expect((await http(master, 'ops', 'POST', '/api/v1/frameworks/no-such-fw/teardown')).body.field).toBe('framework_id');
    const torn = await runCli(['frameworks', 'teardown', fid, '--master', master.address]);
    expect(torn.stderr).toBe('');
    expect(JSON.parse(torn.stdout)).toEqual({ frameworkId: fid, tasksKilled: 1 });
    expect(master.frameworks.has(fid)).toBe(false);
    await waitFor(() => [...master.completed.values()].find((t) => t.id === 't-torn' && t.state === 'TASK_KILLED'), 't-torn killed');
    expect((await http(master, 'ops', 'POST', `/api/v1/frameworks/${fid}/teardown`)).status).toBe(409);
  });
});
