import { Code, type StatusReason, TandemError } from '@tandem/protocol';
import type { LaunchFailure } from './types.js';

/**
 * The error a containerizer's `launch` rejects with: a TandemError whose `cause` is the
 * {reason, message} the task's status update should carry, and its state: TASK_FAILED,
 * or TASK_ERROR for a task that could never run as given (refused by the agent's policy).
 */
export function launchError(reason: StatusReason, message: string, code: Code = Code.FailedPrecondition, state?: 'TASK_ERROR'): TandemError {
  const failure: LaunchFailure = { reason, message, ...(state ? { state } : {}) };
  return new TandemError(code, message, { cause: failure });
}

/** The launch was aborted through its AbortSignal (the task was killed while launching). */
export function killedDuringLaunch(): TandemError {
  return launchError('REASON_TASK_KILLED_DURING_LAUNCH', 'killed while launching', Code.Cancelled);
}

/** Throws `killedDuringLaunch()` when the signal has aborted. */
export function throwIfAborted(signal: AbortSignal | undefined): void {
  if (signal?.aborted) throw killedDuringLaunch();
}
