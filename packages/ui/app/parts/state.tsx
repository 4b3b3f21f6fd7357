import { stateName } from '../format';

const TONE: Record<string, string> = {
  TASK_RUNNING: 'good',
  TASK_FINISHED: 'done',
  TASK_STAGING: 'wait',
  TASK_STARTING: 'wait',
  TASK_KILLING: 'wait',
  TASK_FAILED: 'bad',
  TASK_ERROR: 'bad',
  TASK_LOST: 'bad',
  TASK_DROPPED: 'bad',
  TASK_GONE: 'bad',
  TASK_GONE_BY_OPERATOR: 'bad',
  TASK_UNREACHABLE: 'warn',
  TASK_KILLED: 'done',
  ACTIVE: 'good',
  DISCONNECTED: 'warn',
  UNREACHABLE: 'bad',
  DRAINING: 'warn',
  DRAINED: 'done',
};

/** A state as a coloured word (the word carries the meaning; colour only helps). */
export function StateBadge({ state }: { state: string }) {
  return <span class={`badge ${TONE[state] ?? 'plain'}`}>{stateName(state)}</span>;
}
