import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import * as grpc from '@grpc/grpc-js';
import {
  type AcceptCall,
  type AcceptResultInit,
  type Ack,
  type AgentMessage,
  Code,
  canTransition,
  checkId,
  componentLogger,
  type FileData,
  type FrameworkInfo,
  isTerminal,
  type KillCall,
  type Logger,
  newId,
  newUuid,
  nowSeconds,
  type OperatorEventInit,
  type ReadTaskLogRequest,
  type ReadTaskLogResponseInit,
  type ReconcileCall,
  type RegisterAgent,
  Resources,
  type SchedulerCall,
  SERVER_OPTIONS,
  type StatusReason,
  type SubscribeRequest,
  setLongTimeout,
  TandemError,
  type TaskState,
  type TaskStatus,
  type TaskStatusInit,
  tandemV1,
  ValidationError,
} from '@tandem/protocol';
import { FileStore, type Store } from '@tandem/store';
import { LRUCache } from 'lru-cache';
import { agentHandlers } from './agent-service.js';
import type { Allocator } from './allocator/allocator.js';
import { HierarchicalAllocator } from './allocator/hierarchical-allocator.js';
import { type AgentEntry, type FrameworkEntry, type OfferEntry, type TaskEntry, taskKey } from './entries.js';
import { type HttpApi, startHttpApi } from './http-api.js';
import { checkLaunch } from './launch-check.js';
import { AgentLink, type FrameworkStream } from './links.js';
import { MasterMetrics } from './metrics.js';
import { operatorHandlers } from './operator-service.js';
import { type MasterOptions, masterDefaults, type ResolvedMasterOptions } from './options.js';
import { RoleConfig } from './role-config.js';
import { checkRoleName } from './role-config-check.js';
import { schedulerHandlers } from './scheduler-service.js';
import { buildClusterState } from './state-view.js';

const MAX_LOG_READ = 4 * 1024 * 1024;
const LOG_READ_TIMEOUT_MS = 10_000;

interface PendingRead {
  agentId: string;
  resolve: (data: ReadTaskLogResponseInit) => void;
  reject: (err: TandemError) => void;
  timer: NodeJS.Timeout;
}

type MasterPhase = 'new' | 'starting' | 'running' | 'stopping' | 'stopped';

/**
 * The Tandem master: owns agents, frameworks, tasks and offers in memory, persists
 * what must outlive it (framework infos, admitted agents) in the registry, and runs
 * the allocator. Task state is rebuilt from agents when they re-register.
 */
export class Master {
  readonly masterId = newId('master');
  readonly options: ResolvedMasterOptions;
  private readonly log: Logger;
  private store!: Store;
  private readonly allocator: Allocator;
  /** Role weights and quotas (Operator.UpdateWeights / UpdateQuota), kept in the registry. */
  readonly roleConfig: RoleConfig;
  readonly agents = new Map<string, AgentEntry>();
  readonly frameworks = new Map<string, FrameworkEntry>();
  private readonly removedFrameworks = new Set<string>();
  readonly tasks = new Map<string, TaskEntry>();
  readonly completed: LRUCache<string, TaskEntry>;
  readonly offers = new Map<string, OfferEntry>();
  /**
   * One shared (immutable) Resources per distinct task shape: 100,000 tasks of a few
   * shapes keep a few objects, not 100,000 (≈0.5 KiB each).
   */
  private readonly taskShapes = new LRUCache<string, Resources>({ max: 4096 });
  private readonly watchers = new Map<(e: OperatorEventInit) => void, () => void>();
  private readonly pendingReads = new Map<string, PendingRead>();
  private server: grpc.Server | undefined;
  private http: HttpApi | undefined;
  private allocationTimer: NodeJS.Timeout | undefined;
  private pingTimer: NodeJS.Timeout | undefined;
  private allocationQueued = false;
  private offerSeq = 0;
  private phase: MasterPhase = 'new';
  readonly metrics: MasterMetrics;
  startedAt = 0;
  grpcPort = 0;
  httpPort = 0;

  constructor(options: MasterOptions = {}) {
    this.options = masterDefaults(options);
    this.log = componentLogger('master', options.logger);
    this.allocator = options.allocator ?? new HierarchicalAllocator();
    this.roleConfig = new RoleConfig(this, this.allocator);
    this.completed = new LRUCache({ max: Math.max(1, this.options.maxCompletedTasks) });
    this.metrics = new MasterMetrics(this);
  }

  /** `host:port` for clients on this machine. */
  get address(): string {
    const host = this.options.host === '0.0.0.0' || this.options.host === '::' ? '127.0.0.1' : this.options.host;
    return `${host}:${this.grpcPort}`;
  }

  async start(): Promise<void> {
    if (this.phase !== 'new') throw new TandemError(Code.FailedPrecondition, `master is ${this.phase}`);
    this.phase = 'starting';
    mkdirSync(this.options.workDir, { recursive: true });
    this.store = this.options.store ?? new FileStore({ dir: join(this.options.workDir, 'registry') });
    await this.roleConfig.recover(this.store);
    await this.recoverRegistry();

    const v1 = tandemV1();
    const server = new grpc.Server(SERVER_OPTIONS);
    server.addService(v1.Scheduler.service, schedulerHandlers(this));
    server.addService(v1.Agent.service, agentHandlers(this));
    server.addService(v1.Operator.service, operatorHandlers(this));
    this.grpcPort = await new Promise<number>((resolve, reject) => {
      server.bindAsync(`${this.options.host}:${this.options.port}`, grpc.ServerCredentials.createInsecure(), (err, port) =>
        err ? reject(new TandemError(Code.Unavailable, `cannot bind gRPC port ${this.options.port}: ${err.message}`, { cause: err })) : resolve(port),
      );
    });
    this.server = server;
    if (this.options.httpPort >= 0) {
      this.http = await startHttpApi(this, this.options.host, this.options.httpPort);
      this.httpPort = this.http.port;
    }
    this.startedAt = nowSeconds();
    this.allocationTimer = setInterval(() => this.allocate(), this.options.allocationIntervalMs);
    this.allocationTimer.unref();
    this.pingTimer = setInterval(() => this.pingAgents(), this.options.agentPingIntervalMs);
    this.pingTimer.unref();
    this.phase = 'running';
    this.log.info({ masterId: this.masterId, grpcPort: this.grpcPort, httpPort: this.httpPort || undefined }, 'master started');
  }

  /** Ordered shutdown: stop timers, close every stream, drain the servers, close the registry. */
  async stop(): Promise<void> {
    if (this.phase === 'stopped' || this.phase === 'stopping') return;
    this.phase = 'stopping';
    clearInterval(this.allocationTimer);
    clearInterval(this.pingTimer);
    for (const offer of this.offers.values()) clearTimeout(offer.timer);
    for (const fw of this.frameworks.values()) {
      fw.failoverTimer?.clear();
      clearInterval(fw.heartbeatTimer);
      fw.stream?.end();
    }
    for (const agent of this.agents.values()) agent.link?.end();
    for (const read of this.pendingReads.values()) {
      clearTimeout(read.timer);
      read.reject(new TandemError(Code.Unavailable, 'master is stopping'));
    }
    this.pendingReads.clear();
    for (const end of this.watchers.values()) end();
    this.watchers.clear();
    await this.http?.close();
    const server = this.server;
    if (server) {
      await new Promise<void>((resolve) => {
        const force = setTimeout(() => {
          server.forceShutdown();
          resolve();
        }, 2_000);
        server.tryShutdown(() => {
          clearTimeout(force);
          resolve();
        });
      });
    }
    await this.store?.close();
    this.phase = 'stopped';
    this.log.info('master stopped');
  }

  // ---------------------------------------------------------------- registry

  private async recoverRegistry(): Promise<void> {
    for (const entry of await this.store.list<{ info: FrameworkInfo; removed?: boolean }>('frameworks/')) {
      const { info, removed } = entry.value;
      if (removed) {
        this.removedFrameworks.add(info.id);
        continue;
      }
      const fw = this.newFrameworkEntry(info);
      this.frameworks.set(info.id, fw);
      this.allocator.addFramework(info.id, { roles: info.roles });
      this.allocator.setFrameworkActive(info.id, false);
      this.startFailoverTimer(fw);
    }
    if (this.frameworks.size > 0) this.log.info({ frameworks: this.frameworks.size }, 'recovered frameworks from the registry; waiting for them to re-subscribe');
  }

  private newFrameworkEntry(info: FrameworkInfo): FrameworkEntry {
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

  // ---------------------------------------------------------------- agents

  /** Handles REGISTER on an agent stream; returns the agent id. */
  async registerAgent(link: AgentLink, reg: RegisterAgent): Promise<string> {
    const info = reg.agentInfo;
    if (!info) throw new ValidationError('register.agent_info', 'is required');
    if (!info.hostname.trim()) throw new ValidationError('register.agent_info.hostname', 'must not be empty');
    const total = Resources.fromWire(info.resources, 'register.agent_info.resources');
    const id = info.id ? checkId('register.agent_info.id', info.id) : newId('agent');
    let agent = this.agents.get(id);
    if (agent) {
      if (agent.link && agent.link !== link) agent.link.end();
      for (const offerId of [...agent.offerIds]) this.rescindOffer(offerId, false);
    } else {
      agent = {
        id,
        info,
        total,
        phase: 'ACTIVE',
        link,
        containerizers: new Set(),
        missedPings: 0,
        pingSeq: 0,
        registeredAt: nowSeconds(),
        taskKeys: new Set(),
        offerIds: new Set(),
      };
      this.agents.set(id, agent);
    }
    const wasKnown = !!info.id;
    agent.info = { ...info, id };
    agent.total = total;
    agent.phase = 'ACTIVE';
    agent.link = link;
    agent.missedPings = 0;
    agent.containerizers = new Set(info.containerizers);
    // A re-registration with the same info (every agent after a master failover) needs no
    // registry write: one fsync per agent made failover at 10,000 agents take seconds.
    const registryKey = `agents/${id}`;
    const stored = await this.store.get<{ info: unknown }>(registryKey);
    if (!stored || JSON.stringify(stored.value.info) !== JSON.stringify(agent.info)) {
      await this.store.put(registryKey, { info: agent.info, registeredAt: agent.registeredAt });
    }

    this.reconcileAgentTasks(agent, reg);
    const used = new Map<string, Resources>();
    for (const key of agent.taskKeys) {
      const task = this.tasks.get(key);
      if (!task || task.released) continue;
      used.set(task.frameworkId, (used.get(task.frameworkId) ?? Resources.EMPTY).add(task.resources));
    }
    this.allocator.addAgent(id, total, used);
    link.send({
      registered: {
        agentId: id,
        masterId: this.masterId,
        pingIntervalSeconds: this.options.agentPingIntervalMs / 1000,
        maxMissedPings: this.options.maxMissedPings,
      },
    });
    this.log.info({ agentId: id, hostname: info.hostname, resources: total.toString(), tasks: reg.tasks.length, reregistered: wasKnown }, 'agent registered');
    this.emit({ agentAdded: agent.info });
    this.scheduleAllocation();
    return id;
  }

  /** Makes the master's view of an agent's tasks agree with what the agent reports. */
  private reconcileAgentTasks(agent: AgentEntry, reg: RegisterAgent): void {
    const reported = new Map<string, (typeof reg.tasks)[number]>();
    for (const t of reg.tasks) {
      if (!t.info?.taskId || !t.frameworkId) continue;
      reported.set(taskKey(t.frameworkId, t.info.taskId), t);
    }
    // Tasks the master placed here that the agent no longer has.
    for (const key of [...agent.taskKeys]) {
      if (reported.has(key)) continue;
      const task = this.tasks.get(key);
      if (!task) {
        agent.taskKeys.delete(key);
        continue;
      }
      if (isTerminal(task.state)) {
        this.completeTask(task);
        continue;
      }
      const state: TaskState = task.state === 'TASK_STAGING' ? 'TASK_DROPPED' : 'TASK_GONE';
      this.masterUpdate(task, state, 'REASON_AGENT_REREGISTERED', 'the task was not found on the re-registered agent');
    }
    const frameworkInfos = new Map(reg.frameworks.map((f) => [f.id, f]));
    for (const [key, t] of reported) {
      const fid = t.frameworkId;
      const taskId = t.info?.taskId ?? '';
      if (this.removedFrameworks.has(fid)) {
        agent.link?.send({ killTasks: { kills: [{ taskId, frameworkId: fid, reason: 'REASON_FRAMEWORK_REMOVED' }] } });
        continue;
      }
      let fw = this.frameworks.get(fid);
      if (!fw) {
        const info: FrameworkInfo = frameworkInfos.get(fid) ?? {
          id: fid, name: 'recovered', user: '', roles: ['*'], principal: '', failoverTimeoutSeconds: 0,
          capabilities: [], hostname: '', labels: [],
        };
        fw = this.newFrameworkEntry({ ...info, id: fid });
        this.frameworks.set(fid, fw);
        this.allocator.addFramework(fid, { roles: fw.info.roles.length ? fw.info.roles : ['*'] });
        this.allocator.setFrameworkActive(fid, false);
        this.startFailoverTimer(fw);
        this.log.info({ frameworkId: fid }, 'framework recovered from a re-registering agent');
      }
      let resources: Resources;
      try {
        resources = this.sharedShape(Resources.fromWire(t.info?.resources ?? [], `register.tasks[${taskId}].resources`));
      } catch (err) {
        this.log.warn({ agentId: agent.id, taskId, err: TandemError.from(err).message }, 'ignoring a re-registered task with invalid resources');
        continue;
      }
      const state = t.state;
      const status: TaskStatus = t.status ?? this.syntheticStatus(taskId, fid, agent.id, state, 'REASON_AGENT_REREGISTERED', '');
      const existing = this.tasks.get(key);
      if (existing) {
        const changed = existing.state !== state;
        existing.agentId = agent.id;
        existing.state = state;
        existing.status = status;
        existing.released = isTerminal(state);
        if (changed) {
          this.forwardUpdates(fid, [{ ...status, state, uuid: '', source: 'SOURCE_MASTER', reason: 'REASON_AGENT_REREGISTERED', timestamp: nowSeconds() }]);
          this.emit({ taskUpdated: { ...status, state } });
        }
        if (existing.killRequested && !isTerminal(state)) {
          agent.link?.send({ killTasks: { kills: [{ taskId, frameworkId: fid, reason: 'REASON_KILLED_BY_FRAMEWORK' }] } });
        }
      } else if (t.info) {
        const entry: TaskEntry = {
          key, id: taskId, frameworkId: fid, agentId: agent.id, info: t.info, resources, state, status,
          released: isTerminal(state), killRequested: false,
        };
        this.tasks.set(key, entry);
        fw.taskKeys.add(key);
        this.emit({ taskAdded: { info: t.info, frameworkId: fid, state, status } });
      }
      agent.taskKeys.add(key);
    }
  }

  onAgentMessage(agentId: string, msg: AgentMessage): void {
    const agent = this.agents.get(agentId);
    if (!agent) return;
    switch (msg.message) {
      case 'pong':
        agent.missedPings = 0;
        return;
      case 'statusUpdates':
        this.onStatusUpdates(agent, msg.statusUpdates?.updates ?? []);
        return;
      case 'fileData':
        if (msg.fileData) this.onFileData(agentId, msg.fileData);
        return;
      case 'register':
        throw new ValidationError('register', 'the agent is already registered on this stream');
      default:
        return;
    }
  }

  agentStreamClosed(agentId: string, link: AgentLink): void {
    const agent = this.agents.get(agentId);
    if (!agent || agent.link !== link) return;
    agent.link = undefined;
    if (agent.phase === 'ACTIVE') agent.phase = 'DISCONNECTED';
    for (const offerId of [...agent.offerIds]) this.rescindOffer(offerId, true);
    this.allocator.setAgentActive(agentId, false);
    for (const [id, read] of this.pendingReads) {
      if (read.agentId !== agentId) continue;
      clearTimeout(read.timer);
      this.pendingReads.delete(id);
      read.reject(new TandemError(Code.Unavailable, `agent ${agentId} disconnected`));
    }
    this.log.warn({ agentId }, 'agent disconnected; waiting for it to come back before marking it unreachable');
  }

  private pingAgents(): void {
    for (const agent of this.agents.values()) {
      if (agent.phase === 'UNREACHABLE') continue;
      if (agent.missedPings >= this.options.maxMissedPings) {
        this.markUnreachable(agent);
        continue;
      }
      agent.missedPings++;
      agent.link?.send({ ping: { seq: ++agent.pingSeq } });
    }
  }

  private markUnreachable(agent: AgentEntry): void {
    this.log.warn({ agentId: agent.id, hostname: agent.info.hostname }, 'agent unreachable: missed too many pings');
    agent.phase = 'UNREACHABLE';
    agent.link?.end();
    agent.link = undefined;
    for (const offerId of [...agent.offerIds]) this.rescindOffer(offerId, false);
    this.allocator.removeAgent(agent.id);
    for (const key of agent.taskKeys) {
      const task = this.tasks.get(key);
      if (!task || isTerminal(task.state)) continue;
      this.masterUpdate(task, 'TASK_UNREACHABLE', 'REASON_AGENT_UNREACHABLE', `agent ${agent.id} (${agent.info.hostname}) is unreachable`);
    }
    for (const fw of this.frameworks.values()) {
      fw.stream?.send({ failure: { agentId: agent.id, message: 'agent unreachable' } });
    }
    this.emit({ agentUnreachable: agent.info });
  }

  private onStatusUpdates(agent: AgentEntry, updates: readonly { status: TaskStatus | null; latestState: TaskState }[]): void {
    const byFramework = new Map<string, TaskStatus[]>();
    const autoAcks: Ack[] = [];
    for (const u of updates) {
      const status = u.status;
      if (!status?.taskId || !status.frameworkId) continue;
      const key = taskKey(status.frameworkId, status.taskId);
      const latest = u.latestState || status.state;
      const task = this.tasks.get(key);
      const backwards = !!task && !canTransition(task.state, latest);
      if (backwards) {
        // The master's books keep their state; the update is still delivered (below) so
        // that it gets acknowledged and the agent stops resending it.
        this.log.warn({ taskId: task?.id, from: task?.state, to: latest }, 'not applying a status update that moves a task backwards');
      }
      if (task && !backwards) {
        task.state = latest;
        task.status = status;
        if (isTerminal(latest)) this.releaseTask(task);
        this.emit({ taskUpdated: status });
      }
      if (this.removedFrameworks.has(status.frameworkId)) {
        // Nobody will acknowledge for a removed framework: do it so the agent's queue drains.
        if (status.uuid) autoAcks.push({ agentId: agent.id, taskId: status.taskId, uuid: status.uuid, frameworkId: status.frameworkId });
        if (task && isTerminal(status.state)) this.completeTask(task);
        continue;
      }
      const list = byFramework.get(status.frameworkId) ?? [];
      list.push(status);
      byFramework.set(status.frameworkId, list);
      if (task && isTerminal(status.state) && !status.uuid) this.completeTask(task);
    }
    for (const [fid, statuses] of byFramework) this.forwardUpdates(fid, statuses);
    if (autoAcks.length > 0) agent.link?.send({ acknowledgements: { acks: autoAcks } });
  }

  private forwardUpdates(frameworkId: string, statuses: TaskStatusInit[]): void {
    if (statuses.length === 0) return;
    this.frameworks.get(frameworkId)?.stream?.sendUpdates(statuses);
  }

  // ---------------------------------------------------------------- frameworks

  /** Handles SUBSCRIBE: registers a new framework or fails over an existing one. */
  async subscribe(stream: FrameworkStream, onClose: (cb: () => void) => void, req: SubscribeRequest): Promise<void> {
    const info = req.frameworkInfo;
    if (!info) throw new ValidationError('framework_info', 'is required');
    if (!info.name.trim()) throw new ValidationError('framework_info.name', 'must not be empty');
    const roles = info.roles.length > 0 ? info.roles : ['*'];
    // The allocator's rule (and the registry's on the next start) so a role stored here reloads.
    roles.forEach((r, i) => {
      checkRoleName(r, `framework_info.roles[${i}]`);
    });
    const failover = info.failoverTimeoutSeconds;
    if (!Number.isFinite(failover) || failover < 0) {
      throw new ValidationError('framework_info.failover_timeout_seconds', `must be a finite number >= 0, got ${failover}`);
    }
    let fw: FrameworkEntry | undefined;
    if (info.id) {
      if (this.removedFrameworks.has(info.id)) {
        throw new TandemError(Code.PermissionDenied, `framework ${info.id} was removed; subscribe without an id to register anew`, { field: 'framework_info.id' });
      }
      fw = this.frameworks.get(info.id);
      if (!fw) {
        throw new TandemError(Code.NotFound, `framework ${info.id} is not known to this master; subscribe without an id to register a new framework`, { field: 'framework_info.id' });
      }
    }
    const id = fw?.id ?? newId('fw');
    const fullInfo: FrameworkInfo = { ...info, id, roles };
    await this.store.put(`frameworks/${id}`, { info: fullInfo });
    if (fw) {
      fw.failoverTimer?.clear();
      fw.failoverTimer = undefined;
      clearInterval(fw.heartbeatTimer);
      if (fw.stream) {
        fw.stream.send({ error: { message: 'framework failed over to a new subscription', code: 'FAILED_OVER' } });
        fw.stream.end();
      }
      fw.info = fullInfo;
    } else {
      fw = this.newFrameworkEntry(fullInfo);
      this.frameworks.set(id, fw);
    }
    const entry = fw;
    entry.stream = stream;
    entry.streamId = newUuid();
    entry.disconnectedAt = 0;
    this.allocator.addFramework(id, { roles, suppressedRoles: req.suppressedRoles });
    this.allocator.setFrameworkActive(id, true);
    stream.send({
      subscribed: {
        frameworkId: id,
        streamId: entry.streamId,
        heartbeatIntervalSeconds: this.options.frameworkHeartbeatMs / 1000,
        masterId: this.masterId,
      },
    });
    entry.heartbeatTimer = setInterval(() => stream.send({ heartbeat: { timestamp: nowSeconds() } }), this.options.frameworkHeartbeatMs);
    entry.heartbeatTimer.unref();
    onClose(() => this.frameworkStreamClosed(entry, stream));
    this.log.info({ frameworkId: id, name: info.name, failover: !!info.id }, 'framework subscribed');
    if (info.id) this.askAgentsToResend(entry);
    this.emit({ frameworkAdded: fullInfo });
    this.scheduleAllocation();
  }

  private sharedShape(resources: Resources): Resources {
    const key = resources.toString();
    const known = this.taskShapes.get(key);
    if (known) return known;
    this.taskShapes.set(key, resources);
    return resources;
  }

  /** A framework is back: the agents with its tasks send its unacknowledged updates now. */
  private askAgentsToResend(fw: FrameworkEntry): void {
    const agentIds = new Set<string>();
    for (const key of fw.taskKeys) {
      const agentId = this.tasks.get(key)?.agentId;
      if (agentId) agentIds.add(agentId);
    }
    for (const agentId of agentIds) this.agents.get(agentId)?.link?.send({ frameworkResubscribed: { frameworkId: fw.id } });
  }

  private frameworkStreamClosed(fw: FrameworkEntry, stream: FrameworkStream): void {
    if (fw.stream !== stream || this.phase !== 'running') return;
    fw.stream = undefined;
    fw.disconnectedAt = nowSeconds();
    clearInterval(fw.heartbeatTimer);
    for (const offerId of [...fw.offerIds]) this.rescindOffer(offerId, true);
    this.allocator.setFrameworkActive(fw.id, false);
    this.log.warn({ frameworkId: fw.id, failoverTimeoutSeconds: fw.info.failoverTimeoutSeconds }, 'framework disconnected');
    this.startFailoverTimer(fw);
  }

  private startFailoverTimer(fw: FrameworkEntry): void {
    fw.failoverTimer?.clear();
    fw.failoverTimer = setLongTimeout(() => {
      this.log.warn({ frameworkId: fw.id }, 'framework failover timeout expired; removing it and killing its tasks');
      void this.removeFramework(fw, 'failover timeout expired');
    }, fw.info.failoverTimeoutSeconds * 1000);
  }

  private async removeFramework(fw: FrameworkEntry, why: string): Promise<void> {
    if (!this.frameworks.has(fw.id)) return;
    fw.failoverTimer?.clear();
    clearInterval(fw.heartbeatTimer);
    for (const offerId of [...fw.offerIds]) this.rescindOffer(offerId, true);
    this.frameworks.delete(fw.id);
    this.removedFrameworks.add(fw.id);
    this.allocator.removeFramework(fw.id);
    const kills = new Map<string, { taskId: string; frameworkId: string; reason: StatusReason }[]>();
    for (const key of fw.taskKeys) {
      const task = this.tasks.get(key);
      if (!task) continue;
      if (isTerminal(task.state)) {
        this.completeTask(task);
        continue;
      }
      const list = kills.get(task.agentId) ?? [];
      list.push({ taskId: task.id, frameworkId: fw.id, reason: 'REASON_FRAMEWORK_REMOVED' });
      kills.set(task.agentId, list);
    }
    for (const [agentId, list] of kills) this.agents.get(agentId)?.link?.send({ killTasks: { kills: list } });
    if (fw.stream) {
      fw.stream.send({ error: { message: `framework removed: ${why}`, code: 'REMOVED' } });
      fw.stream.end();
      fw.stream = undefined;
    }
    this.emit({ frameworkRemoved: fw.id });
    try {
      await this.store.put(`frameworks/${fw.id}`, { info: fw.info, removed: true });
    } catch (err) {
      this.log.error({ frameworkId: fw.id, err }, 'could not record the framework removal in the registry');
    }
  }

  /** Checks the caller of a Scheduler call and runs it. */
  async call(req: SchedulerCall): Promise<{ launched: number }> {
    if (!req.frameworkId) throw new ValidationError('framework_id', 'is required');
    const fw = this.frameworks.get(req.frameworkId);
    if (!fw) {
      if (this.removedFrameworks.has(req.frameworkId)) {
        throw new TandemError(Code.PermissionDenied, `framework ${req.frameworkId} was removed`, { field: 'framework_id' });
      }
      throw new TandemError(Code.NotFound, `framework ${req.frameworkId} is not subscribed`, { field: 'framework_id' });
    }
    if (!fw.stream) throw new TandemError(Code.PermissionDenied, `framework ${fw.id} is not connected; subscribe first`, { field: 'framework_id' });
    if (req.streamId !== fw.streamId) {
      throw new TandemError(Code.PermissionDenied, 'stream_id does not match the framework\'s current subscription', { field: 'stream_id' });
    }
    switch (req.call) {
      case 'accept':
        return { launched: this.accept(fw, req.accept!) };
      case 'acceptMany':
        return this.acceptMany(fw, req.acceptMany?.accepts ?? []);
      case 'decline': {
        const d = req.decline!;
        const offers = this.checkOffers(fw, d.offerIds, 'decline.offer_ids', false);
        const refuse = this.refuseSeconds(d.filters, 'decline.filters.refuse_seconds');
        for (const offer of offers) this.useOffer(offer);
        for (const offer of offers) this.allocator.recover(fw.id, offer.agentId, offer.resources, refuse);
        this.scheduleAllocation();
        return { launched: 0 };
      }
      case 'revive':
        this.allocator.revive(fw.id, req.revive?.roles);
        this.scheduleAllocation();
        return { launched: 0 };
      case 'suppress':
        this.allocator.suppress(fw.id, req.suppress?.roles);
        return { launched: 0 };
      case 'kill':
        this.kill(fw, req.kill!);
        return { launched: 0 };
      case 'acknowledge':
        this.acknowledge(fw, req.acknowledge?.acks ?? []);
        return { launched: 0 };
      case 'reconcile':
        this.reconcile(fw, req.reconcile!);
        return { launched: 0 };
      case 'teardown':
        await this.removeFramework(fw, 'torn down by the framework');
        return { launched: 0 };
      default:
        throw new ValidationError('call', 'no call given (accept, accept_many, decline, revive, suppress, kill, acknowledge, reconcile or teardown)');
    }
  }

  private refuseSeconds(filters: { refuseSeconds?: number; _refuseSeconds?: string } | null | undefined, field: string): number {
    const v = filters && filters._refuseSeconds === 'refuseSeconds' ? filters.refuseSeconds : undefined;
    if (v === undefined) return this.options.defaultRefuseSeconds;
    if (!Number.isFinite(v) || v < 0) throw new ValidationError(field, `must be a finite number >= 0, got ${v}`);
    return Math.min(v, 365 * 24 * 3600);
  }

  /** Validates offer ids of an ACCEPT (one agent) or DECLINE (any agents, as in Mesos); changes nothing. */
  private checkOffers(fw: FrameworkEntry, ids: readonly string[], field: string, oneAgent: boolean): OfferEntry[] {
    if (ids.length === 0) throw new ValidationError(field, 'at least one offer id is required');
    const seen = new Set<string>();
    const out: OfferEntry[] = [];
    ids.forEach((id, i) => {
      if (typeof id !== 'string' || id.trim() === '') throw new ValidationError(`${field}[${i}]`, 'must be a non-empty offer id');
      if (seen.has(id)) throw new ValidationError(`${field}[${i}]`, `offer ${id} is listed twice`);
      seen.add(id);
      const offer = this.offers.get(id);
      if (!offer || offer.frameworkId !== fw.id) {
        throw new TandemError(Code.NotFound, `${field}[${i}]: offer ${id.slice(0, 80)} is unknown or no longer valid (already used, declined, rescinded or timed out)`, { field: `${field}[${i}]` });
      }
      out.push(offer);
    });
    const agentId = out[0]?.agentId;
    if (oneAgent && out.some((o) => o.agentId !== agentId)) throw new ValidationError(field, 'all offers of one call must come from the same agent');
    return out;
  }

  /**
   * ACCEPT_MANY: each accept on its own (a stale offer fails only its accept); the call
   * fails as a whole, changing nothing, only for an empty list or an offer named twice.
   */
  private acceptMany(fw: FrameworkEntry, accepts: readonly AcceptCall[]): { launched: number; accepts: AcceptResultInit[] } {
    if (accepts.length === 0) throw new ValidationError('accept_many.accepts', 'at least one accept is required');
    const seen = new Set<string>();
    accepts.forEach((a, i) => {
      a.offerIds.forEach((id, j) => {
        if (seen.has(id)) throw new ValidationError(`accept_many.accepts[${i}].offer_ids[${j}]`, `offer ${id.slice(0, 80)} is named by two accepts`);
        seen.add(id);
      });
    });
    let launched = 0;
    const results = accepts.map((a, i): AcceptResultInit => {
      try {
        const n = this.accept(fw, a, `accept_many.accepts[${i}]`);
        launched += n;
        return { launched: n };
      } catch (err) {
        const e = TandemError.from(err);
        if (e.code === Code.Unknown || e.code === Code.Internal) throw err;
        return { launched: 0, errorCode: e.code, errorMessage: e.message, errorField: e.field ?? '' };
      }
    });
    return { launched, accepts: results };
  }

  private accept(fw: FrameworkEntry, call: AcceptCall, prefix = 'accept'): number {
    const offers = this.checkOffers(fw, call.offerIds, `${prefix}.offer_ids`, true);
    const refuse = this.refuseSeconds(call.filters, `${prefix}.filters.refuse_seconds`);
    call.operations.forEach((op, i) => {
      if (op.operation !== 'launch') throw new ValidationError(`${prefix}.operations[${i}]`, 'only LAUNCH operations are supported');
    });
    const agentId = offers[0]!.agentId;
    const agent = this.agents.get(agentId);
    let pool = Resources.EMPTY;
    for (const offer of offers) {
      this.useOffer(offer);
      pool = pool.add(offer.resources);
    }
    const launched = [];
    const errors: TaskStatusInit[] = [];
    const inCall = new Set<string>();
    for (const [i, op] of call.operations.entries()) {
      for (const [j, task] of (op.launch?.tasks ?? []).entries()) {
        const field = `${prefix}.operations[${i}].launch.tasks[${j}]`;
        const check = checkLaunch(task, field, {
          pool,
          containerizers: agent?.containerizers ?? new Set(),
          taken: (id) => inCall.has(id) || this.tasks.has(taskKey(fw.id, id)),
        });
        if (!check.ok) {
          errors.push({ ...this.syntheticStatus(task.taskId, fw.id, agentId, 'TASK_ERROR', check.reason, check.message) });
          continue;
        }
        pool = pool.subtract(check.resources);
        inCall.add(task.taskId);
        const key = taskKey(fw.id, task.taskId);
        const info = { ...task, agentId };
        const entry: TaskEntry = {
          key, id: task.taskId, frameworkId: fw.id, agentId, info, resources: this.sharedShape(check.resources), state: 'TASK_STAGING',
          status: this.syntheticStatus(task.taskId, fw.id, agentId, 'TASK_STAGING', 'REASON_NONE', ''), released: false,
          killRequested: false,
        };
        this.tasks.set(key, entry);
        fw.taskKeys.add(key);
        agent?.taskKeys.add(key);
        launched.push(info);
        this.emit({ taskAdded: { info, frameworkId: fw.id, state: 'TASK_STAGING', status: entry.status } });
      }
    }
    if (launched.length > 0) {
      agent?.link?.send({ launchTasks: { framework: fw.info, tasks: launched } });
      this.log.debug({ frameworkId: fw.id, agentId, tasks: launched.length }, 'launching tasks');
    }
    if (!pool.isEmpty()) this.allocator.recover(fw.id, agentId, pool, refuse);
    if (errors.length > 0) {
      this.log.info({ frameworkId: fw.id, errors: errors.map((e) => e.message) }, 'refused tasks of an accept');
      this.forwardUpdates(fw.id, errors);
    }
    this.scheduleAllocation();
    return launched.length;
  }

  private kill(fw: FrameworkEntry, call: KillCall): void {
    call.tasks.forEach((t, i) => {
      if (!t.taskId) throw new ValidationError(`kill.tasks[${i}].task_id`, 'is required');
      const grace = t.killPolicy?.gracePeriodSeconds;
      if (grace !== undefined && (!Number.isFinite(grace) || grace < 0)) {
        throw new ValidationError(`kill.tasks[${i}].kill_policy.grace_period_seconds`, 'must be a finite number >= 0');
      }
    });
    const unknown: TaskStatusInit[] = [];
    const kills = new Map<string, { taskId: string; frameworkId: string; killPolicy?: { gracePeriodSeconds: number } | null; reason: StatusReason }[]>();
    for (const t of call.tasks) {
      const task = this.tasks.get(taskKey(fw.id, t.taskId));
      if (!task) {
        const done = this.completed.get(taskKey(fw.id, t.taskId));
        unknown.push(done ? { ...done.status, uuid: '', source: 'SOURCE_MASTER', timestamp: nowSeconds() }
          : this.syntheticStatus(t.taskId, fw.id, t.agentId, 'TASK_UNKNOWN', 'REASON_TASK_UNKNOWN', `task ${t.taskId} is not known to the master`));
        continue;
      }
      if (isTerminal(task.state)) continue;
      task.killRequested = true;
      const list = kills.get(task.agentId) ?? [];
      list.push({ taskId: task.id, frameworkId: fw.id, killPolicy: t.killPolicy, reason: 'REASON_KILLED_BY_FRAMEWORK' });
      kills.set(task.agentId, list);
    }
    for (const [agentId, list] of kills) this.agents.get(agentId)?.link?.send({ killTasks: { kills: list } });
    this.forwardUpdates(fw.id, unknown);
  }

  private acknowledge(fw: FrameworkEntry, acks: readonly Ack[]): void {
    acks.forEach((a, i) => {
      if (!a.taskId) throw new ValidationError(`acknowledge.acks[${i}].task_id`, 'is required');
      if (!a.uuid) throw new ValidationError(`acknowledge.acks[${i}].uuid`, 'is required');
      if (!a.agentId) throw new ValidationError(`acknowledge.acks[${i}].agent_id`, 'is required');
      if (!this.agents.has(a.agentId)) {
        throw new TandemError(Code.NotFound, `acknowledge.acks[${i}].agent_id: agent ${a.agentId.slice(0, 80)} is unknown`, { field: `acknowledge.acks[${i}].agent_id` });
      }
    });
    const byAgent = new Map<string, Ack[]>();
    for (const a of acks) {
      const list = byAgent.get(a.agentId) ?? [];
      list.push({ ...a, frameworkId: fw.id });
      byAgent.set(a.agentId, list);
      const task = this.tasks.get(taskKey(fw.id, a.taskId));
      if (task && task.status.uuid === a.uuid && isTerminal(task.state)) this.completeTask(task);
    }
    for (const [agentId, list] of byAgent) this.agents.get(agentId)?.link?.send({ acknowledgements: { acks: list } });
  }

  private reconcile(fw: FrameworkEntry, call: ReconcileCall): void {
    const reply = (task: TaskEntry): TaskStatusInit => ({
      ...task.status,
      state: task.state,
      uuid: '',
      source: 'SOURCE_MASTER',
      reason: 'REASON_RECONCILIATION',
      timestamp: nowSeconds(),
    });
    const statuses: TaskStatusInit[] = [];
    if (call.tasks.length === 0) {
      for (const key of fw.taskKeys) {
        const task = this.tasks.get(key);
        if (task) statuses.push(reply(task));
      }
    } else {
      call.tasks.forEach((t, i) => {
        if (!t.taskId) throw new ValidationError(`reconcile.tasks[${i}].task_id`, 'is required');
      });
      for (const t of call.tasks) {
        const key = taskKey(fw.id, t.taskId);
        const task = this.tasks.get(key) ?? this.completed.get(key);
        statuses.push(task ? reply(task)
          : { ...this.syntheticStatus(t.taskId, fw.id, t.agentId, 'TASK_UNKNOWN', 'REASON_RECONCILIATION', 'task is not known to the master') });
      }
    }
    this.forwardUpdates(fw.id, statuses);
  }

  // ---------------------------------------------------------------- tasks

  private syntheticStatus(taskId: string, frameworkId: string, agentId: string, state: TaskState, reason: StatusReason, message: string): TaskStatus {
    return {
      taskId, state, reason, message, agentId, frameworkId, source: 'SOURCE_MASTER', uuid: '', timestamp: nowSeconds(),
      hasExitCode: false, exitCode: 0, healthy: false, hasHealthy: false, containerId: '',
    };
  }

  /** A status the master itself decides (unreachable, gone, dropped); needs no acknowledgement. */
  private masterUpdate(task: TaskEntry, state: TaskState, reason: StatusReason, message: string): void {
    const status = { ...this.syntheticStatus(task.id, task.frameworkId, task.agentId, state, reason, message), containerId: task.status.containerId };
    task.state = state;
    task.status = status;
    this.emit({ taskUpdated: status });
    this.forwardUpdates(task.frameworkId, [status]);
    if (isTerminal(state)) {
      this.releaseTask(task);
      this.completeTask(task);
    }
  }

  private releaseTask(task: TaskEntry): void {
    if (task.released) return;
    task.released = true;
    const agent = this.agents.get(task.agentId);
    if (agent && agent.phase !== 'UNREACHABLE') {
      this.allocator.recover(task.frameworkId, task.agentId, task.resources);
      this.scheduleAllocation();
    }
  }

  private completeTask(task: TaskEntry): void {
    this.tasks.delete(task.key);
    this.frameworks.get(task.frameworkId)?.taskKeys.delete(task.key);
    this.agents.get(task.agentId)?.taskKeys.delete(task.key);
    this.completed.set(task.key, task);
  }

  // ---------------------------------------------------------------- offers

  /** Runs an allocation pass soon, coalescing the triggers of one tick. */
  scheduleAllocation(): void {
    if (this.allocationQueued || this.phase !== 'running') return;
    this.allocationQueued = true;
    setImmediate(() => {
      this.allocationQueued = false;
      this.allocate();
    });
  }

  private allocate(): void {
    if (this.phase !== 'running') return;
    const began = performance.now();
    const allocations = this.allocator.allocate();
    this.metrics.observeAllocation((performance.now() - began) / 1000);
    if (allocations.length === 0) return;
    const byFramework = new Map<string, OfferEntry[]>();
    for (const a of allocations) {
      const fw = this.frameworks.get(a.frameworkId);
      const agent = this.agents.get(a.agentId);
      if (!fw?.stream || !agent || agent.phase !== 'ACTIVE') {
        this.allocator.recover(a.frameworkId, a.agentId, a.resources);
        continue;
      }
      const offer: OfferEntry = { id: `${this.masterId}-O${++this.offerSeq}`, frameworkId: a.frameworkId, agentId: a.agentId, resources: a.resources, timer: undefined };
      if (this.options.offerTimeoutMs > 0) {
        offer.timer = setTimeout(() => this.rescindOffer(offer.id, true), this.options.offerTimeoutMs);
        offer.timer.unref();
      }
      this.offers.set(offer.id, offer);
      fw.offerIds.add(offer.id);
      agent.offerIds.add(offer.id);
      const list = byFramework.get(a.frameworkId) ?? [];
      list.push(offer);
      byFramework.set(a.frameworkId, list);
    }
    for (const [fid, offers] of byFramework) {
      this.frameworks.get(fid)?.stream?.send({
        offers: {
          offers: offers.map((o) => {
            const agent = this.agents.get(o.agentId);
            return {
              id: o.id, frameworkId: fid, agentId: o.agentId, hostname: agent?.info.hostname ?? '',
              resources: o.resources.toWire(), attributes: agent?.info.attributes ?? [],
            };
          }),
        },
      });
    }
  }

  /** Removes an offer that was accepted or declined (its resources are handled by the caller). */
  private useOffer(offer: OfferEntry): void {
    clearTimeout(offer.timer);
    this.offers.delete(offer.id);
    this.frameworks.get(offer.frameworkId)?.offerIds.delete(offer.id);
    this.agents.get(offer.agentId)?.offerIds.delete(offer.id);
  }

  /** Takes an offer back from its framework; with `recover` its resources return to the pool. */
  private rescindOffer(offerId: string, recover: boolean): void {
    const offer = this.offers.get(offerId);
    if (!offer) return;
    this.useOffer(offer);
    if (recover) this.allocator.recover(offer.frameworkId, offer.agentId, offer.resources);
    this.frameworks.get(offer.frameworkId)?.stream?.send({ rescind: { offerIds: [offerId] } });
    if (recover) this.scheduleAllocation();
  }

  // ---------------------------------------------------------------- operator

  state(): ReturnType<typeof buildClusterState> {
    return buildClusterState(this);
  }

  /** Calls `listener` with every cluster event until the returned function is called; `onEnd` when the master stops. */
  watch(listener: (e: OperatorEventInit) => void, onEnd: () => void): () => void {
    this.watchers.set(listener, onEnd);
    return () => this.watchers.delete(listener);
  }

  private emit(event: OperatorEventInit): void {
    for (const w of this.watchers.keys()) w(event);
  }

  /** Reads a task's stdout or stderr through its agent. */
  readTaskLog(req: ReadTaskLogRequest): Promise<ReadTaskLogResponseInit> {
    if (!req.taskId) return Promise.reject(new ValidationError('task_id', 'is required'));
    const name = req.name || 'stdout';
    if (name !== 'stdout' && name !== 'stderr') return Promise.reject(new ValidationError('name', 'must be "stdout" or "stderr"'));
    const length = req.length || 64 * 1024;
    if (length > MAX_LOG_READ) return Promise.reject(new ValidationError('length', `must be at most ${MAX_LOG_READ}`));
    const task = [...this.tasks.values(), ...this.completed.values()].find((t) => t.id === req.taskId);
    if (!task) return Promise.reject(new TandemError(Code.NotFound, `task ${req.taskId.slice(0, 80)} is not known to the master`, { field: 'task_id' }));
    const agent = this.agents.get(task.agentId);
    if (!agent?.link) return Promise.reject(new TandemError(Code.Unavailable, `agent ${task.agentId} of task ${task.id} is not connected`));
    const requestId = newUuid();
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pendingReads.delete(requestId);
        reject(new TandemError(Code.DeadlineExceeded, `agent ${task.agentId} did not answer the log read in time`));
      }, LOG_READ_TIMEOUT_MS);
      timer.unref();
      this.pendingReads.set(requestId, { agentId: task.agentId, resolve, reject, timer });
      agent.link?.send({ readFile: { requestId, taskId: task.id, name, offset: req.offset, length } });
    });
  }

  private onFileData(agentId: string, data: FileData): void {
    const read = this.pendingReads.get(data.requestId);
    if (!read || read.agentId !== agentId) return;
    this.pendingReads.delete(data.requestId);
    clearTimeout(read.timer);
    if (data.error) read.reject(new TandemError(Code.NotFound, data.error));
    else read.resolve({ data: data.data, offset: data.offset, eof: data.eof, size: data.size });
  }

  /** Wraps a stream for an agent (used by the Agent service). */
  newAgentLink(call: ConstructorParameters<typeof AgentLink>[0]): AgentLink {
    return new AgentLink(call);
  }
}
