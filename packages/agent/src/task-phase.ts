import { Code, TandemError } from '@tandem/protocol';

/**
 * Where the agent is with a task (its own view; the Mesos TaskState goes on the wire):
 * - `launching`: validated and checkpointed, the containerizer is starting it;
 * - `running`: its container runs and is supervised;
 * - `killing`: a kill was sent to its container, waiting for it to end;
 * - `terminated`: its terminal update is written; it waits for the ack, then is forgotten.
 */
export type TaskPhase = 'launching' | 'running' | 'killing' | 'terminated';

export const TASK_PHASE_TRANSITIONS: Readonly<Record<TaskPhase, readonly TaskPhase[]>> = {
  launching: ['running', 'killing', 'terminated'],
  running: ['killing', 'terminated'],
  killing: ['terminated'],
  terminated: [],
};

export function canEnterPhase(from: TaskPhase, to: TaskPhase): boolean {
  return TASK_PHASE_TRANSITIONS[from].includes(to);
}

/** Throws on a transition the lifecycle does not allow (a bug, not bad input). */
export function checkPhaseTransition(taskId: string, from: TaskPhase, to: TaskPhase): void {
  if (!canEnterPhase(from, to)) {
    throw new TandemError(Code.Internal, `task ${taskId}: illegal phase transition ${from} -> ${to}`);
  }
}
