import type { TaskState__Output } from './generated/tandem/v1/TaskState.js';

/** A task's state, as the string the wire carries (Mesos names). */
export type TaskState = TaskState__Output;

export const TaskStates = {
  STAGING: 'TASK_STAGING',
  STARTING: 'TASK_STARTING',
  RUNNING: 'TASK_RUNNING',
  KILLING: 'TASK_KILLING',
  FINISHED: 'TASK_FINISHED',
  FAILED: 'TASK_FAILED',
  KILLED: 'TASK_KILLED',
  ERROR: 'TASK_ERROR',
  LOST: 'TASK_LOST',
  DROPPED: 'TASK_DROPPED',
  UNREACHABLE: 'TASK_UNREACHABLE',
  GONE: 'TASK_GONE',
  GONE_BY_OPERATOR: 'TASK_GONE_BY_OPERATOR',
  UNKNOWN: 'TASK_UNKNOWN',
} as const satisfies Record<string, TaskState>;

const TERMINAL: ReadonlySet<TaskState> = new Set<TaskState>([
  'TASK_FINISHED',
  'TASK_FAILED',
  'TASK_KILLED',
  'TASK_ERROR',
  'TASK_DROPPED',
  'TASK_GONE',
  'TASK_GONE_BY_OPERATOR',
  'TASK_LOST',
]);

/** True for states after which the task never runs again and its resources are free. */
export function isTerminal(state: TaskState): boolean {
  return TERMINAL.has(state);
}

const ALL_TERMINAL = [...TERMINAL];
const ACTIVE: TaskState[] = ['TASK_STAGING', 'TASK_STARTING', 'TASK_RUNNING', 'TASK_KILLING'];

/**
 * The lifecycle of a task as data: for each state, the states it may move to.
 * UNREACHABLE may come back when its agent re-registers, as in Mesos. GONE_BY_OPERATOR is
 * terminal: an agent marked gone may never register again (Operator.MarkAgentGone).
 * A transition to the same state is allowed everywhere (a resent or reconciled update).
 */
export const TASK_TRANSITIONS: Readonly<Record<TaskState, readonly TaskState[]>> = {
  TASK_STAGING: ['TASK_STARTING', 'TASK_RUNNING', 'TASK_KILLING', 'TASK_UNREACHABLE', ...ALL_TERMINAL],
  TASK_STARTING: ['TASK_RUNNING', 'TASK_KILLING', 'TASK_UNREACHABLE', ...ALL_TERMINAL],
  TASK_RUNNING: ['TASK_KILLING', 'TASK_UNREACHABLE', ...ALL_TERMINAL],
  TASK_KILLING: ['TASK_UNREACHABLE', ...ALL_TERMINAL],
  TASK_UNREACHABLE: [...ACTIVE, ...ALL_TERMINAL],
  TASK_GONE_BY_OPERATOR: [],
  TASK_UNKNOWN: [...ACTIVE, 'TASK_UNREACHABLE', ...ALL_TERMINAL],
  TASK_FINISHED: [],
  TASK_FAILED: [],
  TASK_KILLED: [],
  TASK_ERROR: [],
  TASK_DROPPED: [],
  TASK_GONE: [],
  // TASK_LOST is terminal for accounting, but a partitioned agent may bring the task back.
  TASK_LOST: [...ACTIVE],
};

export function canTransition(from: TaskState, to: TaskState): boolean {
  return from === to || TASK_TRANSITIONS[from].includes(to);
}
