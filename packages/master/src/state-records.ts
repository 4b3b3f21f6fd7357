import {
  type AgentInfo,
  type FrameworkInfo,
  type LongTimeout,
  nowSeconds,
  type Resources,
  type TaskInfo,
  type TaskInfoInit,
  type TaskState,
  type TaskStatus,
} from '@tandem/protocol';
import type { AgentLink } from './agent-link.js';
import type { FrameworkStream } from './framework-stream.js';
import { packTaskInfo, unpackTaskInfo } from './packed-task-info.js';

/** How the master sees an agent. DISCONNECTED: stream lost, pings not yet timed out. */
export type AgentPhase = 'ACTIVE' | 'DISCONNECTED' | 'UNREACHABLE';

export interface AgentEntry {
  id: string;
  info: AgentInfo;
  total: Resources;
  phase: AgentPhase;
  link: AgentLink | undefined;
  containerizers: Set<string>;
  missedPings: number;
  pingSeq: number;
  registeredAt: number;
  taskKeys: Set<string>;
  offerIds: Set<string>;
  /** Its unreachable mark is being written to the registry (agent-liveness.ts). */
  markingUnreachable?: boolean;
}

export interface FrameworkEntry {
  id: string;
  info: FrameworkInfo;
  /**
   * The principal the framework is bound to at its first authenticated SUBSCRIBE, kept in
   * the registry; its calls and re-subscriptions must come from it. Undefined: it
   * subscribed on an open cluster (no principal).
   */
  principal: string | undefined;
  stream: FrameworkStream | undefined;
  streamId: string;
  registeredAt: number;
  disconnectedAt: number;
  failoverTimer: LongTimeout | undefined;
  heartbeatTimer: NodeJS.Timeout | undefined;
  taskKeys: Set<string>;
  offerIds: Set<string>;
}

/** A framework as the registry keeps it, under `frameworks/<id>`. */
export interface FrameworkRecord {
  info: FrameworkInfo;
  /** The principal the framework is bound to (absent: none). */
  principal?: string;
  removed?: boolean;
}

/** A framework the master has just learned of (subscribed, or recovered from the registry), not connected. */
export function newFrameworkEntry(info: FrameworkInfo, principal?: string): FrameworkEntry {
  return {
    id: info.id,
    info,
    principal,
    stream: undefined,
    streamId: '',
    registeredAt: nowSeconds(),
    disconnectedAt: nowSeconds(),
    failoverTimer: undefined,
    heartbeatTimer: undefined,
    taskKeys: new Set(),
    offerIds: new Set(),
  };
}

/**
 * A task as the master keeps it: ≈0.5 KiB at 100,000 tasks, not ≈2 KiB. The TaskInfo is
 * packed (decoded by `taskInfoOf` only when the Operator API asks for it); the status is
 * a fixed-shape copy whose ids are the entry's own strings. Build one with `newTaskEntry`
 * and change its status with `setTaskStatus`.
 */
export interface TaskEntry {
  key: string;
  id: string;
  frameworkId: string;
  agentId: string;
  /** The TaskInfo, packed by `packTaskInfo`; `taskInfoOf` decodes it. */
  packedInfo: string;
  resources: Resources;
  state: TaskState;
  /** The newest status; replaced only by `setTaskStatus`. */
  readonly status: TaskStatus;
  /** True once the allocator has its resources back (terminal, or agent gone). */
  released: boolean;
  /** A kill was asked for; re-sent if the agent comes back from a disconnection. */
  killRequested: boolean;
}

export interface NewTask {
  key: string;
  id: string;
  frameworkId: string;
  agentId: string;
  /** The TaskInfo, or `{ packed }` when it came already packed (a re-registration, agent-wire.ts). */
  info: TaskInfoInit | { packed: string };
  resources: Resources;
  state: TaskState;
  status: TaskStatus;
  released: boolean;
}

export function newTaskEntry(t: NewTask): TaskEntry {
  const entry: TaskEntry = {
    key: t.key,
    id: t.id,
    frameworkId: t.frameworkId,
    agentId: t.agentId,
    packedInfo: 'packed' in t.info ? t.info.packed : packTaskInfo(t.info, t.agentId),
    resources: t.resources,
    state: t.state,
    status: t.status,
    released: t.released,
    killRequested: false,
  };
  setTaskStatus(entry, t.status);
  return entry;
}

/** The task's TaskInfo, decoded (a new object each call). */
export function taskInfoOf(task: TaskEntry): TaskInfo {
  return unpackTaskInfo(task.packedInfo, task.agentId);
}

const same = (value: string, own: string): string => (value === own ? own : value);

/**
 * Makes `status` the task's newest status. Kept as a fixed-shape copy (in-object fields,
 * no property array) whose task, framework and agent ids are the entry's strings, so a
 * status costs its uuid and container id and little else; the decoded message is dropped.
 */
export function setTaskStatus(task: TaskEntry, status: TaskStatus): void {
  (task as { status: TaskStatus }).status = {
    taskId: same(status.taskId, task.id),
    state: status.state,
    reason: status.reason,
    source: status.source,
    message: status.message,
    agentId: same(status.agentId, task.agentId),
    frameworkId: same(status.frameworkId, task.frameworkId),
    uuid: status.uuid,
    timestamp: status.timestamp,
    hasExitCode: status.hasExitCode,
    exitCode: status.exitCode,
    healthy: status.healthy,
    hasHealthy: status.hasHealthy,
    containerId: status.containerId,
  };
}

export interface OfferEntry {
  id: string;
  frameworkId: string;
  agentId: string;
  resources: Resources;
  timer: NodeJS.Timeout | undefined;
}

export const taskKey = (frameworkId: string, taskId: string): string => `${frameworkId}/${taskId}`;
