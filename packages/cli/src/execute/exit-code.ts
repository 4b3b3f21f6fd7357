import type { TaskStatus } from '@tandem/protocol';

/** 0 for FINISHED; the container's exit code for FAILED with one; 1 otherwise (and when none). */
export function exitCodeOf(status: TaskStatus | undefined): number {
  if (!status) return 1;
  if (status.state === 'TASK_FINISHED') return 0;
  if (status.state === 'TASK_FAILED' && status.hasExitCode && status.exitCode !== 0) return status.exitCode;
  return 1;
}
