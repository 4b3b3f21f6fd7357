import { type AgentMessageInit, Resources, type TaskInfoInit, tandemV1 } from '@tandem/protocol';
import { afterEach, describe, expect, it } from 'vitest';
import type { Master } from './master.js';
import { next, ScriptedPeers } from './test-support/scripted-peers.js';

// A re-registering agent's TaskInfos are not decoded by the master (agent-wire.ts): they
// are kept as they came. The Operator API (GetState, Watch) and the allocator must see
// exactly what a decoded registration gave them.

const peers = new ScriptedPeers();
afterEach(() => peers.stop());
const startMaster = (): Promise<Master> => peers.startMaster();
const register = async (master: Master, reg: NonNullable<AgentMessageInit['register']>): Promise<void> => {
  await peers.agent(master, reg);
};

const task = (id: string, spec: string, agentId: string): TaskInfoInit => ({
  taskId: id,
  name: `n-${id}`,
  agentId,
  resources: Resources.parse(spec).toWire(),
  command: { shell: false, arguments: ['sleep', '1000'], environment: [{ name: 'X', value: 'é 東京' }] },
  container: { type: 'DOCKER', docker: { image: 'busybox:1.36' } },
  labels: [{ key: 'k', value: id }],
  killPolicy: { gracePeriodSeconds: 2 },
});

/** What the generated decoder makes of a TaskInfo: the view the Operator API gave before. */
const decoded = (info: TaskInfoInit) => {
  const c = tandemV1().Agent.service.Connect;
  return (c.requestDeserialize(c.requestSerialize({ register: { tasks: [{ info }] } }) as Buffer) as { register: { tasks: { info: unknown }[] } }).register
    .tasks[0]?.info;
};

describe('re-registration with undecoded TaskInfos', () => {
  it('gives GetState, Watch and the allocator what a decoded registration gave', async () => {
    const master = await startMaster();
    const events = peers.watch(master);
    await next(events, (e) => e.event === 'subscribed');
    const infos = [
      task('a.1', 'cpus:0.5;mem:64;ports:[31000-31000]', 'agent-r'),
      task('a.2', 'cpus:0.5;mem:64;ports:[31000-31000]', 'agent-r'),
      task('b.1', 'cpus:1;mem:128', 'agent-r'),
      // A TaskInfo naming another agent keeps that id (only the registering agent's own is left out when packed).
      task('c.1', 'cpus:0.25;mem:16', 'agent-elsewhere'),
    ];
    await register(master, {
      agentInfo: { id: 'agent-r', hostname: 'h1', resources: Resources.parse('cpus:4;mem:1024;ports:[31000-31010]').toWire(), containerizers: ['docker'] },
      tasks: infos.map((info, i) => ({
        info,
        frameworkId: 'fw-r',
        state: 'TASK_RUNNING',
        status: { taskId: info.taskId ?? '', frameworkId: 'fw-r', agentId: 'agent-r', state: 'TASK_RUNNING', uuid: `u${i}`, timestamp: 10 + i },
      })),
      frameworks: [{ id: 'fw-r', name: 'recovered-by-agent', roles: ['web'], failoverTimeoutSeconds: 3600 }],
    });

    const added = [];
    for (let i = 0; i < infos.length; i++) added.push(await next(events, (e) => e.event === 'taskAdded'));
    expect(added.map((e) => e.taskAdded?.info)).toEqual(infos.map(decoded));

    const state = await peers.getState(master);
    const byId = new Map(state.tasks.map((t) => [t.info?.taskId, t]));
    expect(infos.map((i) => byId.get(i.taskId)?.info)).toEqual(infos.map(decoded));
    expect(infos.map((i) => byId.get(i.taskId)?.status?.uuid)).toEqual(['u0', 'u1', 'u2', 'u3']);
    // A framework the master never admitted is not made up from the agent's report; its
    // tasks stay the agent's, and their resources stay in use.
    expect(state.frameworks).toEqual([]);
    expect(Resources.fromWire(state.agents[0]?.allocated).cpus).toBe(2.25);
    const agent = master.agents.get('agent-r');
    expect(agent?.taskKeys.size).toBe(4);
    const used = [...(agent?.taskKeys ?? [])].map((k) => master.tasks.get(k)?.resources ?? Resources.EMPTY).reduce((a, b) => a.add(b), Resources.EMPTY);
    const sent = infos
      .map((i) => Resources.fromWire(decoded(i) ? (decoded(i) as { resources: never }).resources : []))
      .reduce((a, b) => a.add(b), Resources.EMPTY);
    expect(used.toString()).toBe(sent.toString());
    expect(used.cpus).toBe(2.25);
  });
});
