import { Code, checkId, isTerminal, type KillTaskInit, TandemError, type TaskState, ValidationError } from '@tandem/protocol';
import { frameworkPrincipalOf } from './framework-principal.js';
import { removeFramework } from './framework-registration.js';
import type { MasterCore } from './master-core.js';
import { type TaskEntry, taskKey } from './state-records.js';

/** What Operator.KillTask asks for. */
export interface OperatorKill {
  taskId: string;
  /** Needed only when frameworks share the task id. */
  frameworkId?: string | undefined;
  /** Overrides the task's kill grace, in seconds (> 0). */
  gracePeriodSeconds?: number | undefined;
}

/**
 * Kills one task for an operator (Operator.KillTask): the caller needs `kill_tasks` on the
 * task's framework's principal. The agent kills it with REASON_KILLED_BY_OPERATOR and the
 * framework gets the TASK_KILLED update (Marathon-like frameworks launch a replacement).
 * NOT_FOUND for a task the master does not hold, FAILED_PRECONDITION for one that ended,
 * INVALID_ARGUMENT naming framework_id when two frameworks use the id. An agent that is
 * not connected gets the kill when it comes back.
 */
export function killTaskForOperator(
  core: MasterCore,
  req: OperatorKill,
  principal: string | undefined,
): { frameworkId: string; agentId: string; state: TaskState } {
  const taskId = checkId('task_id', req.taskId);
  const grace = req.gracePeriodSeconds;
  if (grace !== undefined && (!Number.isFinite(grace) || grace <= 0)) {
    throw new ValidationError('grace_period_seconds', `must be a finite number of seconds > 0, got ${grace}`);
  }
  const task = findTask(core, taskId, req.frameworkId ? checkId('framework_id', req.frameworkId) : undefined);
  core.auth.authorize('kill_tasks', principal, frameworkPrincipalOf(core, task.frameworkId), 'task_id');
  if (isTerminal(task.state)) {
    throw new TandemError(Code.FailedPrecondition, `task ${taskId} has ended (${task.state}); there is nothing to kill`, { field: 'task_id' });
  }
  task.killRequested = true;
  const kill: KillTaskInit = { taskId, frameworkId: task.frameworkId, reason: 'REASON_KILLED_BY_OPERATOR' };
  if (grace !== undefined) kill.killPolicy = { gracePeriodSeconds: grace };
  const agent = core.agents.get(task.agentId);
  agent?.link?.send({ killTasks: { kills: [kill] } });
  core.log.info({ taskId, frameworkId: task.frameworkId, agentId: task.agentId, principal, sent: !!agent?.link }, 'task killed by an operator');
  return { frameworkId: task.frameworkId, agentId: task.agentId, state: task.state };
}

function findTask(core: MasterCore, taskId: string, frameworkId: string | undefined): TaskEntry {
  let found: TaskEntry[];
  if (frameworkId !== undefined) {
    const key = taskKey(frameworkId, taskId);
    const task = core.tasks.get(key) ?? core.completed.get(key);
    found = task ? [task] : [];
  } else {
    found = [];
    for (const t of core.tasks.values()) if (t.id === taskId) found.push(t);
    if (found.length === 0) for (const t of core.completed.values()) if (t.id === taskId) found.push(t);
  }
  if (found.length === 0) throw new TandemError(Code.NotFound, `task ${taskId} is not known to the master`, { field: 'task_id' });
  if (found.length > 1) {
    throw new ValidationError(
      'framework_id',
      `task id ${taskId} is used by ${found.length} frameworks (${found.map((t) => t.frameworkId).join(', ')}); name the framework`,
    );
  }
  return found[0]!;
}

/**
 * Removes a framework for an operator (Operator.TeardownFramework, Mesos' TEARDOWN): the
 * caller needs `teardown_frameworks` on the framework's principal. Its offers are
 * rescinded, its tasks killed (REASON_FRAMEWORK_REMOVED), its stream ended with an
 * error, and it may not subscribe again under this id. NOT_FOUND for an id the master
 * does not hold; FAILED_PRECONDITION for one already removed.
 */
export async function teardownFrameworkForOperator(core: MasterCore, frameworkId: string, principal: string | undefined): Promise<{ tasksKilled: number }> {
  const id = checkId('framework_id', frameworkId);
  const fw = core.frameworks.get(id);
  if (!fw) {
    if (core.removedFrameworks.has(id)) {
      throw new TandemError(Code.FailedPrecondition, `framework ${id} was removed already`, { field: 'framework_id' });
    }
    throw new TandemError(Code.NotFound, `framework ${id} is not known to the master`, { field: 'framework_id' });
  }
  core.auth.authorize('teardown_frameworks', principal, fw.principal ?? '', 'framework_id');
  let tasksKilled = 0;
  for (const key of fw.taskKeys) {
    const task = core.tasks.get(key);
    if (task && !isTerminal(task.state)) tasksKilled++;
  }
  core.log.warn({ frameworkId: id, principal, tasksKilled }, 'framework torn down by an operator');
  await removeFramework(core, fw, 'torn down by an operator');
  return { tasksKilled };
}
