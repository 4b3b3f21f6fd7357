import {
  Code,
  isTerminal,
  newId,
  nowSeconds,
  type RegisterAgent,
  type Resource,
  Resources,
  TandemError,
  type Task,
  type TaskState,
  type TaskStatus,
} from '@tandem/protocol';
import { drainProgress, resumeDrain } from './agent-drain.js';
import type { AgentLink } from './agent-link.js';
import { type ReceivedTaskInfo, receivedTaskInfo } from './agent-wire.js';
import type { MasterCore } from './master-core.js';
import { packTaskInfoBytes } from './packed-task-info.js';
import { checkRegistration } from './registration-check.js';
import { type AgentEntry, newTaskEntry, setTaskStatus, taskInfoOf, taskKey } from './state-records.js';
import { completeTask, forwardUpdates, masterUpdate, syntheticStatus } from './status-updates.js';

/**
 * Handles REGISTER on an agent stream; returns the agent id. The input is checked first
 * (registration-check.ts) and the agent is recorded in the registry before the master
 * changes anything: an agent is listed and offered only once the registry admits it, and
 * a refusal or a failed write leaves the master as it was. An agent marked gone is told to
 * shut down and refused with PERMISSION_DENIED.
 */
export async function registerAgent(core: MasterCore, link: AgentLink, reg: RegisterAgent, principal: string | undefined): Promise<string> {
  const { info, total, known } = checkRegistration(reg, () => newId('agent'));
  const id = info.id;
  core.auth.authorize('register_agents', principal, info.hostname, 'register.agent_info.hostname');
  const registeredAt = core.agents.get(id)?.registeredAt ?? nowSeconds();
  try {
    await core.agentRegistry.admit(id, info, registeredAt, principal);
  } catch (err) {
    const e = TandemError.from(err);
    if (e.code === Code.PermissionDenied && e.field === 'register.agent_info.id') {
      // Bound to another principal (agent-registry.ts): refused; the agent that holds the id is not disturbed.
      core.log.warn({ agentId: id, hostname: info.hostname, principal }, 'refused an agent id registered by another principal');
      throw e;
    }
    if (e.code === Code.PermissionDenied) {
      // Marked gone (agent-gone.ts): told to shut down (the agent kills its tasks, stops and forgets its id), then refused.
      core.log.warn({ agentId: id, hostname: info.hostname }, 'refused an agent marked gone; told it to shut down');
      link.send({ shutdown: { reason: e.message } });
      throw e;
    }
    core.log.error({ agentId: id, err: e.message }, 'could not record the agent in the registry; not admitting it');
    throw new TandemError(Code.Unavailable, `the master could not record agent ${id} in its registry (${e.message}); register again later`, { cause: err });
  }

  // Back while it waited to be marked unreachable (agent-removal-limit.ts): it leaves the queue.
  core.removals.cancel(id);
  let agent = core.agents.get(id);
  if (agent) {
    if (agent.link && agent.link !== link) agent.link.end();
    for (const offerId of [...agent.offerIds]) core.rescindOffer(offerId, false);
  } else {
    agent = {
      id,
      info,
      total,
      phase: 'ACTIVE',
      link,
      containerizers: new Set(),
      missedPings: 0,
      pingSeq: 0,
      registeredAt,
      taskKeys: new Set(),
      offerIds: new Set(),
    };
    core.agents.set(id, agent);
  }
  // Recorded unreachable (maybe after the master answered TASK_UNREACHABLE for tasks it
  // did not know on it): the tasks it brings back are announced to their frameworks.
  const wasUnreachable = core.agentRegistry.admitted(id);
  agent.info = info;
  agent.total = total;
  agent.phase = 'ACTIVE';
  agent.link = link;
  agent.missedPings = 0;
  agent.containerizers = new Set(info.containerizers);

  reconcileAgentTasks(core, agent, reg, wasUnreachable);
  core.allocator.addAgent(id, total, usedByFramework(core, agent));
  // A draining agent that comes back stays out of the offers and its tasks are killed again.
  if (core.drains.has(id)) resumeDrain(core, id);
  link.send({
    registered: {
      agentId: id,
      masterId: core.masterId,
      pingIntervalSeconds: core.options.agentPingIntervalMs / 1000,
      maxMissedPings: core.options.maxMissedPings,
    },
  });
  // After a failover every agent re-registers at once: one info line per second for them
  // all (ReregistrationTally), each one at debug. A new agent is worth its own line.
  if (known) core.reregistrations.count(reg.tasks.length);
  const level = known ? 'debug' : 'info';
  if (core.log.isLevelEnabled(level)) {
    core.log[level]({ agentId: id, hostname: info.hostname, resources: total.toString(), tasks: reg.tasks.length, reregistered: known }, 'agent registered');
  }
  if (core.watched()) core.emit({ agentAdded: agent.info });
  drainProgress(core, id);
  core.scheduleAllocation();
  return id;
}

/** What the agent's unreleased tasks use, by framework. */
function usedByFramework(core: MasterCore, agent: AgentEntry): Map<string, Resources> {
  // Tasks share their shape's Resources (core.sharedShape): count them by shape, then add
  // each shape times its count, not one task at a time (a new Resources per addition).
  const counts = new Map<string, Map<Resources, number>>();
  for (const key of agent.taskKeys) {
    const task = core.tasks.get(key);
    if (!task || task.released) continue;
    let shapes = counts.get(task.frameworkId);
    if (!shapes) {
      shapes = new Map();
      counts.set(task.frameworkId, shapes);
    }
    shapes.set(task.resources, (shapes.get(task.resources) ?? 0) + 1);
  }
  const used = new Map<string, Resources>();
  for (const [fid, shapes] of counts) {
    let sum = Resources.EMPTY;
    for (const [shape, n] of shapes) sum = sum.add(shape.times(n));
    used.set(fid, sum);
  }
  return used;
}

interface ReportedTask {
  t: Task;
  taskId: string;
  undecoded: ReceivedTaskInfo | undefined;
}

/** Parsed resources by the decoded list they came from (tasks of one shape share that list, agent-wire.ts). */
const parsedShapes = new WeakMap<readonly Resource[], Resources>();

function taskResources(core: MasterCore, wire: readonly Resource[], taskId: string): Resources {
  let resources = parsedShapes.get(wire);
  if (!resources) {
    resources = core.sharedShape(Resources.fromWire(wire, `register.tasks[${taskId}].resources`));
    parsedShapes.set(wire, resources);
  }
  return resources;
}

/**
 * Makes the master's view of an agent's tasks agree with what the agent reports. With
 * `announce`, a task new to the master is announced to its framework too.
 *
 * A task of a framework the master does not know (not in the registry, live or removed)
 * is kept, attributed to the agent (its resources stay in use, so they are not offered
 * again), and no framework is made up for it: such a framework was never admitted here,
 * and killing what an agent runs on the strength of a master not knowing it could destroy
 * work after a registry was lost. An operator sees these tasks in the state with their
 * framework id; a task of a framework known to be removed is killed.
 */
function reconcileAgentTasks(core: MasterCore, agent: AgentEntry, reg: RegisterAgent, announce: boolean): void {
  const orphans = new Set<string>();
  // A task's TaskInfo is decoded, or (the master's own deserializer, agent-wire.ts) left
  // as the bytes it came in, with its task id and resources beside them.
  const reported = new Map<string, ReportedTask>();
  for (const t of reg.tasks) {
    const undecoded = t.info ? undefined : receivedTaskInfo(t);
    const taskId = t.info?.taskId ?? undecoded?.taskId ?? '';
    if (!taskId || !t.frameworkId) continue;
    reported.set(taskKey(t.frameworkId, taskId), { t, taskId, undecoded });
  }
  // Tasks the master placed here that the agent no longer has (none for an agent new to this master).
  for (const key of agent.taskKeys.size > 0 ? [...agent.taskKeys] : []) {
    if (reported.has(key)) continue;
    const task = core.tasks.get(key);
    if (!task) {
      agent.taskKeys.delete(key);
      continue;
    }
    if (isTerminal(task.state)) {
      completeTask(core, task);
      continue;
    }
    const state: TaskState = task.state === 'TASK_STAGING' ? 'TASK_DROPPED' : 'TASK_GONE';
    masterUpdate(core, task, state, 'REASON_AGENT_REREGISTERED', 'the task was not found on the re-registered agent');
  }
  for (const [key, { t, taskId, undecoded }] of reported) {
    const fid = t.frameworkId;
    if (core.removedFrameworks.has(fid)) {
      agent.link?.send({ killTasks: { kills: [{ taskId, frameworkId: fid, reason: 'REASON_FRAMEWORK_REMOVED' }] } });
      continue;
    }
    // A framework the registry never admitted (every subscription is written there
    // before it is answered): its tasks are kept as the agent's, not made a framework.
    const fw = core.frameworks.get(fid);
    if (!fw) orphans.add(fid);
    let resources: Resources;
    try {
      resources = taskResources(core, t.info?.resources ?? undecoded?.resources ?? [], taskId);
    } catch (err) {
      core.log.warn({ agentId: agent.id, taskId, err: TandemError.from(err).message }, 'ignoring a re-registered task with invalid resources');
      continue;
    }
    const state = t.state;
    const status: TaskStatus = t.status ?? syntheticStatus(taskId, fid, agent.id, state, 'REASON_AGENT_REREGISTERED', '');
    const existing = core.tasks.get(key);
    if (existing) {
      const changed = existing.state !== state;
      existing.agentId = agent.id;
      existing.state = state;
      setTaskStatus(existing, status);
      existing.released = isTerminal(state);
      if (changed) {
        forwardUpdates(core, fid, [{ ...status, state, uuid: '', source: 'SOURCE_MASTER', reason: 'REASON_AGENT_REREGISTERED', timestamp: nowSeconds() }]);
        core.emit({ taskUpdated: { ...status, state } });
      }
      if (existing.killRequested && !isTerminal(state)) {
        agent.link?.send({ killTasks: { kills: [{ taskId, frameworkId: fid, reason: 'REASON_KILLED_BY_FRAMEWORK' }] } });
      }
    } else {
      const info = t.info ?? (undecoded ? { packed: packTaskInfoBytes(undecoded.bytes) } : undefined);
      if (!info) continue;
      const entry = newTaskEntry({ key, id: taskId, frameworkId: fid, agentId: agent.id, info, resources, state, status, released: isTerminal(state) });
      core.tasks.set(key, entry);
      fw?.taskKeys.add(key);
      // The info is decoded again only for an operator who watches.
      if (core.watched()) core.emit({ taskAdded: { info: taskInfoOf(entry), frameworkId: fid, state, status } });
      if (announce && fw)
        forwardUpdates(core, fid, [{ ...status, state, uuid: '', source: 'SOURCE_MASTER', reason: 'REASON_AGENT_REREGISTERED', timestamp: nowSeconds() }]);
    }
    agent.taskKeys.add(key);
  }
  if (orphans.size > 0) {
    core.log.warn(
      { agentId: agent.id, frameworkIds: [...orphans].slice(0, 20), frameworks: orphans.size },
      "the agent runs tasks of frameworks this master never admitted: keeping them as the agent's, not as frameworks",
    );
  }
}
