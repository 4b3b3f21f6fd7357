import { access, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Code, DEFAULT_MAX_IMMEDIATE_REDIRECTS, sleep, TandemError, type TaskInfoInit } from '@tandem/protocol';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Agent } from './agent.js';
import type { AgentOptions, HollowAgentOptions } from './options.js';
import { FakeContainerizer } from './test-support/fake-containerizer.js';
import { FakeMaster } from './test-support/fake-master.js';

const FW = { id: 'fw-1', name: 'test-fw', user: '', roles: ['*'], principal: '', failoverTimeoutSeconds: 0, capabilities: [], hostname: '', labels: [] };

function taskInfo(taskId: string, over: Partial<TaskInfoInit> = {}): TaskInfoInit {
  return {
    taskId,
    name: taskId,
    resources: [
      { name: 'cpus', scalar: 0.1 },
      { name: 'mem', scalar: 32 },
      { name: 'ports', ranges: { range: [{ begin: 31005, end: 31006 }] } },
    ],
    command: { shell: true, value: 'sleep 100', environment: [{ name: 'A', value: 'b' }] },
    ...over,
  };
}

let master: FakeMaster;
/** Masters a test starts besides `master`, stopped after it. */
const others: FakeMaster[] = [];
let workDir: string;
let containerizer: FakeContainerizer;
const agents: Agent[] = [];

function newAgent(over: Partial<AgentOptions & HollowAgentOptions> = {}): Agent {
  const agent = new Agent({
    master: master.address,
    workDir,
    hostname: 'host-a',
    resources: 'cpus:4;mem:4096;disk:1000',
    attributes: 'rack:r1;zone:a',
    containerizers: [containerizer],
    statusRetryMs: { initial: 100, max: 200 },
    reconnectBackoff: { initialMs: 50, maxMs: 200 },
    defaultKillGracePeriodMs: 1000,
    ...over,
  });
  agents.push(agent);
  return agent;
}

async function runningTask(agent: Agent, taskId: string, over: Partial<TaskInfoInit> = {}): Promise<void> {
  master.send({ launchTasks: { framework: FW, tasks: [taskInfo(taskId, over)] } });
  await master.status(taskId, 'TASK_RUNNING');
  await master.waitFor(() => agent.tasks().find((t) => t.taskId === taskId && t.phase === 'running'));
}

beforeEach(async () => {
  master = new FakeMaster();
  await master.start();
  workDir = await mkdtemp(join(tmpdir(), 'tandem-agent-'));
  containerizer = new FakeContainerizer();
});

afterEach(async () => {
  for (const a of agents.splice(0)) await a.stop();
  await master.stop();
  for (const m of others.splice(0)) await m.stop();
  await rm(workDir, { recursive: true, force: true });
});

describe('agent', () => {
  it('agent - registers with its info and persists the id the master gives it', async () => {
    const agent = newAgent();
    await agent.start();
    // start() resolves with the first attempt's outcome; on a loaded machine that attempt may time out and the next one register.
    await master.waitFor(() => agent.agentId);
    expect(agent.agentId).toBe('agent-test-1');
    const reg = master.registrations[0];
    expect(reg?.agentInfo?.id).toBe('');
    expect(reg?.agentInfo?.hostname).toBe('host-a');
    expect(reg?.agentInfo?.containerizers).toEqual(['process']);
    expect(reg?.agentInfo?.attributes).toEqual([
      { name: 'rack', text: 'r1' },
      { name: 'zone', text: 'a' },
    ]);
    expect(reg?.agentInfo?.resources.find((r) => r.name === 'cpus')?.scalar).toBe(4);
    expect(reg?.agentInfo?.resources.find((r) => r.name === 'ports')?.ranges?.range).toEqual([{ begin: 31000, end: 32000 }]);
    expect(reg?.tasks).toEqual([]);
    expect(agent.totalResources.mem).toBe(4096);
    const persisted = JSON.parse(await readFile(join(workDir, 'meta', 'agent.json'), 'utf8')) as { id: string };
    expect(persisted.id).toBe('agent-test-1');
  });

  it('agent - answers pings with the same seq', async () => {
    const agent = newAgent();
    await agent.start();
    master.send({ ping: { seq: 42 } });
    const pong = await master.waitFor(() => master.messages.find((m) => m.pong));
    expect(pong.pong?.seq).toBe(42);
  });

  it('agent - launches a task: STARTING then RUNNING with the container id, env with ports, FINISHED on exit 0, then forgets it', async () => {
    const agent = newAgent();
    await agent.start();
    master.autoAck = true;
    await runningTask(agent, 't1');
    const running = await master.status('t1', 'TASK_RUNNING');
    expect(master.statesOf('t1')).toEqual(['TASK_STARTING', 'TASK_RUNNING']);
    expect(running.containerId).toBe('c-1');
    expect(running.agentId).toBe('agent-test-1');
    expect(running.frameworkId).toBe('fw-1');
    expect(running.source).toBe('SOURCE_AGENT');
    const spec = containerizer.launches[0];
    expect(spec?.ports).toEqual([31005, 31006]);
    expect(spec?.env).toMatchObject({
      A: 'b',
      PORT0: '31005',
      PORT1: '31006',
      PORT: '31005',
      HOST: 'host-a',
      TANDEM_TASK_ID: 't1',
      TANDEM_FRAMEWORK_ID: 'fw-1',
      TANDEM_AGENT_ID: 'agent-test-1',
    });
    expect(spec?.sandboxDir).toBe(join(workDir, 'sandboxes', 'fw-1', 't1'));
    expect(spec?.resources.cpus).toBe(0.1);

    containerizer.container('fw-1', 't1')?.exit({ exitCode: 0 });
    const finished = await master.status('t1', 'TASK_FINISHED');
    expect(finished.hasExitCode).toBe(true);
    expect(finished.exitCode).toBe(0);
    await master.waitFor(() => agent.tasks().length === 0);
    expect(containerizer.container('fw-1', 't1')?.destroyed).toBe(true);
    await expect(access(join(workDir, 'meta', 'frameworks', 'fw-1', 'tasks', 't1'))).rejects.toThrow();
  });

  it('agent - sends RUNNING right behind STARTING and resends both, in order, until they are acked', async () => {
    const agent = newAgent();
    await agent.start();
    master.send({ launchTasks: { framework: FW, tasks: [taskInfo('t1')] } });
    const starting = await master.status('t1', 'TASK_STARTING');
    // RUNNING does not wait for the ack of STARTING.
    const running = await master.status('t1', 'TASK_RUNNING');
    await master.waitFor(() => master.statuses.filter((s) => s.uuid === running.uuid).length >= 2, 2000, 'a resend');
    // Every resend keeps the order: the unacknowledged STARTING goes right before RUNNING.
    const order = master.statuses.filter((s) => s.taskId === 't1').map((s) => s.state);
    order.forEach((state, i) => {
      if (state === 'TASK_RUNNING') expect(order[i - 1]).toBe('TASK_STARTING');
    });
    master.ack(running);
    master.ack(starting);
    const seen = master.statuses.length;
    await sleep(300);
    expect(master.statuses.length).toBe(seen);
    expect(agent.tasks()[0]?.state).toBe('TASK_RUNNING');
  });

  it('agent - a framework that subscribed again gets its unacknowledged updates at once, whatever the retry backoff', async () => {
    const agent = newAgent({ statusRetryMs: { initial: 60_000, max: 60_000 } });
    await agent.start();
    master.send({ launchTasks: { framework: FW, tasks: [taskInfo('t1')] } });
    const running = await master.status('t1', 'TASK_RUNNING');
    const sent = () => master.statuses.filter((s) => s.uuid === running.uuid).length;
    expect(sent()).toBe(1);
    // Another framework's resubscription resends nothing of this one.
    master.send({ frameworkResubscribed: { frameworkId: 'fw-other' } });
    await sleep(200);
    expect(sent()).toBe(1);
    master.send({ frameworkResubscribed: { frameworkId: FW.id } });
    await master.waitFor(() => sent() === 2, 2000, 'the resend');
    master.ack(running);
  });

  it('agent - a restart re-registers with the same id and its running task, without relaunching it', async () => {
    master.autoAck = true;
    const first = newAgent();
    await first.start();
    await runningTask(first, 't1');
    await first.stop();
    expect(containerizer.container('fw-1', 't1')?.exited).toBe(false);

    const second = newAgent();
    await second.start();
    const reg = master.registrations[1];
    expect(reg?.agentInfo?.id).toBe('agent-test-1');
    expect(reg?.tasks.map((t) => [t.info?.taskId, t.state, t.frameworkId])).toEqual([['t1', 'TASK_RUNNING', 'fw-1']]);
    expect(reg?.tasks[0]?.status?.containerId).toBe('c-1');
    expect(reg?.frameworks.map((f) => f.id)).toEqual(['fw-1']);
    expect(containerizer.launches).toHaveLength(1);
    expect(containerizer.recovers[0]?.map((s) => [s.taskId, s.containerId])).toEqual([['t1', 'c-1']]);
    expect(second.tasks()).toMatchObject([{ taskId: 't1', phase: 'running', state: 'TASK_RUNNING', containerId: 'c-1' }]);

    // Still supervised: its exit is reported by the new agent.
    containerizer.container('fw-1', 't1')?.exit({ exitCode: 3 });
    const failed = await master.status('t1', 'TASK_FAILED');
    expect(failed).toMatchObject({ reason: 'REASON_COMMAND_EXITED', hasExitCode: true, exitCode: 3 });
  });

  it('agent - a restart destroys orphan containers and keeps the tasks it knows', async () => {
    master.autoAck = true;
    const first = newAgent();
    await first.start();
    await runningTask(first, 't1');
    await first.stop();
    const stray = containerizer.addStray('c-stray');
    const second = newAgent();
    await second.start();
    expect(stray.kills).toEqual([0]);
    expect(stray.destroyed).toBe(true);
    expect(containerizer.container('fw-1', 't1')?.destroyed).toBe(false);
    expect(second.tasks()).toMatchObject([{ taskId: 't1', phase: 'running' }]);
  });

  it('agent - a restart resends updates that were never acknowledged', async () => {
    const first = newAgent({ statusRetryMs: { initial: 10_000, max: 10_000 } });
    await first.start();
    master.send({ launchTasks: { framework: FW, tasks: [taskInfo('t1')] } });
    const starting = await master.status('t1', 'TASK_STARTING');
    await first.stop();
    const second = newAgent();
    await second.start();
    await master.waitFor(() => master.statuses.filter((s) => s.uuid === starting.uuid).length >= 2, 2000, 'the resend');
    // The container had started before the stop: RUNNING is checkpointed, unsent, and
    // follows once STARTING is acked.
    expect(master.registrations[1]?.tasks[0]?.state).toBe('TASK_RUNNING');
    master.ack(starting);
    await master.status('t1', 'TASK_RUNNING');
    expect(containerizer.launches).toHaveLength(1);
  });

  it('agent - a task whose container vanished while the agent was down fails', async () => {
    master.autoAck = true;
    const first = newAgent();
    await first.start();
    await runningTask(first, 't1');
    await first.stop();
    containerizer.world.clear();
    const second = newAgent();
    await second.start();
    const failed = await master.status('t1', 'TASK_FAILED');
    expect(failed.reason).toBe('REASON_CONTAINER_TERMINATED');
    expect(failed.message).toMatch(/container lost while the agent was down/);
    await master.waitFor(() => second.tasks().length === 0);
  });

  it('agent - kill: KILLING, then KILLED once the container exits, with the kill policy grace', async () => {
    master.autoAck = true;
    const agent = newAgent();
    await agent.start();
    await runningTask(agent, 't1', { killPolicy: { gracePeriodSeconds: 7 } });
    master.send({ killTasks: { kills: [{ taskId: 't1', frameworkId: 'fw-1' }] } });
    const killed = await master.status('t1', 'TASK_KILLED');
    expect(master.statesOf('t1')).toEqual(['TASK_STARTING', 'TASK_RUNNING', 'TASK_KILLING', 'TASK_KILLED']);
    expect(killed.reason).toBe('REASON_KILLED_BY_FRAMEWORK');
    expect(containerizer.container('fw-1', 't1')?.kills).toEqual([7000]);

    await runningTask(agent, 't2');
    master.send({ killTasks: { kills: [{ taskId: 't2', frameworkId: 'fw-1', killPolicy: { gracePeriodSeconds: 2 }, reason: 'REASON_FRAMEWORK_REMOVED' }] } });
    expect((await master.status('t2', 'TASK_KILLED')).reason).toBe('REASON_FRAMEWORK_REMOVED');
    expect(containerizer.container('fw-1', 't2')?.kills).toEqual([2000]);
  });

  it('agent - kill during launch aborts it: TASK_KILLED with REASON_TASK_KILLED_DURING_LAUNCH', async () => {
    master.autoAck = true;
    const agent = newAgent();
    await agent.start();
    master.send({ launchTasks: { framework: FW, tasks: [taskInfo('slow', { name: 'slow-launch' })] } });
    await master.status('slow', 'TASK_STARTING');
    master.send({ killTasks: { kills: [{ taskId: 'slow', frameworkId: 'fw-1' }] } });
    const killed = await master.status('slow', 'TASK_KILLED');
    expect(killed.reason).toBe('REASON_TASK_KILLED_DURING_LAUNCH');
    await master.waitFor(() => agent.tasks().length === 0);
  });

  it('agent - a launch slot is held only while the containerizer launches: a queued task is checkpointed and STARTING already', async () => {
    master.autoAck = true;
    const agent = newAgent({ maxConcurrentLaunches: 1 });
    await agent.start();
    master.send({ launchTasks: { framework: FW, tasks: [taskInfo('slow', { name: 'slow-launch' }), taskInfo('queued')] } });
    await master.status('queued', 'TASK_STARTING');
    // Its task.json is on disk, but the containerizer has not been asked yet: the one slot is taken.
    const checkpoint = JSON.parse(await readFile(join(workDir, 'meta', 'frameworks', 'fw-1', 'tasks', 'queued', 'task.json'), 'utf8')) as {
      info: { taskId: string };
    };
    expect(checkpoint.info.taskId).toBe('queued');
    expect(containerizer.launches.map((l) => l.taskId)).toEqual(['slow']);
    master.send({ killTasks: { kills: [{ taskId: 'slow', frameworkId: 'fw-1' }] } });
    await master.status('slow', 'TASK_KILLED');
    await master.status('queued', 'TASK_RUNNING');
    expect(master.statesOf('queued')).toEqual(['TASK_STARTING', 'TASK_RUNNING']);
  });

  it('agent - a containerizer that recovers by labels gets no container id in task.json; a restart still finds the task', async () => {
    master.autoAck = true;
    class LabelledContainerizer extends FakeContainerizer {
      readonly recoversByLabels = true;
    }
    containerizer = new LabelledContainerizer();
    const first = newAgent();
    await first.start();
    await runningTask(first, 't1');
    const checkpoint = JSON.parse(await readFile(join(workDir, 'meta', 'frameworks', 'fw-1', 'tasks', 't1', 'task.json'), 'utf8')) as Record<string, unknown>;
    expect(checkpoint.containerId).toBeUndefined();
    await first.stop();

    const second = newAgent();
    await second.start();
    expect(containerizer.recovers[0]?.map((s) => [s.taskId, s.containerId])).toEqual([['t1', undefined]]);
    expect(second.tasks()).toMatchObject([{ taskId: 't1', phase: 'running', state: 'TASK_RUNNING', containerId: 'c-1' }]);
    expect(containerizer.launches).toHaveLength(1);
  });

  it('agent - launch failures, exits and OOM map to the right states and reasons', async () => {
    master.autoAck = true;
    const agent = newAgent();
    await agent.start();
    master.send({ launchTasks: { framework: FW, tasks: [taskInfo('bad-image', { name: 'fail-launch' })] } });
    const failed = await master.status('bad-image', 'TASK_FAILED');
    expect(failed).toMatchObject({ reason: 'REASON_CONTAINER_PULL_FAILED', message: 'image not found' });

    await runningTask(agent, 'oom');
    containerizer.container('fw-1', 'oom')?.exit({ exitCode: 137, oomKilled: true });
    const oom = await master.status('oom', 'TASK_FAILED');
    expect(oom.reason).toBe('REASON_CONTAINER_LIMITATION_MEMORY');
    expect(oom.message).toMatch(/32 MiB/);

    master.send({ launchTasks: { framework: FW, tasks: [taskInfo('docker-task', { container: { type: 'DOCKER', docker: { image: 'nginx' } } })] } });
    expect((await master.status('docker-task', 'TASK_FAILED')).message).toMatch(/no docker containerizer/);
  });

  it('agent - bad launches and kills get updates, never a crash, and do not disturb a running task', async () => {
    master.autoAck = true;
    const agent = newAgent();
    await agent.start();
    await runningTask(agent, 't1');
    master.send({
      launchTasks: {
        framework: FW,
        tasks: [
          taskInfo('../escape'),
          taskInfo('nan', { resources: [{ name: 'cpus', scalar: Number.NaN }] }),
          taskInfo('no-command', { command: null }),
          taskInfo('t1'),
          taskInfo(''),
        ],
      },
    });
    expect((await master.status('../escape', 'TASK_ERROR')).reason).toBe('REASON_TASK_INVALID');
    expect((await master.status('nan', 'TASK_ERROR')).message).toMatch(/resources\[0\]/);
    expect((await master.status('no-command', 'TASK_ERROR')).message).toMatch(/command/);
    expect((await master.status('t1', 'TASK_ERROR')).message).toMatch(/already in use/);
    master.send({ launchTasks: { framework: { ...FW, id: '../bad' }, tasks: [taskInfo('t9')] } });
    expect((await master.status('t9', 'TASK_ERROR')).message).toMatch(/framework\.id/);
    master.send({ killTasks: { kills: [{ taskId: 'never-heard-of', frameworkId: 'fw-1' }] } });
    expect((await master.status('never-heard-of', 'TASK_DROPPED')).reason).toBe('REASON_TASK_UNKNOWN');
    master.send({ acknowledgements: { acks: [{ uuid: 'bogus', taskId: 't1' }] } });

    await sleep(50);
    expect(agent.tasks()).toMatchObject([{ taskId: 't1', phase: 'running' }]);
    expect(containerizer.launches).toHaveLength(1);
    expect(agent.state).toBe('running');
  });

  it('agent - serves stdout and stderr reads from the sandbox', async () => {
    master.autoAck = true;
    const agent = newAgent();
    await agent.start();
    await runningTask(agent, 't1');
    const { writeFile } = await import('node:fs/promises');
    await writeFile(join(workDir, 'sandboxes', 'fw-1', 't1', 'stdout'), 'line one\nline two\n');
    master.send({ readFile: { requestId: 'r1', taskId: 't1', name: 'stdout', offset: -9, length: 100 } });
    const data = await master.waitFor(() => master.messages.find((m) => m.fileData?.requestId === 'r1')?.fileData ?? undefined);
    expect(data.data.toString()).toBe('line two\n');
    expect(data).toMatchObject({ offset: 9, size: 18, eof: true, error: '' });
    master.send({ readFile: { requestId: 'r2', taskId: 't1', name: '../../meta/agent.json', offset: 0, length: 100 } });
    const refused = await master.waitFor(() => master.messages.find((m) => m.fileData?.requestId === 'r2')?.fileData ?? undefined);
    expect(refused.error).toMatch(/stdout/);
    expect(refused.data.length).toBe(0);
  });

  it('agent - redials and re-registers with its tasks when the stream ends or pings stop', async () => {
    master.autoAck = true;
    master.pingIntervalSeconds = 0.1;
    master.maxMissedPings = 2;
    const agent = newAgent();
    await agent.start();
    await runningTask(agent, 't1');
    // No pings: the agent gives up on the stream after 200 ms and redials.
    await master.waitFor(() => master.registrations.length >= 2, 3000, 're-registration after missed pings');
    expect(master.registrations[1]?.agentInfo?.id).toBe('agent-test-1');
    expect(master.registrations[1]?.tasks.map((t) => t.info?.taskId)).toEqual(['t1']);
    master.pingIntervalSeconds = 0;
    const before = master.registrations.length;
    master.hangUp();
    await master.waitFor(() => master.registrations.length > before, 3000, 're-registration after hang-up');
    expect(containerizer.launches).toHaveLength(1);
  });

  it('agent - starts while the master is down and registers once it is up', async () => {
    const address = master.address;
    await master.stop();
    const agent = newAgent({ master: address });
    await agent.start();
    expect(agent.agentId).toBeUndefined();
    master = new FakeMaster();
    const port = Number(address.split(':')[1]);
    await master.startOn(port);
    await master.waitFor(() => master.registrations.length >= 1, 5000, 'registration');
    await master.waitFor(() => agent.agentId === 'agent-test-1');
  });

  it('agent - a master that steps down ends the stream naming the leader; the agent re-registers there at once, with its tasks', async () => {
    master.autoAck = true;
    const leader = new FakeMaster();
    others.push(leader);
    await leader.start();
    // The list names only the old master: the new leader is known from the trailer alone.
    const agent = newAgent({ reconnectBackoff: { initialMs: 60_000, maxMs: 60_000 } });
    await agent.start();
    await runningTask(agent, 't1');
    const standby = new TandemError(Code.Unavailable, `not the leading master; the leader is at ${leader.address}`, { leader: leader.address }).toGrpcStatus();
    master.refuseWith = standby;
    master.fail(standby);
    // A backoff of a minute: only an immediate redial gets there within the wait.
    const reg = await leader.waitFor(() => leader.registrations[0], 3000, 'registration with the leader');
    expect(reg.agentInfo?.id).toBe('agent-test-1');
    expect(reg.tasks.map((t) => t.info?.taskId)).toEqual(['t1']);
    expect(master.connects).toBe(1);
    expect(containerizer.launches).toHaveLength(1);
  });

  it('agent - a redirect loop is followed at once only DEFAULT_MAX_IMMEDIATE_REDIRECTS times, then with backoff', async () => {
    const other = new FakeMaster();
    others.push(other);
    await other.start();
    const naming = (leader: string) => new TandemError(Code.Unavailable, `not the leading master; the leader is at ${leader}`, { leader }).toGrpcStatus();
    master.refuseWith = naming(other.address);
    other.refuseWith = naming(master.address);
    const agent = newAgent({ master: [master.address, other.address], reconnectBackoff: { initialMs: 60_000, maxMs: 60_000 } });
    // start() resolves once the agent backs off: the first try and the immediate redirects were made by then.
    await agent.start();
    expect(agent.agentId).toBeUndefined();
    expect(master.connects + other.connects).toBe(1 + DEFAULT_MAX_IMMEDIATE_REDIRECTS);
    expect(master.registrations.length + other.registrations.length).toBe(0);
  });

  it('agent - an unreachable master of the list is skipped to the next', async () => {
    const closed = new FakeMaster();
    await closed.start();
    const gone = closed.address;
    await closed.stop();
    const agent = newAgent({ master: `${gone},${master.address}` });
    await agent.start();
    await master.waitFor(() => agent.agentId === 'agent-test-1', 5000, 'registration with the second master');
  });

  it('agent - a master list that is not host:port is refused naming the option', () => {
    expect(() => newAgent({ master: '127.0.0.1:5050,nohost' })).toThrow('master: "nohost" (entry 2 of 2) is not host:port');
  });

  it("agent - a second agent on the same work dir refuses to start, naming the first one's pid; once the first stops it may", async () => {
    const first = newAgent();
    await first.start();
    const second = newAgent();
    await expect(second.start()).rejects.toThrow(new RegExp(`agent work dir .* is in use by pid ${process.pid}`));
    expect(master.registrations).toHaveLength(1);
    await second.stop();
    await first.stop();
    const third = newAgent();
    await third.start();
    await master.waitFor(() => master.registrations.length === 2);
  });

  it('agent - shutdown from the master kills every task and stops the agent', async () => {
    master.autoAck = true;
    const agent = newAgent();
    await agent.start();
    await runningTask(agent, 't1');
    master.send({ shutdown: { reason: 'agent removed' } });
    const killed = await master.status('t1', 'TASK_KILLED');
    expect(killed.reason).toBe('REASON_AGENT_SHUTDOWN');
    await agent.closed();
    expect(agent.state).toBe('stopped');
    await expect(access(join(workDir, 'meta', 'agent.json'))).rejects.toThrow();
  });

  it('agent - stop({ killTasks }) kills the tasks; plain stop leaves them running', async () => {
    master.autoAck = true;
    const agent = newAgent();
    await agent.start();
    await runningTask(agent, 't1');
    await agent.stop({ killTasks: true });
    expect(containerizer.container('fw-1', 't1')?.exited).toBe(true);
    expect(master.statesOf('t1')).toContain('TASK_KILLED');
  });
});

describe('agent with hollow in-memory checkpoints', () => {
  it('agent - hollowInMemoryCheckpoints: a task runs and finishes with no checkpoint or sandbox on disk', async () => {
    const { readdir } = await import('node:fs/promises');
    const { HollowContainerizer } = await import('./containerizer/hollow.js');
    master.autoAck = true;
    const agent = newAgent({ containerizers: [new HollowContainerizer()], hollowInMemoryCheckpoints: true });
    await agent.start();
    expect(master.registrations[0]?.agentInfo?.containerizers).toEqual(['hollow']);
    const t = taskInfo('h1', { command: { shell: true, value: 'true', environment: [{ name: 'HOLLOW_DURATION_MS', value: '20' }] } });
    master.send({ launchTasks: { framework: FW, tasks: [t] } });
    await master.status('h1', 'TASK_RUNNING');
    await master.status('h1', 'TASK_FINISHED');
    await master.waitFor(() => agent.tasks().length === 0);
    expect(master.statesOf('h1')).toEqual(['TASK_STARTING', 'TASK_RUNNING', 'TASK_FINISHED']);
    expect(await readdir(workDir)).toEqual([]);
  });

  it('agent - hollowInMemoryCheckpoints: a re-registration after a lost stream still carries the running tasks', async () => {
    const { HollowContainerizer } = await import('./containerizer/hollow.js');
    master.autoAck = true;
    const agent = newAgent({ containerizers: [new HollowContainerizer()], hollowInMemoryCheckpoints: true });
    await agent.start();
    master.send({ launchTasks: { framework: FW, tasks: [taskInfo('h2')] } });
    await master.status('h2', 'TASK_RUNNING');
    master.hangUp();
    await master.waitFor(() => master.registrations.length === 2);
    const reg = master.registrations[1];
    expect(reg?.agentInfo?.id).toBe('agent-test-1');
    expect(reg?.tasks.map((x) => [x.info?.taskId, x.state])).toEqual([['h2', 'TASK_RUNNING']]);
  });
});
