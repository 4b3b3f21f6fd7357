import { type AgentInfo, type FrameworkInfo, type LongTimeout, nowSeconds, type Resources, type TaskInfo, type TaskState, type TaskStatus } from '@tandem/protocol';
import type { AgentLink, FrameworkStream } from './links.js';

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
}

export interface FrameworkEntry {
  id: string;
  info: FrameworkInfo;
  stream: FrameworkStream | undefined;
  streamId: string;
  registeredAt: number;
  disconnectedAt: number;
  failoverTimer: LongTimeout | undefined;
  heartbeatTimer: NodeJS.Timeout | undefined;
  taskKeys: Set<string>;
  offerIds: Set<string>;
}

/** A framework the master has just learned of (subscribed, recovered, or reported by an agent), not connected. */
export function newFrameworkEntry(info: FrameworkInfo): FrameworkEntry {
  return {
    id: info.id,
    info,
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

export interface TaskEntry {
  key: string;
  id: string;
  frameworkId: string;
  agentId: string;
  info: TaskInfo;
  resources: Resources;
  state: TaskState;
  status: TaskStatus;
  /** True once the allocator has its resources back (terminal, or agent gone). */
  released: boolean;
  /** A kill was asked for; re-sent if the agent comes back from a disconnection. */
  killRequested: boolean;
}

export interface OfferEntry {
  id: string;
  frameworkId: string;
  agentId: string;
  resources: Resources;
  timer: NodeJS.Timeout | undefined;
}

export const taskKey = (frameworkId: string, taskId: string): string => `${frameworkId}/${taskId}`;
