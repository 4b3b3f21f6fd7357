import { Code, checkId, type DrainInfoInit, isTerminal, type KillTaskInit, nowSeconds, TandemError, ValidationError } from '@tandem/protocol';
import { type DrainRecord, drainInfoOf } from './agent-drains.js';
import { markAgentGone } from './agent-gone.js';
import type { MasterCore } from './master-core.js';
import { type AgentEntry, taskInfoOf } from './state-records.js';

/** What Operator.DrainAgent asks for. */
export interface DrainRequest {
  agentId: string;
  /** The longest a task's kill may take, in seconds (0: at once); undefined: each task's own kill policy. */
  gracePeriodSeconds?: number | undefined;
  markGone: boolean;
  /** A maintenance window drains the agent until this time (maintenance.ts); an operator's drain has none. */
  maintenanceUntil?: number;
}

/** The smallest grace the agent honours as one (its kill policy reads 0 as "the task's own"). */
const AT_ONCE_SECONDS = 0.001;

/**
 * Drains an agent (Operator.DrainAgent, Mesos' DRAIN_AGENT). The drain is recorded in the
 * registry first (a failed write is UNAVAILABLE and changes nothing); then the agent
 * leaves the offers (the allocator holds it inactive, its offers are rescinded) and each
 * task of it still running is killed with REASON_AGENT_DRAINING, within the smaller of its
 * own kill grace and the drain's. The frameworks see TASK_KILLED and launch the work
 * elsewhere. It is DRAINED once no task of it is left running (`drainProgress`); with
 * `markGone` it is then marked gone. An agent not connected now is drained when it comes
 * back (`resumeDrain`). Draining again replaces the settings (and sends the kills again).
 */
export async function drainAgent(core: MasterCore, req: DrainRequest): Promise<{ drainInfo: DrainInfoInit; tasksKilled: number }> {
  const id = checkId('agent_id', req.agentId);
  const grace = req.gracePeriodSeconds;
  if (grace !== undefined && (!Number.isFinite(grace) || grace < 0 || grace > 365 * 24 * 3600)) {
    throw new ValidationError('grace_period_seconds', `must be a finite number of seconds from 0 to one year, got ${grace}`);
  }
  const goneAt = core.agentRegistry.goneAt(id);
  if (goneAt !== undefined) {
    throw new TandemError(Code.FailedPrecondition, `agent ${id} was marked gone at ${new Date(goneAt * 1000).toISOString()}; there is nothing to drain`, {
      field: 'agent_id',
    });
  }
  if (!core.agents.has(id) && !core.agentRegistry.knows(id)) {
    throw new TandemError(Code.NotFound, `agent ${id} is not known to the master: its registry never admitted it`, { field: 'agent_id' });
  }
  const before = core.drains.get(id);
  const record: DrainRecord = {
    ...(grace === undefined ? {} : { gracePeriodSeconds: grace }),
    markGone: req.markGone,
    since: before?.since ?? nowSeconds(),
    ...(before?.drainedAt === undefined ? {} : { drainedAt: before.drainedAt }),
    ...(req.maintenanceUntil === undefined ? {} : { maintenanceUntil: req.maintenanceUntil }),
  };
  await recorded(core, id, 'drain', () => core.drains.put(id, record));
  core.log.warn({ agentId: id, gracePeriodSeconds: grace, markGone: req.markGone }, 'agent draining: no offers, its tasks are killed');
  const tasksKilled = resumeDrain(core, id);
  core.emit({ agentDrain: { agentId: id, drainInfo: drainInfoOf(core.drains.get(id)) } });
  drainProgress(core, id);
  return { drainInfo: drainInfoOf(core.drains.get(id)), tasksKilled };
}

/**
 * Ends an agent's drain (Operator.ReactivateAgent): recorded in the registry first, then
 * the agent is offered again. Kills already sent go on. False when it was not draining;
 * FAILED_PRECONDITION for an agent marked gone, NOT_FOUND for one never admitted.
 */
export async function reactivateAgent(core: MasterCore, agentId: string): Promise<boolean> {
  const id = checkId('agent_id', agentId);
  const goneAt = core.agentRegistry.goneAt(id);
  if (goneAt !== undefined) {
    throw new TandemError(Code.FailedPrecondition, `agent ${id} was marked gone at ${new Date(goneAt * 1000).toISOString()}; it cannot be reactivated`, {
      field: 'agent_id',
    });
  }
  if (!core.drains.has(id)) {
    if (!core.agents.has(id) && !core.agentRegistry.knows(id)) {
      throw new TandemError(Code.NotFound, `agent ${id} is not known to the master: its registry never admitted it`, { field: 'agent_id' });
    }
    return false;
  }
  const removed = await recorded(core, id, 'reactivation', () => core.drains.remove(id));
  if (!removed) return false;
  const agent = core.agents.get(id);
  if (agent?.phase === 'ACTIVE') {
    core.allocator.setAgentActive(id, true);
    core.scheduleAllocation();
  }
  core.log.info({ agentId: id }, 'agent reactivated: offered again');
  core.emit({ agentDrain: { agentId: id, drainInfo: drainInfoOf(undefined) } });
  return true;
}

/**
 * Applies the drain of a connected agent: out of the offers, its running tasks killed.
 * Called by DrainAgent and when a draining agent (re-)registers. Returns the kills sent.
 */
export function resumeDrain(core: MasterCore, agentId: string): number {
  const agent = core.agents.get(agentId);
  const record = core.drains.get(agentId);
  if (!agent || !record) return 0;
  core.allocator.setAgentActive(agentId, false);
  for (const offerId of [...agent.offerIds]) core.rescindOffer(offerId, true);
  return killTasksOf(core, agent, record);
}

function killTasksOf(core: MasterCore, agent: AgentEntry, record: DrainRecord): number {
  const kills: KillTaskInit[] = [];
  for (const key of agent.taskKeys) {
    const task = core.tasks.get(key);
    if (!task || isTerminal(task.state)) continue;
    task.killRequested = true;
    const kill: KillTaskInit = { taskId: task.id, frameworkId: task.frameworkId, reason: 'REASON_AGENT_DRAINING' };
    if (record.gracePeriodSeconds !== undefined) {
      const own = taskInfoOf(task).killPolicy?.gracePeriodSeconds;
      const grace = own !== undefined && own > 0 ? Math.min(own, record.gracePeriodSeconds) : record.gracePeriodSeconds;
      kill.killPolicy = { gracePeriodSeconds: Math.max(grace, AT_ONCE_SECONDS) };
    }
    kills.push(kill);
  }
  if (kills.length > 0) agent.link?.send({ killTasks: { kills } });
  return agent.link ? kills.length : 0;
}

/**
 * A draining agent may be done: when it is connected and none of its tasks is left
 * running it becomes DRAINED (recorded, then announced), and with `markGone` is marked
 * gone. Cheap to call after any task of any agent ends.
 */
export function drainProgress(core: MasterCore, agentId: string): void {
  const record = core.drains.get(agentId);
  const agent = core.agents.get(agentId);
  if (!record || !agent || agent.phase === 'UNREACHABLE') return;
  if (record.drainedAt !== undefined) {
    if (record.markGone) void goneAfterDrain(core, agentId);
    return;
  }
  for (const key of agent.taskKeys) {
    const task = core.tasks.get(key);
    if (task && !isTerminal(task.state)) return;
  }
  const busy = `${core.masterId}/${agentId}`;
  if (pending.has(busy)) return;
  pending.add(busy);
  void core.drains
    .markDrained(agentId, nowSeconds())
    .finally(() => pending.delete(busy))
    .then(
      (drained) => {
        if (!drained) return;
        core.log.info({ agentId }, 'agent drained: no task of it is left running');
        core.emit({ agentDrain: { agentId, drainInfo: drainInfoOf(drained) } });
        if (drained.markGone) void goneAfterDrain(core, agentId);
      },
      (err: unknown) =>
        core.log.error(
          { agentId, err: TandemError.from(err).message },
          'could not record the agent drained in the registry; it shows DRAINING until its next task update',
        ),
    );
}

/** Drains being recorded DRAINED or marked gone, by `<masterId>/<agentId>`: one at a time. */
const pending = new Set<string>();

/** A drained agent with `mark_gone`: marked gone (MarkAgentGone), then its drain record goes. */
async function goneAfterDrain(core: MasterCore, agentId: string): Promise<void> {
  const busy = `${core.masterId}/${agentId}/gone`;
  if (pending.has(busy)) return;
  pending.add(busy);
  try {
    // Reactivated (or drained again without mark_gone) meanwhile: it stays.
    const record = core.drains.get(agentId);
    if (!record?.markGone || record.drainedAt === undefined) return;
    await markAgentGone(core, agentId);
    await core.drains.remove(agentId);
  } catch (err) {
    core.log.error({ agentId, err: TandemError.from(err).message }, 'could not mark the drained agent gone; drain it again to retry');
  } finally {
    pending.delete(busy);
  }
}

/** Runs a registry write of a drain; a failure is UNAVAILABLE saying nothing changed. */
async function recorded<T>(core: MasterCore, agentId: string, what: string, write: () => Promise<T>): Promise<T> {
  try {
    return await write();
  } catch (err) {
    const e = TandemError.from(err);
    core.log.error({ agentId, err: e.message }, `could not record the agent's ${what} in the registry; nothing changed`);
    throw new TandemError(
      Code.Unavailable,
      `the master could not record the ${what} of agent ${agentId} in its registry (${e.message}); nothing changed, try again`,
      {
        cause: err,
      },
    );
  }
}
