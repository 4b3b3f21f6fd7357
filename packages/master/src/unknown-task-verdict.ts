import type { StatusReason, TaskStatus } from '@tandem/protocol';
import type { MasterCore } from './master-core.js';
import { syntheticStatus } from './status-updates.js';

/**
 * What the master tells a framework about a task it does not know (an explicit
 * reconciliation, a kill), as Mesos' master does:
 * - its agent is admitted in the registry but has not re-registered since the master
 *   started: nothing yet (the task may well be running there);
 * - no agent named while some admitted agents have not re-registered: nothing yet either
 *   (it may be on one of them; Mesos answers TASK_UNKNOWN here, which would make a
 *   framework replace a task that is running);
 * - its agent was marked gone by an operator: TASK_GONE_BY_OPERATOR;
 * - its agent is unreachable: TASK_UNREACHABLE;
 * - otherwise: TASK_UNKNOWN.
 * Undefined means no answer; the framework asks again later (after the agent is back, or
 * after `agentReregisterTimeoutMs`, when every such agent has an answer).
 */
export function unknownTaskVerdict(core: MasterCore, taskId: string, frameworkId: string, agentId: string, reason: StatusReason): TaskStatus | undefined {
  const registry = core.agentRegistry;
  if (agentId && registry.goneAt(agentId) !== undefined) {
    return syntheticStatus(
      taskId,
      frameworkId,
      agentId,
      'TASK_GONE_BY_OPERATOR',
      reason,
      `task ${taskId} is not known to the master and agent ${agentId} was marked gone`,
    );
  }
  if (agentId ? registry.isRecovered(agentId) : registry.recoveredCount > 0) return undefined;
  if (agentId && (registry.unreachableAt(agentId) !== undefined || core.agents.get(agentId)?.phase === 'UNREACHABLE')) {
    return syntheticStatus(
      taskId,
      frameworkId,
      agentId,
      'TASK_UNREACHABLE',
      reason,
      `task ${taskId} is not known to the master and agent ${agentId} is unreachable`,
    );
  }
  return syntheticStatus(taskId, frameworkId, agentId, 'TASK_UNKNOWN', reason, `task ${taskId} is not known to the master`);
}
