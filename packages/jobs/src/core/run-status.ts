import { Code, TandemError } from '@tandem/protocol';

/** Metronome's run states. INITIAL: created; STARTING: tasks launched, none running; ACTIVE: a task runs. */
export const RUN_STATUSES = ['INITIAL', 'STARTING', 'ACTIVE', 'SUCCESS', 'FAILED'] as const;
export type RunStatus = (typeof RUN_STATUSES)[number];

/** The lifecycle of a run as data: for each state, where it may go next. */
export const RUN_TRANSITIONS: Readonly<Record<RunStatus, readonly RunStatus[]>> = {
  INITIAL: ['STARTING', 'ACTIVE', 'SUCCESS', 'FAILED'],
  STARTING: ['INITIAL', 'ACTIVE', 'SUCCESS', 'FAILED'],
  ACTIVE: ['STARTING', 'SUCCESS', 'FAILED'],
  SUCCESS: [],
  FAILED: [],
};

export function isFinished(status: RunStatus): boolean {
  return status === 'SUCCESS' || status === 'FAILED';
}

export function canTransitionRun(from: RunStatus, to: RunStatus): boolean {
  return from === to || RUN_TRANSITIONS[from].includes(to);
}

/** Returns `to`, or throws FAILED_PRECONDITION when the move is not allowed. */
export function checkRunTransition(from: RunStatus, to: RunStatus): RunStatus {
  if (!canTransitionRun(from, to)) throw new TandemError(Code.FailedPrecondition, `run status ${from} cannot become ${to}`);
  return to;
}
