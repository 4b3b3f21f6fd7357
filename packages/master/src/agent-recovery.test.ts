import { type AgentMessageInit, Resources } from '@tandem/protocol';
import { MemoryStore } from '@tandem/store';
import { afterEach, describe, expect, it } from 'vitest';
import type { AgentRecord } from './agent-registry.js';
import type { Master } from './master.js';
import { FlakyStore, next, ScriptedPeers } from './test-support/scripted-peers.js';

// A restarted master and the agents its registry admitted: until they re-register (or
// agentReregisterTimeoutMs runs out) it gives no verdict on tasks it does not know that
// may be on them, so frameworks neither replace running tasks nor run them twice.

const peers = new ScriptedPeers();
afterEach(() => peers.stop());

type AgentInfoInit = NonNullable<NonNullable<AgentMessageInit['register']>['agentInfo']>;
const agentInfo = (hostname: string, id?: string): AgentInfoInit => ({
  ...(id ? { id } : {}),
  hostname,
  resources: Resources.parse('cpus:2;mem:512').toWire(),
  containerizers: ['process'],
});
type Framework = Awaited<ReturnType<ScriptedPeers['framework']>>;

/** The statuses of the next UPDATE event (one call's answers travel in one), as [task, state]. */
async function nextUpdate(fw: Framework): Promise<[string, string][]> {
  const e = await next(fw.events, (ev) => ev.event === 'update');
  return e.update!.statuses.map((s) => [s.taskId, s.state]);
}

/** Agents `names` registered with a master on `store`, then that master stopped; returns their ids. */
async function admittedThenRestart(store: MemoryStore, names: string[]): Promise<string[]> {
  const first = await peers.startMaster({ store });
  const ids = [];
  for (const name of names) ids.push((await peers.agent(first, { agentInfo: agentInfo(name) })).agentId);
  await first.stop();
  return ids;
}

const record = async (store: MemoryStore, id: string) => (await store.get<AgentRecord>(`agents/${id}`))?.value;

describe('a restarted master waiting for the agents of its registry', () => {
  it('answers nothing for an unknown task on an agent not back yet, nor for one naming no agent; lists no such agent', async () => {
    const store = new MemoryStore();
    const [a, b] = await admittedThenRestart(store, ['a', 'b']);
    const master = await peers.startMaster({ store });
    expect((await peers.getState(master)).agents).toEqual([]);
    const fw = await peers.framework(master);

    await fw.call({ reconcile: { tasks: [{ taskId: 'on-a', agentId: a! }, { taskId: 'anywhere' }, { taskId: 'on-stranger', agentId: 'agent-stranger' }] } });
    expect(await nextUpdate(fw)).toEqual([['on-stranger', 'TASK_UNKNOWN']]);
    await fw.call({ kill: { tasks: [{ taskId: 'on-a', agentId: a! }, { taskId: 'anywhere' }, { taskId: 'on-stranger', agentId: 'agent-stranger' }] } });
    expect(await nextUpdate(fw)).toEqual([['on-stranger', 'TASK_UNKNOWN']]);
    // Implicit reconciliation answers only for tasks the master knows: none.
    await fw.call({ reconcile: { tasks: [] } });

    // a is back without the task: it is not there. b is not back: a task naming no agent may be on it.
    await peers.agent(master, { agentInfo: agentInfo('a', a) });
    await fw.call({ reconcile: { tasks: [{ taskId: 'on-a', agentId: a! }, { taskId: 'anywhere' }] } });
    expect(await nextUpdate(fw)).toEqual([['on-a', 'TASK_UNKNOWN']]);

    await peers.agent(master, { agentInfo: agentInfo('b', b) });
    await fw.call({ reconcile: { tasks: [{ taskId: 'anywhere' }] } });
    expect(await nextUpdate(fw)).toEqual([['anywhere', 'TASK_UNKNOWN']]);
    expect((await peers.getState(master)).agents.map((x) => x.info?.hostname).sort()).toEqual(['a', 'b']);
  });

  it('after agentReregisterTimeoutMs records an absent agent unreachable, then answers TASK_UNREACHABLE for it, also after another restart; back, it is reachable again', async () => {
    const store = new MemoryStore();
    const [b] = await admittedThenRestart(store, ['b']);
    const master = await peers.startMaster({ store, agentReregisterTimeoutMs: 1_000 });
    const fw = await peers.framework(master);
    await fw.call({
      reconcile: {
        tasks: [
          { taskId: 'on-b', agentId: b! },
          { taskId: 'probe', agentId: 'agent-stranger' },
        ],
      },
    });
    expect(await nextUpdate(fw)).toEqual([['probe', 'TASK_UNKNOWN']]);

    const failure = await next(fw.events, (e) => e.event === 'failure', 10_000);
    expect(failure.failure?.agentId).toBe(b);
    expect((await record(store, b!))?.unreachableAt).toBeGreaterThan(0);
    await fw.call({ reconcile: { tasks: [{ taskId: 'on-b', agentId: b! }, { taskId: 'anywhere' }] } });
    expect(await nextUpdate(fw)).toEqual([
      ['on-b', 'TASK_UNREACHABLE'],
      ['anywhere', 'TASK_UNKNOWN'],
    ]);
    await master.stop();

    // The mark is durable: the next master answers at once and waits for nobody.
    const third = await peers.startMaster({ store });
    const fw3 = await peers.framework(third);
    await fw3.call({ reconcile: { tasks: [{ taskId: 'on-b', agentId: b! }, { taskId: 'anywhere' }] } });
    expect(await nextUpdate(fw3)).toEqual([
      ['on-b', 'TASK_UNREACHABLE'],
      ['anywhere', 'TASK_UNKNOWN'],
    ]);

    // b returns running the task: the framework, told it was unreachable, hears it runs.
    await peers.agent(third, {
      agentInfo: agentInfo('b', b),
      tasks: [
        {
          info: {
            taskId: 'on-b',
            name: 'on-b',
            agentId: b!,
            resources: Resources.parse('cpus:0.5;mem:64').toWire(),
            command: { shell: false, arguments: ['sleep', '100'] },
          },
          frameworkId: fw3.frameworkId,
          state: 'TASK_RUNNING',
        },
      ],
    });
    const back = await fw3.updates((s) => s.taskId === 'on-b');
    expect([back.state, back.reason]).toEqual(['TASK_RUNNING', 'REASON_AGENT_REREGISTERED']);
    expect((await record(store, b!))?.unreachableAt).toBeUndefined();
  });

  it('marks an agent that stops answering pings unreachable in the registry before announcing it, and not while the write fails', async () => {
    const store = new FlakyStore('agents/');
    const master: Master = await peers.startMaster({ store, agentPingIntervalMs: 100, maxMissedPings: 2 });
    const fw = await peers.framework(master);
    const silent = await peers.agent(
      master,
      {
        agentInfo: agentInfo('silent'),
        tasks: [
          {
            info: { taskId: 't', name: 't', resources: Resources.parse('cpus:0.5;mem:64').toWire(), command: { shell: false, arguments: ['sleep', '100'] } },
            frameworkId: fw.frameworkId,
            state: 'TASK_RUNNING',
          },
        ],
      },
      { answerPings: false },
    );
    store.failing = true;
    // Many ping rounds go by; without the mark written nothing is announced (the agent is
    // only DISCONNECTED, offered no more, while it waits to be marked).
    await new Promise((r) => setTimeout(r, 1_500));
    expect(master.agents.get(silent.agentId)?.phase).toBe('DISCONNECTED');
    expect(master.tasks.get(`${fw.frameworkId}/t`)?.state).toBe('TASK_RUNNING');
    store.failing = false;
    const st = await fw.updates((s) => s.taskId === 't' && s.state === 'TASK_UNREACHABLE');
    expect(st.reason).toBe('REASON_AGENT_UNREACHABLE');
    expect((await record(store, silent.agentId))?.unreachableAt).toBeGreaterThan(0);
  });
});
