import type * as grpc from '@grpc/grpc-js';
import { type AgentMessageInit, agentClient, type MasterMessage, Resources, TandemError } from '@tandem/protocol';
import { MemoryStore } from '@tandem/store';
import { afterEach, describe, expect, it } from 'vitest';
import type { Master } from './master.js';
import { FlakyStore, next, ScriptedPeers } from './test-support/scripted-peers.js';

// What the master accepts of an agent's registration: a bad field is refused by name, the
// stream ends with the error, and neither the master's state nor its registry changes.

const peers = new ScriptedPeers();
afterEach(() => peers.stop());

type Register = NonNullable<AgentMessageInit['register']>;
type AgentInfoInit = NonNullable<Register['agentInfo']>;

const GOOD: AgentInfoInit = {
  hostname: 'h1',
  resources: Resources.parse('cpus:4;mem:1024;disk:100;ports:[31000-31010]').toWire(),
  containerizers: ['process'],
};

/** Sends the messages on a new agent stream; resolves with the error the stream ends with (and what came before it). */
async function refusedStream(master: Master, messages: AgentMessageInit[]): Promise<{ error: TandemError; received: MasterMessage[] }> {
  const client = agentClient(master.address);
  const stream = client.connect() as grpc.ClientDuplexStream<AgentMessageInit, MasterMessage>;
  peers.defer(() => {
    stream.cancel();
    client.close();
  });
  const received: MasterMessage[] = [];
  const ended = new Promise<TandemError>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('the stream was not refused')), 10_000);
    stream.on('data', (m: MasterMessage) => {
      if (m.message === 'ping') stream.write({ pong: { seq: m.ping!.seq } });
      else received.push(m);
    });
    stream.on('error', (err) => {
      clearTimeout(timer);
      resolve(TandemError.from(err));
    });
  });
  for (const m of messages) stream.write(m);
  return { error: await ended, received };
}

/** What must not change: the agents the master lists and the registry's agent records. */
async function snapshot(master: Master, store: MemoryStore) {
  const state = await peers.getState(master);
  return { agents: state.agents.map((a) => ({ info: a.info, status: a.status, total: a.total })), registry: await store.list('agents/') };
}

const BAD: [string, AgentInfoInit, string, RegExp][] = [
  ['NaN cpus', { ...GOOD, resources: [{ name: 'cpus', scalar: Number.NaN }] }, 'register.agent_info.resources[0].scalar', /finite/],
  ['infinite mem', { ...GOOD, resources: [{ name: 'mem', scalar: Number.POSITIVE_INFINITY }] }, 'register.agent_info.resources[0].scalar', /finite/],
  [
    'negative disk',
    {
      ...GOOD,
      resources: [
        { name: 'cpus', scalar: 1 },
        { name: 'disk', scalar: -1 },
      ],
    },
    'register.agent_info.resources[1].scalar',
    /negative/,
  ],
  ['too many cpus', { ...GOOD, resources: [{ name: 'cpus', scalar: 4097 }] }, 'register.agent_info.resources[0].scalar', /cpus must be at most 4096/],
  [
    'too many cpus in two entries',
    {
      ...GOOD,
      resources: [
        { name: 'cpus', scalar: 4000 },
        { name: 'cpus', scalar: 4000 },
      ],
    },
    'register.agent_info.resources[1].scalar',
    /at most 4096, got 8000/,
  ],
  [
    'too much mem',
    { ...GOOD, resources: [{ name: 'mem', scalar: 2 ** 51 }] },
    'register.agent_info.resources[0].scalar',
    /mem must be at most 1125899906842624/,
  ],
  [
    'port 0',
    { ...GOOD, resources: [{ name: 'ports', ranges: { range: [{ begin: 0, end: 10 }] } }] },
    'register.agent_info.resources[0].ranges',
    /within 1-65535, got \[0-10\]/,
  ],
  [
    'port 70000',
    { ...GOOD, resources: [{ name: 'ports', ranges: { range: [{ begin: 65000, end: 70000 }] } }] },
    'register.agent_info.resources[0].ranges',
    /within 1-65535/,
  ],
  [
    'ports begin after end',
    { ...GOOD, resources: [{ name: 'ports', ranges: { range: [{ begin: 32000, end: 31000 }] } }] },
    'register.agent_info.resources[0].ranges[0]',
    /begin 32000 is after end 31000/,
  ],
  ['empty hostname', { ...GOOD, hostname: '' }, 'register.agent_info.hostname', /must not be empty/],
  ['long hostname', { ...GOOD, hostname: 'h'.repeat(254) }, 'register.agent_info.hostname', /at most 253 characters/],
  ['hostname with a space', { ...GOOD, hostname: 'my host' }, 'register.agent_info.hostname', /whitespace or control/],
  ['hostname with a control character', { ...GOOD, hostname: 'host\u0007' }, 'register.agent_info.hostname', /whitespace or control/],
  [
    'unknown containerizer',
    { ...GOOD, containerizers: ['process', 'lxc'] },
    'register.agent_info.containerizers[1]',
    /"lxc" is not a containerizer the master knows/,
  ],
  ['bad agent id', { ...GOOD, id: 'has space' }, 'register.agent_info.id', /./],
];

describe('agent registration input', () => {
  it('refuses every bad field by name, and changes neither the state nor the registry', async () => {
    const store = new MemoryStore();
    const master = await peers.startMaster({ store });
    const known = await peers.agent(master, { agentInfo: GOOD });
    const before = await snapshot(master, store);
    for (const [what, agentInfo, field, message] of BAD) {
      // As a new agent, and as the known agent re-registering with the bad field.
      for (const info of [agentInfo, { ...agentInfo, id: agentInfo.id ?? known.agentId }]) {
        const { error, received } = await refusedStream(master, [{ register: { agentInfo: info } }]);
        expect({ what, code: error.code, field: error.field }).toEqual({ what, code: 'INVALID_ARGUMENT', field });
        expect(error.message).toMatch(message);
        expect(received).toEqual([]);
      }
    }
    expect(await snapshot(master, store)).toEqual(before);
    // The known agent's own stream was left alone, and the master still admits agents.
    expect(master.agents.get(known.agentId)?.phase).toBe('ACTIVE');
    await peers.agent(master, { agentInfo: { ...GOOD, hostname: 'h2' } });
    expect(master.agents.size).toBe(2);
  });

  it('admits the bounds themselves', async () => {
    const master = await peers.startMaster();
    const edge = [
      { name: 'cpus', scalar: 4096 },
      { name: 'mem', scalar: 2 ** 50 },
      { name: 'ports', ranges: { range: [{ begin: 1, end: 65535 }] } },
    ];
    const { agentId } = await peers.agent(master, {
      agentInfo: { ...GOOD, hostname: 'h'.repeat(253), resources: edge, containerizers: ['docker', 'process', 'hollow'] },
    });
    expect(master.agents.get(agentId)?.total.cpus).toBe(4096);
  });

  it('refuses a second register on one stream with INVALID_ARGUMENT and applies nothing of it', async () => {
    const store = new MemoryStore();
    const master = await peers.startMaster({ store });
    const first = await peers.agent(master, { agentInfo: GOOD });
    const before = await snapshot(master, store);
    first.stream.write({
      register: { agentInfo: { ...GOOD, id: first.agentId, hostname: 'changed', resources: Resources.parse('cpus:64;mem:99999').toWire() } },
    });
    const error = await new Promise<TandemError>((resolve) => first.stream.on('error', (e) => resolve(TandemError.from(e))));
    expect(error).toMatchObject({ code: 'INVALID_ARGUMENT', field: 'register' });
    expect(error.message).toMatch(/already registered/);
    const agent = master.agents.get(first.agentId);
    expect(agent?.info.hostname).toBe('h1');
    expect(agent?.total.cpus).toBe(4);
    expect(await store.list('agents/')).toEqual(before.registry);

    // Two registers back to back on a new stream: the second is refused whenever it lands.
    const { error: again } = await refusedStream(master, [
      { register: { agentInfo: { ...GOOD, hostname: 'twice' } } },
      { register: { agentInfo: { ...GOOD, hostname: 'twice-changed' } } },
    ]);
    expect(again).toMatchObject({ code: 'INVALID_ARGUMENT', field: 'register' });
    expect([...master.agents.values()].map((a) => a.info.hostname).sort()).not.toContain('twice-changed');
  });

  it('admits an agent only once the registry holds it: a failed write refuses it and changes nothing', async () => {
    const store = new FlakyStore('agents/');
    const master = await peers.startMaster({ store });
    const a1 = await peers.agent(master, { agentInfo: GOOD });
    const fw = await peers.framework(master);
    const [offer] = await fw.offers();
    const before = await snapshot(master, store);

    store.failing = true;
    const { error } = await refusedStream(master, [{ register: { agentInfo: { ...GOOD, hostname: 'new-one' } } }]);
    expect(error.code).toBe('UNAVAILABLE');
    expect(error.message).toMatch(/could not record agent \S+ in its registry \(disk full\)/);
    // The known agent re-registering with a new info from another stream: refused too, and
    // its current stream, info and offers stay as they were.
    const { error: again } = await refusedStream(master, [{ register: { agentInfo: { ...GOOD, id: a1.agentId, hostname: 'moved' } } }]);
    expect(again.code).toBe('UNAVAILABLE');
    expect(await snapshot(master, store)).toEqual(before);
    expect(master.agents.get(a1.agentId)).toMatchObject({ phase: 'ACTIVE', info: { hostname: 'h1' } });
    expect(master.offers.has(offer!.id)).toBe(true);
    expect(fw.events.size).toBe(0);

    store.failing = false;
    await peers.agent(master, { agentInfo: { ...GOOD, hostname: 'new-one' } });
    expect((await store.list('agents/')).length).toBe(2);
  });

  it("keeps the tasks of a framework it never admitted as the agent's: no framework is made up, nothing is killed, their resources stay in use", async () => {
    const master = await peers.startMaster();
    const taskOf = (id: string) => ({
      info: {
        taskId: id,
        name: id,
        agentId: 'agent-o',
        resources: Resources.parse('cpus:1;mem:128').toWire(),
        command: { shell: false, arguments: ['sleep', '100'] },
      },
      frameworkId: 'fw-stranger',
      state: 'TASK_RUNNING' as const,
    });
    const agent = await peers.agent(master, {
      agentInfo: { ...GOOD, id: 'agent-o', resources: Resources.parse('cpus:4;mem:1024').toWire() },
      tasks: [taskOf('t1'), taskOf('t2')],
      // What the agent says of the framework does not make it one.
      frameworks: [{ id: 'fw-stranger', name: 'stranger', roles: ['*'], failoverTimeoutSeconds: 0 }],
    });
    const state = await peers.getState(master);
    expect(state.frameworks).toEqual([]);
    expect(state.tasks.map((t) => [t.info?.taskId, t.frameworkId, t.state]).sort()).toEqual([
      ['t1', 'fw-stranger', 'TASK_RUNNING'],
      ['t2', 'fw-stranger', 'TASK_RUNNING'],
    ]);
    // Offered only what the tasks leave free.
    const fw = await peers.framework(master);
    const [offer] = await fw.offers();
    expect(Resources.fromWire(offer?.resources).toString()).toBe('cpus:2;mem:768');
    // A framework that failed over at once (failover timeout 0, as the agent said) would
    // have had the tasks killed by now.
    await expect(next(agent.inbox, (m) => m.message === 'killTasks', 1_000)).rejects.toThrow(/timed out/);
  });
});
