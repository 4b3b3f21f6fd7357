import type * as grpc from '@grpc/grpc-js';
import { Resources, schedulerClient, type TaskInfoInit } from '@tandem/protocol';
import { MemoryStore } from '@tandem/store';
import { afterEach, describe, expect, it } from 'vitest';
import type { Master } from './master.js';
import { next, ScriptedPeers } from './test-support/scripted-peers.js';

const peers = new ScriptedPeers();
afterEach(() => peers.stop());

const startMaster = (opts: Partial<ConstructorParameters<typeof Master>[0]> = {}): Promise<Master> => peers.startMaster({ agentPingIntervalMs: 100, ...opts });
const scriptedAgent = (master: Master, hostname: string, resources: string, id = '') =>
  peers.agent(master, { agentInfo: { id, hostname, resources: Resources.parse(resources).toWire(), containerizers: ['process', 'docker'] } });
const framework = (master: Master, name: string) => peers.framework(master, name);

const task = (id: string, agentId: string, resources: string, extra: Partial<TaskInfoInit> = {}): TaskInfoInit => ({
  taskId: id,
  name: id,
  agentId,
  resources: Resources.parse(resources).toWire(),
  command: { shell: false, arguments: ['sleep', '100'] },
  ...extra,
});

describe('master', () => {
  it("master - offers a registered agent's resources to a subscribed framework", async () => {
    const master = await startMaster();
    const agent = await scriptedAgent(master, 'h1', 'cpus:2;mem:1024;ports:[31000-31010]');
    const fw = await framework(master, 'f');
    const [offer] = await fw.offers();
    expect(offer?.agentId).toBe(agent.agentId);
    expect(Resources.fromWire(offer!.resources).equals(Resources.parse('cpus:2;mem:1024;ports:[31000-31010]'))).toBe(true);
  });

  it('master - a partial accept launches on the agent and re-offers the rest', async () => {
    const master = await startMaster();
    const agent = await scriptedAgent(master, 'h1', 'cpus:2;mem:1024;ports:[31000-31010]');
    const fw = await framework(master, 'f');
    const [offer] = await fw.offers();
    const res = await fw.call({
      accept: {
        offerIds: [offer!.id],
        operations: [{ launch: { tasks: [task('t1', agent.agentId, 'cpus:0.5;mem:256;ports:[31000-31000]')] } }],
        filters: { refuseSeconds: 0 },
      },
    });
    expect(res.launched).toBe(1);
    const launch = await next(agent.inbox, (m) => m.message === 'launchTasks');
    expect(launch.launchTasks!.tasks.map((t) => t.taskId)).toEqual(['t1']);
    const [rest] = await fw.offers();
    expect(Resources.fromWire(rest!.resources).equals(Resources.parse('cpus:1.5;mem:768;ports:[31001-31010]'))).toBe(true);
  });

  it('master - forwards status updates and routes acknowledgements back to the agent', async () => {
    const master = await startMaster();
    const agent = await scriptedAgent(master, 'h1', 'cpus:2;mem:1024');
    const fw = await framework(master, 'f');
    const [offer] = await fw.offers();
    await fw.call({ accept: { offerIds: [offer!.id], operations: [{ launch: { tasks: [task('t1', agent.agentId, 'cpus:1;mem:128')] } }] } });
    await next(agent.inbox, (m) => m.message === 'launchTasks');
    agent.stream.write({
      statusUpdates: {
        updates: [
          {
            status: { taskId: 't1', frameworkId: fw.frameworkId, agentId: agent.agentId, state: 'TASK_RUNNING', uuid: 'u-1', source: 'SOURCE_AGENT' },
            latestState: 'TASK_RUNNING',
          },
        ],
      },
    });
    const st = await fw.updates((s) => s.taskId === 't1');
    expect(st.state).toBe('TASK_RUNNING');
    await fw.call({ acknowledge: { acks: [{ agentId: agent.agentId, taskId: 't1', uuid: st.uuid }] } });
    const ack = await next(agent.inbox, (m) => m.message === 'acknowledgements');
    expect(ack.acknowledgements!.acks[0]).toMatchObject({ taskId: 't1', uuid: 'u-1', frameworkId: fw.frameworkId });
    expect(master.state().tasks?.[0]?.state).toBe('TASK_RUNNING');
  });

  it('master - a declined offer is withheld from that framework for refuse_seconds but offered to others', async () => {
    const master = await startMaster();
    await scriptedAgent(master, 'h1', 'cpus:2;mem:1024');
    const f1 = await framework(master, 'f1');
    const [offer] = await f1.offers();
    const f2 = await framework(master, 'f2');
    await f1.call({ decline: { offerIds: [offer!.id], filters: { refuseSeconds: 1.5 } } });
    const [o2] = await f2.offers();
    const declinedAt = Date.now();
    await f2.call({ decline: { offerIds: [o2!.id], filters: { refuseSeconds: 3600 } } });
    const [again] = await f1.offers();
    expect(again?.agentId).toBe(offer?.agentId);
    expect(Date.now() - declinedAt).toBeGreaterThanOrEqual(1300);
  });

  it('master - bad calls get a clear error and change nothing', async () => {
    const master = await startMaster();
    const agent = await scriptedAgent(master, 'h1', 'cpus:2;mem:1024');
    const fw = await framework(master, 'f');
    const [offer] = await fw.offers();
    await expect(fw.call({ accept: { offerIds: ['no-such-offer'], operations: [] } })).rejects.toMatchObject({
      code: 5,
      details: expect.stringMatching(/offer no-such-offer is unknown/),
    });
    await expect(fw.call({ accept: { offerIds: [''], operations: [] } })).rejects.toMatchObject({
      code: 3,
      details: expect.stringMatching(/accept.offer_ids\[0\]/),
    });
    await expect(fw.call({ decline: { offerIds: [offer!.id, 'bogus'] } })).rejects.toMatchObject({ code: 5 });
    await expect(fw.call({ revive: {} }, 'fw-unknown')).rejects.toMatchObject({ code: 5, details: expect.stringMatching(/not subscribed/) });
    await expect(fw.call({})).rejects.toMatchObject({ code: 3, details: expect.stringMatching(/no call given/) });
    // The offer survived all of that and can still be used.
    const tasks = [
      task('ok', agent.agentId, 'cpus:0.5;mem:64'),
      task('nan', agent.agentId, '', { resources: [{ name: 'cpus', scalar: Number.NaN }] }),
      task('neg', agent.agentId, '', { resources: [{ name: 'mem', scalar: -5 }] }),
      task('big', agent.agentId, 'cpus:8;mem:64'),
      task('ok', agent.agentId, 'cpus:0.1;mem:32'),
      task('bad/id', agent.agentId, 'cpus:0.1;mem:32'),
    ];
    const res = await fw.call({ accept: { offerIds: [offer!.id], operations: [{ launch: { tasks } }], filters: { refuseSeconds: 0 } } });
    expect(res.launched).toBe(1);
    const errors = new Map<string, string>();
    while (errors.size < 5) {
      const e = await next(fw.events, (ev) => ev.event === 'update');
      for (const s of e.update!.statuses) if (s.state === 'TASK_ERROR') errors.set(s.taskId, s.message);
    }
    expect(errors.get('nan')).toMatch(/resources\[0\]\.scalar: must be a finite number/);
    expect(errors.get('neg')).toMatch(/must not be negative/);
    expect(errors.get('big')).toMatch(/not within the offered resources.*short of cpus/);
    expect(errors.get('bad/id')).toMatch(/task_id/);
    expect([...errors.values()].some((m) => /already exists/.test(m))).toBe(true);
    // Reusing the accepted offer is refused.
    await expect(fw.call({ accept: { offerIds: [offer!.id], operations: [] } })).rejects.toMatchObject({ code: 5 });
    // The master still serves: the rest is re-offered.
    const [rest] = await fw.offers();
    expect(Resources.fromWire(rest!.resources).cpus).toBeCloseTo(1.5);
  });

  it('master - marks an agent that stops answering pings unreachable and its tasks TASK_UNREACHABLE', async () => {
    const master = await startMaster();
    const agent = await scriptedAgent(master, 'h1', 'cpus:2;mem:1024');
    const fw = await framework(master, 'f');
    const [offer] = await fw.offers();
    await fw.call({ accept: { offerIds: [offer!.id], operations: [{ launch: { tasks: [task('t1', agent.agentId, 'cpus:1;mem:128')] } }] } });
    agent.stream.removeAllListeners('data');
    agent.stream.on('data', () => {});
    const st = await fw.updates((s) => s.taskId === 't1' && s.state === 'TASK_UNREACHABLE');
    expect(st.reason).toBe('REASON_AGENT_UNREACHABLE');
  });

  it('master - rescinds offers that time out and gives their resources back', async () => {
    const master = await startMaster({ offerTimeoutMs: 300 });
    await scriptedAgent(master, 'h1', 'cpus:2;mem:1024');
    const fw = await framework(master, 'f');
    const [offer] = await fw.offers();
    const rescind = await next(fw.events, (e) => e.event === 'rescind');
    expect(rescind.rescind!.offerIds).toEqual([offer!.id]);
    await expect(fw.call({ accept: { offerIds: [offer!.id], operations: [] } })).rejects.toMatchObject({ code: 5 });
    const [again] = await fw.offers();
    expect(again!.id).not.toBe(offer!.id);
  });

  it('master - rescinds the offers of an agent whose stream is lost', async () => {
    const master = await startMaster({ agentPingIntervalMs: 10_000 });
    const agent = await scriptedAgent(master, 'h1', 'cpus:2;mem:1024');
    const fw = await framework(master, 'f');
    const [offer] = await fw.offers();
    agent.stream.cancel();
    const rescind = await next(fw.events, (e) => e.event === 'rescind');
    expect(rescind.rescind!.offerIds).toEqual([offer!.id]);
    expect(master.offers.size).toBe(0);
  });

  it("master - answers explicit reconciliation with each task's state, TASK_UNKNOWN for strangers, and kill of a stranger likewise", async () => {
    const master = await startMaster();
    const agent = await scriptedAgent(master, 'h1', 'cpus:2;mem:1024');
    const fw = await framework(master, 'f');
    const [offer] = await fw.offers();
    await fw.call({ accept: { offerIds: [offer!.id], operations: [{ launch: { tasks: [task('t1', agent.agentId, 'cpus:1;mem:128')] } }] } });
    await fw.call({ reconcile: { tasks: [{ taskId: 't1' }, { taskId: 'ghost' }] } });
    const known = await fw.updates((s) => s.taskId === 't1' && s.reason === 'REASON_RECONCILIATION');
    expect(known.state).toBe('TASK_STAGING');
    expect(known.uuid).toBe('');
    const ghost = await fw.updates((s) => s.taskId === 'ghost');
    expect(ghost.state).toBe('TASK_UNKNOWN');
    await fw.call({ kill: { tasks: [{ taskId: 'ghost2' }] } });
    const ghost2 = await fw.updates((s) => s.taskId === 'ghost2');
    expect(ghost2).toMatchObject({ state: 'TASK_UNKNOWN', reason: 'REASON_TASK_UNKNOWN' });
    await expect(fw.call({ reconcile: { tasks: [{ taskId: '' }] } })).rejects.toMatchObject({
      code: 3,
      details: expect.stringMatching(/reconcile.tasks\[0\].task_id/),
    });
  });

  it('master - refuses a framework that re-subscribes with an id it never gave', async () => {
    const master = await startMaster();
    const client = schedulerClient(master.address);
    peers.defer(() => client.close());
    const sub = client.subscribe({ frameworkInfo: { name: 'x', id: 'fw-made-up' } });
    const err = await new Promise<grpc.ServiceError>((resolve) => sub.on('error', resolve));
    expect(err.code).toBe(5);
    expect(err.details).toMatch(/not known to this master/);
  });
});

describe('master registry writes', () => {
  it('master - a re-registration with unchanged agent info writes nothing to the registry; a changed one does', async () => {
    const store = new MemoryStore();
    const puts: string[] = [];
    const put = store.put.bind(store);
    store.put = (async (key: string, value: unknown, options?: { expectedRevision?: number }) => {
      puts.push(key);
      return put(key, value, options);
    }) as typeof store.put;
    const master = await startMaster({ store });
    const first = await scriptedAgent(master, 'host-r', 'cpus:2;mem:1024');
    expect(puts.filter((k) => k.startsWith('agents/'))).toEqual([`agents/${first.agentId}`]);
    await scriptedAgent(master, 'host-r', 'cpus:2;mem:1024', first.agentId);
    expect(puts.filter((k) => k.startsWith('agents/'))).toHaveLength(1);
    await scriptedAgent(master, 'host-r', 'cpus:4;mem:1024', first.agentId);
    expect(puts.filter((k) => k.startsWith('agents/'))).toHaveLength(2);
    expect(((await store.get<{ info: { resources: unknown[] } }>(`agents/${first.agentId}`))?.value.info.resources ?? []).length).toBeGreaterThan(0);
  });

  it('master - an update that would move a task backwards is delivered for acknowledgement but not applied', async () => {
    const master = await startMaster();
    const agent = await scriptedAgent(master, 'h1', 'cpus:2;mem:1024');
    const fw = await framework(master, 'f');
    const [offer] = await fw.offers();
    await fw.call({ accept: { offerIds: [offer!.id], operations: [{ launch: { tasks: [task('t1', agent.agentId, 'cpus:1;mem:128')] } }] } });
    const send = (state: 'TASK_FINISHED' | 'TASK_RUNNING', uuid: string) =>
      agent.stream.write({
        statusUpdates: {
          updates: [{ status: { taskId: 't1', frameworkId: fw.frameworkId, agentId: agent.agentId, state, uuid, source: 'SOURCE_AGENT' }, latestState: state }],
        },
      });
    send('TASK_FINISHED', 'u-fin');
    await fw.updates((s) => s.uuid === 'u-fin');
    send('TASK_RUNNING', 'u-late');
    const late = await fw.updates((s) => s.uuid === 'u-late');
    expect(late.state).toBe('TASK_RUNNING');
    expect(master.tasks.get(`${fw.frameworkId}/t1`)?.state).toBe('TASK_FINISHED');
  });

  it('master - one DECLINE may cover offers from several agents; one ACCEPT may not', async () => {
    const master = await startMaster();
    await scriptedAgent(master, 'h1', 'cpus:1;mem:512');
    await scriptedAgent(master, 'h2', 'cpus:1;mem:512');
    const fw = await framework(master, 'f');
    const offers = [...(await fw.offers())];
    while (offers.length < 2) offers.push(...(await fw.offers()));
    const ids = offers.map((o) => o.id);
    await expect(fw.call({ accept: { offerIds: ids, operations: [] } })).rejects.toMatchObject({ code: 3, details: expect.stringMatching(/same agent/) });
    await fw.call({ decline: { offerIds: ids, filters: { refuseSeconds: 60 } } });
    expect(master.offers.size).toBe(0);
  });
});
