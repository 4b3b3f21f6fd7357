import { type AgentInfo, isTerminal, nowSeconds, TandemError } from '@tandem/protocol';
import type { AgentLink } from './agent-link.js';
import type { AgentRecord } from './agent-registry.js';
import type { MasterCore } from './master-core.js';
import type { AgentEntry } from './state-records.js';
import { masterUpdate } from './status-updates.js';

/** An agent's stream closed: the agent is DISCONNECTED until it returns or misses too many pings. */
export function agentStreamClosed(core: MasterCore, agentId: string, link: AgentLink): void {
  const agent = core.agents.get(agentId);
  if (!agent || agent.link !== link) return;
  agent.link = undefined;
  if (agent.phase === 'ACTIVE') agent.phase = 'DISCONNECTED';
  for (const offerId of [...agent.offerIds]) core.rescindOffer(offerId, true);
  core.allocator.setAgentActive(agentId, false);
  core.logReads.agentDisconnected(agentId);
  core.log.warn({ agentId }, 'agent disconnected; waiting for it to come back before marking it unreachable');
}

/**
 * One ping round: pings every agent not marked unreachable; an agent that missed too many
 * asks the removal rate limit (agent-removal-limit.ts) for its turn to be marked
 * unreachable, and waits DISCONNECTED until then (still pinged: an answer takes it out of
 * the queue).
 */
export function pingAgents(core: MasterCore): void {
  for (const agent of core.agents.values()) {
    if (agent.phase === 'UNREACHABLE' || agent.markingUnreachable) continue;
    if (agent.missedPings >= core.options.maxMissedPings) {
      if (!core.removals.has(agent.id)) awaitRemoval(core, agent);
    } else {
      agent.missedPings++;
    }
    agent.link?.send({ ping: { seq: ++agent.pingSeq } });
  }
}

/** The agent missed too many pings: no more offers of it until it answers; it is marked unreachable when the rate limit allows. */
function awaitRemoval(core: MasterCore, agent: AgentEntry): void {
  if (agent.phase === 'ACTIVE') {
    // Its stream is open but silent (a partition): treat it as disconnected meanwhile.
    agent.phase = 'DISCONNECTED';
    for (const offerId of [...agent.offerIds]) core.rescindOffer(offerId, true);
    core.allocator.setAgentActive(agent.id, false);
  }
  core.removals.request(agent.id, () => {
    if (core.agents.get(agent.id) !== agent || agent.phase === 'UNREACHABLE' || agent.missedPings < core.options.maxMissedPings) return;
    void markUnreachable(core, agent);
  });
}

/**
 * A pong: the agent answers again. One that waited to be marked unreachable leaves the
 * queue; one made DISCONNECTED for its silence is offered again (its stream answered).
 */
export function agentAnswered(core: MasterCore, agent: AgentEntry): void {
  agent.missedPings = 0;
  if (core.removals.cancel(agent.id)) {
    core.log.info({ agentId: agent.id, hostname: agent.info.hostname }, 'agent answered again; it no longer waits to be marked unreachable');
  }
  if (agent.phase === 'DISCONNECTED' && agent.link && !agent.link.closed) {
    agent.phase = 'ACTIVE';
    // A draining agent stays out of the offers (agent-drain.ts).
    core.allocator.setAgentActive(agent.id, !core.drains.has(agent.id));
    core.scheduleAllocation();
  }
}

/**
 * Marks an agent that missed too many pings unreachable: recorded in the registry first,
 * then announced (its tasks TASK_UNREACHABLE). When the write fails nothing is announced
 * and the next ping round tries again; when the agent re-registers meanwhile, it stays.
 */
async function markUnreachable(core: MasterCore, agent: AgentEntry): Promise<void> {
  agent.markingUnreachable = true;
  let recorded: boolean;
  try {
    recorded = await recordUnreachable(core, agent.id, { info: agent.info, registeredAt: agent.registeredAt }, nowSeconds());
  } catch (err) {
    core.log.error(
      { agentId: agent.id, err: TandemError.from(err).message },
      'could not record the agent unreachable in the registry; trying again at the next ping round',
    );
    return;
  } finally {
    agent.markingUnreachable = false;
  }
  if (!recorded || core.agents.get(agent.id) !== agent || !core.running()) return;
  if (agent.missedPings < core.options.maxMissedPings) {
    // It answered a ping while the mark was being written: reachable after all.
    await core.agentRegistry.admit(agent.id, agent.info, agent.registeredAt).then(
      () => core.agentRegistry.admitted(agent.id),
      (err: unknown) => core.log.error({ agentId: agent.id, err: TandemError.from(err).message }, 'could not record the agent reachable again in the registry'),
    );
    return;
  }
  core.log.warn({ agentId: agent.id, hostname: agent.info.hostname }, 'agent unreachable: missed too many pings');
  agent.phase = 'UNREACHABLE';
  agent.link?.end();
  agent.link = undefined;
  for (const offerId of [...agent.offerIds]) core.rescindOffer(offerId, false);
  core.allocator.removeAgent(agent.id);
  for (const key of agent.taskKeys) {
    const task = core.tasks.get(key);
    if (!task || isTerminal(task.state)) continue;
    masterUpdate(core, task, 'TASK_UNREACHABLE', 'REASON_AGENT_UNREACHABLE', `agent ${agent.id} (${agent.info.hostname}) is unreachable`);
  }
  announceUnreachable(core, agent.id, agent.info);
}

/**
 * The agent re-register timeout after a restart ran out: each admitted agent that has not
 * come back is recorded unreachable, then announced; from then on a task the master does
 * not know on it is TASK_UNREACHABLE. Returns how many could not be recorded (still waited for).
 */
export async function expireRecoveredAgents(core: MasterCore): Promise<number> {
  const waiting = core.agentRegistry.recoveredAgents();
  if (waiting.length === 0) return 0;
  core.log.warn(
    { agents: waiting.length, timeoutMs: core.options.agentReregisterTimeoutMs },
    'admitted agents did not re-register in time; marking them unreachable',
  );
  const at = nowSeconds();
  let failed = 0;
  await Promise.all(
    waiting.map(async ([id, record]) => {
      try {
        if (!(await recordUnreachable(core, id, record, at))) return;
      } catch (err) {
        failed++;
        core.log.error({ agentId: id, err: TandemError.from(err).message }, 'could not record the agent unreachable in the registry');
        return;
      }
      if (core.running()) announceUnreachable(core, id, record.info);
    }),
  );
  return failed;
}

/** Writes the unreachable mark; false (and the admission written again) when the agent was admitted meanwhile. */
async function recordUnreachable(core: MasterCore, agentId: string, record: AgentRecord, at: number): Promise<boolean> {
  if (await core.agentRegistry.markUnreachable(agentId, record, at)) return true;
  if (core.agentRegistry.goneAt(agentId) !== undefined) return false;
  const back = core.agents.get(agentId);
  if (back) await core.agentRegistry.admit(agentId, back.info, back.registeredAt);
  return false;
}

function announceUnreachable(core: MasterCore, agentId: string, info: AgentInfo): void {
  for (const fw of core.frameworks.values()) {
    fw.stream?.send({ failure: { agentId, message: 'agent unreachable' } });
  }
  core.emit({ agentUnreachable: info });
}
