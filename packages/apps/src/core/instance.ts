import { Code, TandemError, type TaskState } from '@tandem/protocol';

/** An instance's condition, Marathon's names (core/condition/Condition.scala). */
export type Condition =
  | 'Scheduled'
  | 'Provisioned'
  | 'Staging'
  | 'Starting'
  | 'Running'
  | 'Killing'
  | 'Unreachable'
  | 'UnreachableInactive'
  | 'Finished'
  | 'Failed'
  | 'Killed'
  | 'Error'
  | 'Gone'
  | 'Dropped'
  | 'Unknown';

/** What the framework wants of an instance: keep it running, or be rid of it. */
export type Goal = 'Running' | 'Decommissioned';

/** Conditions after which the instance's task is gone: it is rescheduled (goal Running) or expunged. */
export const TERMINAL_CONDITIONS: readonly Condition[] = ['Finished', 'Failed', 'Killed', 'Error', 'Gone', 'Dropped', 'Unknown'];
const LIVE: Condition[] = ['Staging', 'Starting', 'Running', 'Killing'];

/**
 * The instance lifecycle as data: Scheduled (in the launch queue) -> Provisioned (launch
 * intent written, ACCEPT sent) -> the task's states -> a terminal condition, after which a
 * Running-goal instance is Scheduled again as its next incarnation.
 */
export const INSTANCE_TRANSITIONS: Readonly<Record<Condition, readonly Condition[]>> = {
  Scheduled: ['Provisioned'],
  Provisioned: [...LIVE, 'Unreachable', ...TERMINAL_CONDITIONS],
  Staging: ['Starting', 'Running', 'Killing', 'Unreachable', ...TERMINAL_CONDITIONS],
  Starting: ['Running', 'Killing', 'Unreachable', ...TERMINAL_CONDITIONS],
  Running: ['Killing', 'Unreachable', ...TERMINAL_CONDITIONS],
  Killing: ['Unreachable', ...TERMINAL_CONDITIONS],
  Unreachable: [...LIVE, 'UnreachableInactive', ...TERMINAL_CONDITIONS],
  UnreachableInactive: [...LIVE, 'Unreachable', ...TERMINAL_CONDITIONS],
  Finished: ['Scheduled'],
  Failed: ['Scheduled'],
  Killed: ['Scheduled'],
  Error: ['Scheduled'],
  Gone: ['Scheduled'],
  Dropped: ['Scheduled'],
  Unknown: ['Scheduled'],
};

export function canTransitionInstance(from: Condition, to: Condition): boolean {
  return from === to || INSTANCE_TRANSITIONS[from].includes(to);
}

/** Checks a move; an illegal one is a bug. */
export function checkInstanceTransition(from: Condition, to: Condition): Condition {
  if (!canTransitionInstance(from, to)) throw new TandemError(Code.Internal, `instance cannot move from ${from} to ${to}`);
  return to;
}

export function isTerminalCondition(c: Condition): boolean {
  return TERMINAL_CONDITIONS.includes(c);
}

/** The condition a task state puts an instance in. */
export function conditionOf(state: TaskState): Condition {
  switch (state) {
    case 'TASK_STAGING':
      return 'Staging';
    case 'TASK_STARTING':
      return 'Starting';
    case 'TASK_RUNNING':
      return 'Running';
    case 'TASK_KILLING':
      return 'Killing';
    case 'TASK_FINISHED':
      return 'Finished';
    case 'TASK_FAILED':
    case 'TASK_LOST':
      return 'Failed';
    case 'TASK_KILLED':
      return 'Killed';
    case 'TASK_ERROR':
      return 'Error';
    case 'TASK_DROPPED':
      return 'Dropped';
    case 'TASK_UNREACHABLE':
      return 'Unreachable';
    case 'TASK_GONE':
    case 'TASK_GONE_BY_OPERATOR':
      return 'Gone';
    case 'TASK_UNKNOWN':
      return 'Unknown';
  }
}

/** One instance of an app: the unit the framework keeps alive. Stored under `apps/instance/<id>`. */
export interface Instance {
  instanceId: string;
  appId: string;
  /** The app's `versionInfo.lastConfigChangeAt` this instance was created for. */
  configVersion: string;
  /** The app's `version` when this incarnation was launched. */
  appVersion: string;
  goal: Goal;
  condition: Condition;
  /** ISO time of the last condition change. */
  since: string;
  /** Launches so far; the current task is incarnation `incarnation`. */
  incarnation: number;
  taskId?: string;
  agentId?: string;
  hostname?: string;
  attributes?: Record<string, string>;
  ports: number[];
  stagedAt?: string;
  startedAt?: string;
  /** Whether its config has a health check (then it counts only once healthy). */
  healthChecked?: boolean;
  /** Health from the agent's check; undefined until the first result. */
  healthy?: boolean;
  /** What the agent's health reports said so far (it reports changes, not every check). */
  health?: HealthRecord;
  /**
   * Epoch ms the agent first reported that one of its health checks failed
   * maxConsecutiveFailures times in a row (report-only checks); cleared once healthy
   * again. Such an instance is replaced, then killed (see unhealthy-replacement.ts).
   */
  healthFailedAt?: number;
  /** The instance this one was started to replace because that one failed its health checks. */
  replaces?: string;
  /** Epoch ms the task became unreachable. */
  unreachableSince?: number;
  createdAt: string;
}

/** Marathon's health check result fields, from the agent's health updates (ISO times). */
export interface HealthRecord {
  firstSuccess?: string;
  lastSuccess?: string;
  lastFailure?: string;
  lastFailureCause?: string;
}

/** Where the instance stands for deployments: running and, when the app has checks, healthy. */
export function isHealthy(i: Instance, healthChecked: boolean): boolean {
  return i.condition === 'Running' && (!healthChecked || i.healthy === true);
}

/** Counted against the app's instance count (not replaced yet). */
export function isActive(i: Instance): boolean {
  return i.goal === 'Running' && i.condition !== 'UnreachableInactive' && !isTerminalCondition(i.condition);
}

/** Holds (or will hold) resources on an agent. */
export function isOccupying(i: Instance): boolean {
  return i.condition !== 'UnreachableInactive' && !isTerminalCondition(i.condition);
}
