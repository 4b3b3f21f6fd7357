import type {
  AgentMessage,
  ClusterStateInit,
  DrainInfoInit,
  MaintenanceScheduleInit,
  MaintenanceStatusInit,
  MaintenanceWindowInit,
  OperatorEventInit,
  ReadTaskLogRequest,
  ReadTaskLogResponseInit,
  RegisterAgent,
  SchedulerCall,
  SubscribeRequest,
  TandemError,
  TaskState,
} from '@tandem/protocol';
import type { LeaderIdentity } from '@tandem/store';
import type { DrainRequest } from './agent-drain.js';
import type { AgentGone } from './agent-gone.js';
import type { AgentLink } from './agent-link.js';
import type { CallLimits } from './call-limits.js';
import type { ClusterView } from './cluster-view.js';
import type { FrameworkStream } from './framework-stream.js';
import type { MasterAuth } from './master-auth.js';
import type { MasterMetrics } from './metrics.js';
import type { OperatorKill } from './operator-kill.js';
import type { RoleConfig } from './role-config.js';

/**
 * What the master's servers (the Scheduler, Agent and Operator gRPC services and the
 * HTTP API) ask of it, beside reading its state (`ClusterView`): transport goes in, the master's answer comes out. They import this
 * interface, not `Master`, so the master's parts never import each other in a circle.
 */
export interface MasterOperations extends ClusterView {
  readonly roleConfig: RoleConfig;
  readonly metrics: MasterMetrics;
  /** Callers' principals (every gRPC call) and the ACLs' decisions. */
  readonly auth: MasterAuth;
  /** Per-principal limits (gRPC calls and streams, the HTTP API's rate). */
  readonly callLimits: CallLimits;
  /** Why the master cannot record changes, if it cannot (its registry refused a write). */
  registryFailure(): TandemError | undefined;
  /** Whether the master may act now: always for a single master; an HA one while it holds its lease. */
  mayAct(): boolean;
  /** Why a call may not be served here (an HA standby: UNAVAILABLE naming the leader), if it may not. */
  refusal(): TandemError | undefined;
  /** Who leads (null when unknown) and whether it is this master. */
  leaderInfo(): { leader: LeaderIdentity | null; leading: boolean; self: string };

  // Scheduler service
  subscribe(stream: FrameworkStream, onClose: (cb: () => void) => void, req: SubscribeRequest, principal: string | undefined): Promise<void>;
  call(req: SchedulerCall, principal: string | undefined): Promise<{ launched: number }>;

  // Agent service
  newAgentLink(call: ConstructorParameters<typeof AgentLink>[0]): AgentLink;
  registerAgent(link: AgentLink, reg: RegisterAgent, principal: string | undefined): Promise<string>;
  onAgentMessage(agentId: string, msg: AgentMessage): void;
  agentStreamClosed(agentId: string, link: AgentLink): void;

  // Operator service and HTTP API
  state(): ClusterStateInit;
  /** Calls `listener` with every cluster event until the returned function is called; `onEnd` when the master stops. */
  watch(listener: (e: OperatorEventInit) => void, onEnd: () => void): () => void;
  /** `principal` (the caller's; undefined: unauthenticated) must be allowed to `view` the task's framework. */
  readTaskLog(req: ReadTaskLogRequest, principal?: string): Promise<ReadTaskLogResponseInit>;
  /** Operator.MarkAgentGone: the agent is gone for good and may never register again. */
  markAgentGone(agentId: string, principal?: string): Promise<AgentGone>;
  /** Operator.DrainAgent: no offers, tasks killed, DRAINING then DRAINED. */
  drainAgent(req: DrainRequest, principal?: string): Promise<{ drainInfo: DrainInfoInit; tasksKilled: number }>;
  /** Operator.ReactivateAgent: the agent is offered again; false when it was not draining. */
  reactivateAgent(agentId: string, principal?: string): Promise<boolean>;
  /** Operator.GetMaintenanceSchedule. */
  maintenanceSchedule(): MaintenanceScheduleInit;
  /** Operator.UpdateMaintenanceSchedule (ACL drain_agents on the agents). */
  updateMaintenanceSchedule(windows: readonly MaintenanceWindowInit[], principal?: string): Promise<MaintenanceScheduleInit>;
  /** Operator.GetMaintenanceStatus. */
  maintenanceStatus(): MaintenanceStatusInit;
  /** Operator.KillTask (ACL kill_tasks). */
  killTask(req: OperatorKill, principal?: string): Promise<{ frameworkId: string; agentId: string; state: TaskState }>;
  /** Operator.TeardownFramework (ACL teardown_frameworks). */
  teardownFramework(frameworkId: string, principal?: string): Promise<{ tasksKilled: number }>;
}
