import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Agent } from '@tandem/agent';
import { type Offer, type SchedulerDriver, type TaskStatus, taskInfo } from '@tandem/framework-sdk';
import type { Master } from '@tandem/master';
import { type MarkAgentGoneResponse, operatorClient, TandemError } from '@tandem/protocol';
import { afterEach, describe, expect, it } from 'vitest';
import { privatePorts } from './support/apps.js';
import { cleanup, recorder, runCli, spawnTandem, startAgent, startDriver, startMaster, tempDir, track, waitFor } from './support/cluster.js';
import { TcpProxy } from './support/tcp-proxy.js';

// Operator.MarkAgentGone (Mesos' MARK_AGENT_GONE): the agent's tasks become
// TASK_GONE_BY_OPERATOR, a live agent is told to shut down, and the id may never register
// again, also after a master restart. Real master, agents (process containerizer) and a
// framework over gRPC.

afterEach(cleanup);

/** Operator.MarkAgentGone over gRPC. */
async function markGone(master: Master, agentId: string): Promise<MarkAgentGoneResponse> {
  const client = operatorClient(master.address);
  try {
    return await new Promise<MarkAgentGoneResponse>((resolve, reject) =>
      client.MarkAgentGone({ agentId }, { deadline: Date.now() + 10_000 }, (err, res) => (err ? reject(TandemError.from(err)) : resolve(res!))),
    );
  } finally {
    client.close();
  }
}

function agentSetup(hostname: string, workDir = join(tempDir(), 'agent')) {
  return { workDir, hostname, containerizers: ['process' as const], resources: `cpus:2;mem:1024;disk:100;ports:${privatePorts()}` };
}

async function registered(master: Master, hostname: string): Promise<string> {
  return waitFor(() => [...master.agents.values()].find((a) => a.info.hostname === hostname && a.phase === 'ACTIVE')?.id, `${hostname} registered`);
}

async function launchOn(driver: SchedulerDriver, offers: Offer[], agentId: string, taskId: string): Promise<void> {
  const offer = await waitFor(() => offers.find((o) => o.agentId === agentId), `an offer of ${agentId}`);
  offers.splice(offers.indexOf(offer), 1);
  await driver.launch(offer, [taskInfo({ id: taskId, cpus: 0.1, mem: 32, argv: ['sleep', '300'] }, offer)]);
}

const last = (updates: TaskStatus[], taskId: string) => updates.filter((u) => u.taskId === taskId).at(-1);

/** A `tandem agent` child process on the process containerizer, and what it printed. */
function spawnAgent(master: Master, workDir: string, extra: string[] = []) {
  return spawnTandem(
    [
      'agent',
      '--master',
      master.address,
      '--work-dir',
      workDir,
      '--hostname',
      'spawned-host',
      '--port',
      '0',
      '--resources',
      'cpus:1;mem:512;disk:100',
      ...extra,
    ],
    'info',
  );
}

/** True while the process group `pid` leads exists. */
function groupAlive(pid: number): boolean {
  try {
    process.kill(-pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** A work dir whose agent will register as `agentId` (as an agent down while it was marked gone would). */
function workDirOf(agentId: string): string {
  const workDir = join(tempDir(), 'agent');
  mkdirSync(join(workDir, 'meta'), { recursive: true });
  writeFileSync(join(workDir, 'meta', 'agent.json'), JSON.stringify({ id: agentId }));
  return workDir;
}

/** Starts an agent that registers as `agentId`, and waits until the master's refusal has stopped it. */
async function refusedAgent(master: Master, agentId: string): Promise<Agent> {
  const workDir = workDirOf(agentId);
  const agent = await startAgent(master, agentSetup('came-back', workDir));
  await waitFor(() => agent.state === 'stopped', 'the refused agent stopped');
  // It forgot the id: restarted, it would join as a new agent.
  expect(existsSync(join(workDir, 'meta', 'agent.json'))).toBe(false);
  expect([...master.agents.keys()]).not.toContain(agentId);
  return agent;
}

describe('agents marked gone', () => {
  it('gone - a live agent marked gone: its task is TASK_GONE_BY_OPERATOR, it shuts down, and its id is refused, also after a master restart', async () => {
    const workDir = join(tempDir(), 'master');
    let master = await startMaster({ workDir });
    const port = master.grpcPort;
    const driver = await startDriver(master, { name: 'gone' });
    const rec = recorder(driver);
    const agent = await startAgent(master, agentSetup('doomed'));
    const id = await registered(master, 'doomed');
    await launchOn(driver, rec.offers, id, 't-doomed');
    await waitFor(() => last(rec.updates, 't-doomed')?.state === 'TASK_RUNNING', 't-doomed running');
    const pid = Number(last(rec.updates, 't-doomed')?.containerId);

    const before = Date.now() / 1000;
    const gone = await markGone(master, id);
    expect(gone.tasksGone).toBe(1);
    expect(gone.goneAt).toBeGreaterThanOrEqual(before - 1);
    await waitFor(() => last(rec.updates, 't-doomed')?.state === 'TASK_GONE_BY_OPERATOR', 't-doomed TASK_GONE_BY_OPERATOR');
    expect(last(rec.updates, 't-doomed')?.reason).toBe('REASON_AGENT_REMOVED_BY_OPERATOR');
    expect(master.agents.has(id)).toBe(false);
    expect([...master.tasks.values()].some((t) => t.id === 't-doomed')).toBe(false);
    expect(master.state().agents?.map((a) => a.info?.id)).not.toContain(id);
    // The agent was told to shut down: it killed its task and stopped.
    await waitFor(() => agent.state === 'stopped', 'the agent stopped');
    await waitFor(() => !groupAlive(pid), "the task's process killed");
    // Its resources are never offered again.
    expect(rec.offers.filter((o) => o.agentId === id)).toEqual([]);

    // Again: nothing changes, the first mark's time stands.
    const again = await markGone(master, id);
    expect(again).toMatchObject({ goneAt: gone.goneAt, tasksGone: 0 });

    // An agent with that id comes back: refused, told to shut down, and it forgets the id.
    await refusedAgent(master, id);

    // A restarted master reads the mark from its registry.
    await master.stop();
    master = await startMaster({ workDir, port });
    await refusedAgent(master, id);
    await waitFor(() => driver.state === 'subscribed' && master.frameworks.get(driver.frameworkId!)?.stream, 'the framework back');
    // A task the master does not know on the gone agent is TASK_GONE_BY_OPERATOR.
    await driver.reconcile([{ taskId: 't-elsewhere', agentId: id }]);
    await waitFor(() => last(rec.updates, 't-elsewhere'), 'the answer for t-elsewhere');
    expect(last(rec.updates, 't-elsewhere')).toMatchObject({ state: 'TASK_GONE_BY_OPERATOR', reason: 'REASON_RECONCILIATION' });
  });

  it('gone - an unreachable agent marked gone: its task goes from TASK_UNREACHABLE to TASK_GONE_BY_OPERATOR; healed, it is refused and stops, killing its task', async () => {
    const master = await startMaster();
    const driver = await startDriver(master, { name: 'gone-away' });
    const rec = recorder(driver);
    const proxy = await TcpProxy.start(master.address);
    track(() => proxy.close());
    const agent = await startAgent(master, { ...agentSetup('away'), via: proxy.address });
    const id = await registered(master, 'away');
    await launchOn(driver, rec.offers, id, 't-away');
    await waitFor(() => last(rec.updates, 't-away')?.state === 'TASK_RUNNING', 't-away running');
    const pid = Number(last(rec.updates, 't-away')?.containerId);

    proxy.blackhole();
    await waitFor(() => last(rec.updates, 't-away')?.state === 'TASK_UNREACHABLE', 't-away unreachable');
    expect(await markGone(master, id)).toMatchObject({ tasksGone: 1 });
    await waitFor(() => last(rec.updates, 't-away')?.state === 'TASK_GONE_BY_OPERATOR', 't-away gone');

    proxy.heal();
    await waitFor(() => agent.state === 'stopped', 'the agent refused and stopped', 30_000);
    await waitFor(() => !groupAlive(pid), "the task's process killed");
    expect(master.agents.has(id)).toBe(false);
    // The framework heard nothing more of the task: no RUNNING after GONE_BY_OPERATOR.
    expect(rec.states('t-away').slice(-2)).toEqual(['TASK_UNREACHABLE', 'TASK_GONE_BY_OPERATOR']);
  });

  it('gone - an unknown agent id is NOT_FOUND (gRPC, HTTP and the CLI); an empty one names the field', async () => {
    const master = await startMaster();
    await expect(markGone(master, 'agent-never-seen')).rejects.toMatchObject({
      code: 'NOT_FOUND',
      message: expect.stringMatching(/agent-never-seen is not known/),
    });
    await expect(markGone(master, '')).rejects.toMatchObject({ code: 'INVALID_ARGUMENT', field: 'agent_id' });
    const res = await fetch(`http://127.0.0.1:${master.httpPort}/api/v1/agents/agent-never-seen/gone`, { method: 'POST' });
    expect(res.status).toBe(404);
    expect(((await res.json()) as { message: string }).message).toMatch(/agent-never-seen is not known/);
    const cli = await runCli(['agents', 'gone', 'agent-never-seen', '--master', master.address]);
    expect(cli.code).toBe(1);
    expect(cli.stderr).toMatch(/tandem: agent agent-never-seen is not known to the master/);
  });

  it('gone - `tandem agents gone ID` and POST /api/v1/agents/ID/gone mark agents gone (a `tandem agent` so marked exits 1 saying why); `tandem agents` lists the others', async () => {
    const master = await startMaster();
    const spawned = spawnAgent(master, join(tempDir(), 'agent'), ['--containerizers', 'process']);
    const exited = new Promise<number | null>((resolve) => spawned.child.once('exit', (code) => resolve(code)));
    await startAgent(master, agentSetup('by-http'));
    await startAgent(master, agentSetup('staying'));
    const byCli = await registered(master, 'spawned-host');
    const byHttp = await registered(master, 'by-http');
    const staying = await registered(master, 'staying');

    const cli = await runCli(['agents', 'gone', byCli, '--master', master.address]);
    expect(cli.code).toBe(0);
    expect(JSON.parse(cli.stdout)).toMatchObject({ agentId: byCli, tasksGone: 0 });
    expect(await exited).toBe(1);
    expect(spawned.output()).toMatch(/the master shut this agent down/);
    const res = await fetch(`http://127.0.0.1:${master.httpPort}/api/v1/agents/${byHttp}/gone`, { method: 'POST' });
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ tasksGone: 0 });

    const list = await runCli(['agents', '--json', '--master', master.address]);
    expect(list.code).toBe(0);
    const agents = (JSON.parse(list.stdout) as { agents: { id: string; status: string }[] }).agents;
    expect(agents.map((a) => a.id)).toEqual([staying]);
    expect(agents[0]?.status).toBe('AGENT_ACTIVE');
  });
});
