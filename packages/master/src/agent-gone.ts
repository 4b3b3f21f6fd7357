import { Code, checkId, isTerminal, nowSeconds, TandemError } from '@tandem/protocol';
import type { MasterCore } from './master-core.js';
import { completeTask, masterUpdate } from './status-updates.js';

/** What marking an agent gone did. */
export interface AgentGone {
  /** When the agent was recorded gone (seconds since the epoch). */
  goneAt: number;
  /** Tasks this call moved to TASK_GONE_BY_OPERATOR. */
  tasksGone: number;
}

/**
 * Marks an agent gone for good (Operator.MarkAgentGone, Mesos' MARK_AGENT_GONE): an
 * operator asserts the machine is gone and will not return. Recorded in the registry
 * first (a failed write is UNAVAILABLE and changes nothing); then the agent leaves the
 * removal queue, a connected agent is told to shut down, its offers are rescinded, its
 * tasks become TASK_GONE_BY_OPERATOR, it leaves the allocator and the master's books.
 * From then on its registration is refused (agent-registry.ts). Any admitted agent may be
 * marked gone: active, disconnected, unreachable, or not back since a restart; an id the
 * registry never admitted is NOT_FOUND. Marking a gone agent again changes nothing.
 */
export async function markAgentGone(core: MasterCore, agentId: string): Promise<AgentGone> {
  const id = checkId('agent_id', agentId);
  const known = core.agents.get(id);
  let marked: Awaited<ReturnType<MasterCore['agentRegistry']['markGone']>>;
  try {
    marked = await core.agentRegistry.markGone(id, known && { info: known.info, registeredAt: known.registeredAt }, nowSeconds());
  } catch (err) {
    const e = TandemError.from(err);
    core.log.error({ agentId: id, err: e.message }, 'could not record the agent gone in the registry; nothing changed');
    throw new TandemError(Code.Unavailable, `the master could not record agent ${id} gone in its registry (${e.message}); nothing changed, try again`, {
      cause: err,
    });
  }
  if (!marked) throw new TandemError(Code.NotFound, `agent ${id} is not known to the master: its registry never admitted it`, { field: 'agent_id' });
  core.removals.cancel(id);
  const tasksGone = forgetAgent(core, id);
  if (marked.fresh) core.log.warn({ agentId: id, tasksGone }, 'agent marked gone by an operator; it may never register again under this id');
  return { goneAt: marked.goneAt, tasksGone };
}

/** Takes a gone agent out of the master's books; returns how many of its tasks became TASK_GONE_BY_OPERATOR. */
function forgetAgent(core: MasterCore, agentId: string): number {
  const agent = core.agents.get(agentId);
  if (!agent) return 0;
  const why = `agent ${agentId} (${agent.info.hostname}) was marked gone by an operator`;
  // A live agent stops and forgets its id (packages/agent: shutdown), so nothing of it runs on.
  agent.link?.send({ shutdown: { reason: why } });
  agent.link?.end();
  agent.link = undefined;
  for (const offerId of [...agent.offerIds]) core.rescindOffer(offerId, false);
  let tasksGone = 0;
  // Before the agent leaves the allocator: a task's release gives its resources back to the agent's pool, which then goes.
  for (const key of [...agent.taskKeys]) {
    const task = core.tasks.get(key);
    if (!task) continue;
    if (isTerminal(task.state)) {
      completeTask(core, task);
      continue;
    }
    masterUpdate(core, task, 'TASK_GONE_BY_OPERATOR', 'REASON_AGENT_REMOVED_BY_OPERATOR', why);
    tasksGone++;
  }
  core.allocator.removeAgent(agentId);
  core.logReads.agentDisconnected(agentId);
  core.agents.delete(agentId);
  for (const fw of core.frameworks.values()) fw.stream?.send({ failure: { agentId, message: 'agent marked gone by an operator' } });
  core.emit({ agentRemoved: agentId });
  return tasksGone;
}
