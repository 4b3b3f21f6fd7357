import { type Ack, canTransition, isTerminal, nowSeconds, type StatusReason, type TaskState, type TaskStatus, type TaskStatusInit } from '@tandem/protocol';
import type { MasterCore } from './master-core.js';
import { type AgentEntry, setTaskStatus, type TaskEntry, taskKey } from './state-records.js';

/** Applies status updates an agent sent to the master's books and forwards them to their frameworks. */
export function onStatusUpdates(core: MasterCore, agent: AgentEntry, updates: readonly { status: TaskStatus | null; latestState: TaskState }[]): void {
  const byFramework = new Map<string, TaskStatus[]>();
  const autoAcks: Ack[] = [];
  for (const u of updates) {
    const status = u.status;
    if (!status?.taskId || !status.frameworkId) continue;
    const key = taskKey(status.frameworkId, status.taskId);
    const latest = u.latestState || status.state;
    const task = core.tasks.get(key);
    const backwards = !!task && !canTransition(task.state, latest);
    if (backwards) {
      // The master's books keep their state; the update is still delivered (below) so
      // that it gets acknowledged and the agent stops resending it.
      core.log.warn({ taskId: task?.id, from: task?.state, to: latest }, 'not applying a status update that moves a task backwards');
    }
    if (task && !backwards) {
      core.timings.taskState(task, latest);
      task.state = latest;
      setTaskStatus(task, status);
      if (isTerminal(latest)) releaseTask(core, task);
      core.emit({ taskUpdated: status });
    }
    if (core.removedFrameworks.has(status.frameworkId)) {
      // Nobody will acknowledge for a removed framework: do it so the agent's queue drains.
      if (status.uuid) autoAcks.push({ agentId: agent.id, taskId: status.taskId, uuid: status.uuid, frameworkId: status.frameworkId });
      if (task && isTerminal(status.state)) completeTask(core, task);
      continue;
    }
    const list = byFramework.get(status.frameworkId) ?? [];
    list.push(status);
    byFramework.set(status.frameworkId, list);
    if (task && isTerminal(status.state) && !status.uuid) completeTask(core, task);
  }
  for (const [fid, statuses] of byFramework) forwardUpdates(core, fid, statuses);
  if (autoAcks.length > 0) agent.link?.send({ acknowledgements: { acks: autoAcks } });
}

export function forwardUpdates(core: MasterCore, frameworkId: string, statuses: TaskStatusInit[]): void {
  if (statuses.length === 0) return;
  core.frameworks.get(frameworkId)?.stream?.sendUpdates(statuses);
}

export function syntheticStatus(taskId: string, frameworkId: string, agentId: string, state: TaskState, reason: StatusReason, message: string): TaskStatus {
  return {
    taskId,
    state,
    reason,
    message,
    agentId,
    frameworkId,
    source: 'SOURCE_MASTER',
    uuid: '',
    timestamp: nowSeconds(),
    hasExitCode: false,
    exitCode: 0,
    healthy: false,
    hasHealthy: false,
    containerId: '',
  };
}

/** A status the master itself decides (unreachable, gone, dropped); needs no acknowledgement. */
export function masterUpdate(core: MasterCore, task: TaskEntry, state: TaskState, reason: StatusReason, message: string): void {
  const status = { ...syntheticStatus(task.id, task.frameworkId, task.agentId, state, reason, message), containerId: task.status.containerId };
  task.state = state;
  setTaskStatus(task, status);
  core.emit({ taskUpdated: status });
  forwardUpdates(core, task.frameworkId, [status]);
  if (isTerminal(state)) {
    releaseTask(core, task);
    completeTask(core, task);
  }
}

export function releaseTask(core: MasterCore, task: TaskEntry): void {
  if (task.released) return;
  task.released = true;
  core.drainProgress(task.agentId);
  const agent = core.agents.get(task.agentId);
  if (agent && agent.phase !== 'UNREACHABLE') {
    core.allocator.recover(task.frameworkId, task.agentId, task.resources);
    core.scheduleAllocation();
  }
}

export function completeTask(core: MasterCore, task: TaskEntry): void {
  core.tasks.delete(task.key);
  core.frameworks.get(task.frameworkId)?.taskKeys.delete(task.key);
  core.agents.get(task.agentId)?.taskKeys.delete(task.key);
  core.completed.set(task.key, task);
}
