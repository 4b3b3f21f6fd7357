import {
  checkId,
  type FrameworkInfo,
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
  ValidationError,
} from '@tandem/protocol';
import { packUndecodedTaskInfo, type UndecodedTaskInfo, undecodedTaskInfo } from './agent-wire.js';
import { type AgentEntry, newFrameworkEntry, newTaskEntry, setTaskStatus, taskInfoOf, taskKey } from './entries.js';
import { startFailoverTimer } from './framework-registration.js';
import type { AgentLink } from './links.js';
import type { MasterCore } from './master-core.js';
import { sameJson } from './same-json.js';
import { completeTask, forwardUpdates, masterUpdate, syntheticStatus } from './status-updates.js';

/** Handles REGISTER on an agent stream; returns the agent id. */
export async function registerAgent(core: MasterCore, link: AgentLink, reg: RegisterAgent): Promise<string> {
  const info = reg.agentInfo;
  if (!info) throw new ValidationError('register.agent_info', 'is required');
  if (!info.hostname.trim()) throw new ValidationError('register.agent_info.hostname', 'must not be empty');
  const total = Resources.fromWire(info.resources, 'register.agent_info.resources');
  const id = info.id ? checkId('register.agent_info.id', info.id) : newId('agent');
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
      registeredAt: nowSeconds(),
      taskKeys: new Set(),
      offerIds: new Set(),
    };
    core.agents.set(id, agent);
  }
  const wasKnown = !!info.id;
  agent.info = { ...info, id };
  agent.total = total;
  agent.phase = 'ACTIVE';
  agent.link = link;
  agent.missedPings = 0;
  agent.containerizers = new Set(info.containerizers);
  // A re-registration with the same info (every agent after a master failover) needs no
  // registry write: one fsync per agent made failover at 10,000 agents take seconds.
  const registryKey = `agents/${id}`;
  const stored = await core.registry().get<{ info: unknown }>(registryKey);
  if (!stored || !sameJson(stored.value.info, agent.info)) {
    await core.registry().put(registryKey, { info: agent.info, registeredAt: agent.registeredAt });
  }

  reconcileAgentTasks(core, agent, reg);
  core.allocator.addAgent(id, total, usedByFramework(core, agent));
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
  if (wasKnown) core.reregistrations.count(reg.tasks.length);
  const level = wasKnown ? 'debug' : 'info';
  if (core.log.isLevelEnabled(level)) {
    core.log[level]({ agentId: id, hostname: info.hostname, resources: total.toString(), tasks: reg.tasks.length, reregistered: wasKnown }, 'agent registered');
  }
  if (core.watched()) core.emit({ agentAdded: agent.info });
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
  undecoded: UndecodedTaskInfo | undefined;
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

/** Makes the master's view of an agent's tasks agree with what the agent reports. */
function reconcileAgentTasks(core: MasterCore, agent: AgentEntry, reg: RegisterAgent): void {
  // A task's TaskInfo is decoded, or (the master's own deserializer, agent-wire.ts) left
  // as the bytes it came in, with its task id and resources beside them.
  const reported = new Map<string, ReportedTask>();
  for (const t of reg.tasks) {
    const undecoded = t.info ? undefined : undecodedTaskInfo(t);
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
    let fw = core.frameworks.get(fid);
    if (!fw) {
      const info: FrameworkInfo = reg.frameworks.findLast((f) => f.id === fid) ?? {
        id: fid, name: 'recovered', user: '', roles: ['*'], principal: '', failoverTimeoutSeconds: 0,
        capabilities: [], hostname: '', labels: [],
      };
      fw = newFrameworkEntry({ ...info, id: fid });
      core.frameworks.set(fid, fw);
      core.allocator.addFramework(fid, { roles: fw.info.roles.length ? fw.info.roles : ['*'] });
      core.allocator.setFrameworkActive(fid, false);
      startFailoverTimer(core, fw);
      core.log.info({ frameworkId: fid }, 'framework recovered from a re-registering agent');
    }
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
      const info = t.info ?? (undecoded ? { packed: packUndecodedTaskInfo(undecoded, agent.id) } : undefined);
      if (!info) continue;
      const entry = newTaskEntry({ key, id: taskId, frameworkId: fid, agentId: agent.id, info, resources, state, status, released: isTerminal(state) });
      core.tasks.set(key, entry);
      fw.taskKeys.add(key);
      // The info is decoded again only for an operator who watches.
      if (core.watched()) core.emit({ taskAdded: { info: taskInfoOf(entry), frameworkId: fid, state, status } });
    }
    agent.taskKeys.add(key);
  }
}
