import { type AgentMessageInit, Resources } from '@tandem/protocol';
import { afterEach, describe, expect, it } from 'vitest';
import { next, ScriptedPeers } from './test-support/scripted-peers.js';

// Agents that stop answering pings, with a removal rate limit of one per minute: the first
// is marked unreachable, the next waits DISCONNECTED (not offered, its task not
// UNREACHABLE) until it answers again or an operator marks it gone. Scripted agent streams
// over real gRPC.

const peers = new ScriptedPeers();
afterEach(() => peers.stop());

type Register = NonNullable<AgentMessageInit['register']>;
const withTask = (hostname: string, frameworkId: string, taskId: string): Register => ({
  agentInfo: { hostname, resources: Resources.parse('cpus:2;mem:512').toWire(), containerizers: ['process'] },
  tasks: [
    {
      info: { taskId, name: taskId, resources: Resources.parse('cpus:0.5;mem:64').toWire(), command: { shell: false, arguments: ['sleep', '100'] } },
      frameworkId,
      state: 'TASK_RUNNING',
    },
  ],
});

/** Two silent agents with one task each under a limit of one removal a minute; the first is marked unreachable at once. */
async function oneMarkedOneWaiting() {
  const master = await peers.startMaster({ agentPingIntervalMs: 100, maxMissedPings: 2, agentRemovalRateLimit: { count: 1, perMs: 60_000 } });
  const fw = await peers.framework(master);
  const first = await peers.agent(master, withTask('first', fw.frameworkId, 't1'), { answerPings: false });
  await next(fw.events, (e) => e.event === 'failure' && e.failure?.agentId === first.agentId);
  const second = await peers.agent(master, withTask('second', fw.frameworkId, 't2'), { answerPings: false });
  const t = Date.now();
  while (master.agentsAwaitingRemoval === 0 && Date.now() - t < 5_000) await new Promise((r) => setTimeout(r, 20));
  return { master, fw, first, second };
}

describe('agent removal rate limit (scripted agents)', () => {
  it('removal - an agent waiting its turn is DISCONNECTED and not offered; answering again it is ACTIVE and offered, never marked', async () => {
    const { master, fw, first, second } = await oneMarkedOneWaiting();
    expect(master.agents.get(first.agentId)?.phase).toBe('UNREACHABLE');
    expect(master.agentsAwaitingRemoval).toBe(1);
    expect(master.agents.get(second.agentId)?.phase).toBe('DISCONNECTED');
    expect(master.tasks.get(`${fw.frameworkId}/t2`)?.state).toBe('TASK_RUNNING');
    // While it waits, none of its resources is offered (those offered before it went silent were rescinded).
    const drain = async () => {
      const events = [];
      while (fw.events.size > 0) {
        const r = await fw.events.next();
        if (!r.done) events.push(r.value);
      }
      return events;
    };
    await drain();
    await new Promise((r) => setTimeout(r, 300));
    const offered = (await drain()).flatMap((e) => (e.event === 'offers' ? e.offers!.offers : []));
    expect(offered.filter((o) => o.agentId === second.agentId)).toEqual([]);

    second.answer(true);
    const offer = await next(fw.events, (e) => e.event === 'offers' && e.offers!.offers.some((o) => o.agentId === second.agentId));
    expect(offer).toBeDefined();
    expect(master.agents.get(second.agentId)?.phase).toBe('ACTIVE');
    expect(master.agentsAwaitingRemoval).toBe(0);
    expect(master.tasks.get(`${fw.frameworkId}/t2`)?.state).toBe('TASK_RUNNING');
  });

  it('removal - an agent marked gone while it waits leaves the queue: its task is TASK_GONE_BY_OPERATOR and its stream gets a shutdown', async () => {
    const { master, fw, second } = await oneMarkedOneWaiting();
    const gone = await master.markAgentGone(second.agentId);
    expect(gone.tasksGone).toBe(1);
    expect(master.agentsAwaitingRemoval).toBe(0);
    const st = await fw.updates((s) => s.taskId === 't2');
    expect([st.state, st.reason]).toEqual(['TASK_GONE_BY_OPERATOR', 'REASON_AGENT_REMOVED_BY_OPERATOR']);
    const shutdown = await next(second.inbox, (m) => m.message === 'shutdown');
    expect(shutdown.shutdown?.reason).toMatch(/marked gone by an operator/);
    expect(master.agents.has(second.agentId)).toBe(false);
  });
});
