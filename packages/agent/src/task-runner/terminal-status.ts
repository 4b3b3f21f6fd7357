import { TandemError } from '@tandem/protocol';
import type { AgentTask } from '../agent-task.js';
import type { ContainerExit, LaunchFailure } from '../containerizer/types.js';
import { validateTask } from '../task-validation.js';
import type { TaskReport } from './task-hook.js';

/** The terminal update of a task whose container exited: killed, out of memory, finished or failed. */
export function exitReport(task: AgentTask, exit: ContainerExit): TaskReport {
  const exitCode = exit.exitCode;
  const containerId = task.container?.id;
  if (task.kill) {
    return { state: 'TASK_KILLED', reason: task.kill.reason, message: exit.message || 'killed', exitCode, containerId };
  }
  if (exit.oomKilled) {
    const mem = validateTask(task.info).resources.mem;
    return {
      state: 'TASK_FAILED',
      reason: 'REASON_CONTAINER_LIMITATION_MEMORY',
      message: `memory limit of ${mem} MiB exceeded${exit.message ? `: ${exit.message}` : ''}`,
      exitCode,
      containerId,
    };
  }
  if (exitCode === 0) {
    return { state: 'TASK_FINISHED', reason: 'REASON_COMMAND_EXITED', message: exit.message || 'Command exited with status 0', exitCode, containerId };
  }
  return {
    state: 'TASK_FAILED',
    reason: 'REASON_COMMAND_EXITED',
    message: exit.message || `Command exited with status ${String(exitCode)}`,
    exitCode,
    containerId,
  };
}

/** Why a containerizer's launch failed: the LaunchFailure it put in the error's cause, else a generic one. */
export function launchFailureOf(err: unknown): LaunchFailure {
  const cause = err instanceof Error ? err.cause : undefined;
  if (typeof cause === 'object' && cause !== null) {
    const c = cause as Partial<LaunchFailure>;
    if (typeof c.reason === 'string' && typeof c.message === 'string') {
      return { reason: c.reason, message: c.message, ...(c.state === 'TASK_ERROR' ? { state: c.state } : {}) };
    }
  }
  return { reason: 'REASON_CONTAINER_LAUNCH_FAILED', message: TandemError.from(err).message };
}
