import type { TaskStatus } from '@tandem/protocol';

/** One line per state change: `TASK_FAILED task=t1 agent=a1 reason=REASON_COMMAND_EXITED exit=3 message="..."`. */
export function formatStatus(status: TaskStatus): string {
  const parts = [status.state, `task=${status.taskId}`];
  if (status.agentId) parts.push(`agent=${status.agentId}`);
  if (status.reason && status.reason !== 'REASON_NONE') parts.push(`reason=${status.reason}`);
  if (status.hasExitCode) parts.push(`exit=${status.exitCode}`);
  if (status.hasHealthy) parts.push(`healthy=${status.healthy}`);
  if (status.message) parts.push(`message=${JSON.stringify(status.message)}`);
  return parts.join(' ');
}
