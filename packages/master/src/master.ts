import { mkdirSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import * as grpc from '@grpc/grpc-js';
import {
  type AgentMessage,
  type AuthenticatedCall,
  Code,
  componentLogger,
  httpScheme,
  installGrpcPatches,
  type Logger,
  type LongTimeout,
  type MaintenanceScheduleInit,
  type MaintenanceStatusInit,
  type MaintenanceWindowInit,
  newId,
  nowSeconds,
  type OperatorEventInit,
  type ReadTaskLogRequest,
  type ReadTaskLogResponseInit,
  type RegisterAgent,
  type Resources,
  type SchedulerCall,
  SERVER_OPTIONS,
  type SubscribeRequest,
  serverCredentials,
  setLongTimeout,
  TandemError,
  tandemV1,
  ValidationError,
} from '@tandem/protocol';
import { FileStore, type LeaderIdentity, LeaderLease, observedStore, type Store, type StoreWriteOp } from '@tandem/store';
import { LRUCache } from 'lru-cache';
import { type DrainRequest, drainAgent, drainProgress, reactivateAgent } from './agent-drain.js';
import { AgentDrains } from './agent-drains.js';
import { type AgentGone, markAgentGone } from './agent-gone.js';
import { AgentLink } from './agent-link.js';
import { agentAnswered, agentStreamClosed, expireRecoveredAgents, pingAgents } from './agent-liveness.js';
import { registerAgent } from './agent-registration.js';
import { AgentRegistry } from './agent-registry.js';
import { AgentRemovalLimit } from './agent-removal-limit.js';
import { agentHandlers } from './agent-service.js';
import { agentServiceDefinition } from './agent-wire.js';
import type { Allocator } from './allocator/allocator.js';
import { HierarchicalAllocator } from './allocator/hierarchical-allocator.js';
import { CallLimits } from './call-limits.js';
import { guardDecoding } from './decode-guard.js';
import { frameworkPrincipalOf } from './framework-principal.js';
import { startFailoverTimer, subscribe } from './framework-registration.js';
import type { FrameworkStream } from './framework-stream.js';
import { gated } from './grpc-gate.js';
import { type HttpApi, startHttpApi } from './http-api.js';
import { Maintenance } from './maintenance.js';
import { MasterAuth } from './master-auth.js';
import type { MasterCore } from './master-core.js';
import type { MasterOperations } from './master-operations.js';
import { MasterMetrics } from './metrics.js';
import { OfferCycle } from './offer-cycle.js';
import { killTaskForOperator, type OperatorKill, teardownFrameworkForOperator } from './operator-kill.js';
import { operatorHandlers } from './operator-service.js';
import { type MasterOptions, type ResolvedMasterOptions, resolveMasterOptions } from './options.js';
import { ReregistrationTally } from './reregistration-tally.js';
import { RoleConfig } from './role-config.js';
import { schedulerCall } from './scheduler-calls.js';
import { schedulerHandlers } from './scheduler-service.js';
import { type AgentEntry, type FrameworkEntry, type FrameworkRecord, newFrameworkEntry, type OfferEntry, type TaskEntry } from './state-records.js';
import { buildClusterState } from './state-view.js';
import { onStatusUpdates } from './status-updates.js';
import { TaskLogReads } from './task-log-reads.js';
import type { UiLinks } from './ui-links.js';

/** How soon recording an agent unreachable is tried again after the registry failed. */
const RECORD_RETRY_MS = 5_000;

/** A master's lifecycle; an HA master is a `standby` until it leads (`running`), and stops for good when it loses the lease. */
type MasterPhase = 'new' | 'starting' | 'standby' | 'running' | 'stopping' | 'stopped';

/**
 * The Tandem master: owns agents, frameworks, tasks and offers in memory, persists
 * what must outlive it (framework infos, admitted agents) in the registry, and runs
 * the allocator. Task state is rebuilt from agents when they re-register.
 */
export class Master implements MasterOperations {
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
  private readonly logReads: TaskLogReads;
  private readonly reregistrations: ReregistrationTally;
  /** Admitted agents in the registry, and those not back since this master started. */
  private readonly agentRegistry = new AgentRegistry(() => this.store);
  /** Draining and drained agents (Operator.DrainAgent), in the registry. */
  readonly drains = new AgentDrains(() => this.store);
  /** The apps and jobs APIs the web UI shows (MasterOptions.uiLinks); set them here once those services are up. */
  readonly uiLinks: UiLinks;
  /** Maintenance windows and inverse offers (Operator.UpdateMaintenanceSchedule). */
  readonly maintenance: Maintenance;
  /** Agents that missed their pings, marked unreachable at `agentRemovalRateLimit`. */
  private readonly removals: AgentRemovalLimit;
  /** Runs out `agentReregisterTimeoutMs` after start while admitted agents have not re-registered. */
  private reregisterTimer: LongTimeout | undefined;
  /** What the master's parts (agent-registration.ts, scheduler-calls.ts, ...) use of it. */
  private readonly core: MasterCore;
  /** Allocation passes into offers, and offers used or rescinded. */
  private readonly offerCycle: OfferCycle;
  private server: grpc.Server | undefined;
  private http: HttpApi | undefined;
  private allocationTimer: NodeJS.Timeout | undefined;
  private pingTimer: NodeJS.Timeout | undefined;
  private allocationQueued = false;
  private phase: MasterPhase = 'new';
  /** HA only: the lease this master contends for, then holds. */
  private lease: LeaderLease | undefined;
  private readonly contending = new AbortController();
  private resolveLeading!: () => void;
  private resolveSteppedDown!: (why: TandemError) => void;
  /** HA only: resolves once this master leads (never for a master that stops first). */
  readonly leading: Promise<void>;
  /** HA only: resolves, after the master has stopped, with why it stopped leading (a lost lease, a registry that could not be read). */
  readonly steppedDown: Promise<TandemError>;
  readonly metrics: MasterMetrics;
  /** Callers' principals (every gRPC call) and the ACLs' decisions (`MasterOptions.acls`, `credentials`). */
  readonly auth: MasterAuth;
  /** Per-principal limits on the gRPC services (`MasterOptions.limits`); `shed` counts refusals. */
  readonly callLimits: CallLimits;
  startedAt = 0;
  grpcPort = 0;
  httpPort = 0;

  constructor(options: MasterOptions = {}) {
    this.options = resolveMasterOptions(options);
    this.uiLinks = { ...options.uiLinks };
    this.log = componentLogger('master', options.logger);
    this.allocator = options.allocator ?? new HierarchicalAllocator();
    this.roleConfig = new RoleConfig(this, this.allocator);
    this.completed = new LRUCache({ max: Math.max(1, this.options.maxCompletedTasks) });
    this.metrics = new MasterMetrics(this);
    this.auth = new MasterAuth({ acls: options.acls, credentials: options.credentials, tls: !!options.tls }, this.log);
    this.logReads = new TaskLogReads(this);
    this.reregistrations = new ReregistrationTally(this.log);
    this.removals = new AgentRemovalLimit(this.options.agentRemovalRateLimit, this.log);
    // The limits key each call on its principal as authenticated here (certificate or credential).
    this.callLimits = new CallLimits({ callPrincipal: (call) => this.auth.principalOf(call as unknown as AuthenticatedCall), ...options.limits }, this.log);
    this.metrics.countShed(this.callLimits);
    this.leading = new Promise((resolve) => {
      this.resolveLeading = resolve;
    });
    this.steppedDown = new Promise((resolve) => {
      this.resolveSteppedDown = resolve;
    });
    this.core = {
      masterId: this.masterId,
      options: this.options,
      log: this.log,
      allocator: this.allocator,
      auth: this.auth,
      registry: () => this.store,
      agentRegistry: this.agentRegistry,
      drains: this.drains,
      drainProgress: (agentId) => {
        if (this.drains.has(agentId)) drainProgress(this.core, agentId);
      },
      removals: this.removals,
      agents: this.agents,
      frameworks: this.frameworks,
      removedFrameworks: this.removedFrameworks,
      tasks: this.tasks,
      completed: this.completed,
      offers: this.offers,
      logReads: this.logReads,
      reregistrations: this.reregistrations,
      timings: this.metrics,
      emit: (event) => this.emit(event),
      watched: () => this.watchers.size > 0,
      scheduleAllocation: () => this.scheduleAllocation(),
      useOffer: (offer) => this.offerCycle.use(offer),
      rescindOffer: (offerId, recover) => this.offerCycle.rescind(offerId, recover),
      sharedShape: (resources) => this.sharedShape(resources),
      running: () => this.mayAct(),
      get maintenance() {
        return maintenance();
      },
    };
    const maintenance = (): Maintenance => this.maintenance;
    this.maintenance = new Maintenance(this.core);
    this.offerCycle = new OfferCycle(this.core, (seconds) => this.metrics.observeAllocation(seconds));
  }

  /** `host:port` for clients on this machine. */
  get address(): string {
    const host = this.options.host === '0.0.0.0' || this.options.host === '::' ? '127.0.0.1' : this.options.host;
    return `${host}:${this.grpcPort}`;
  }

  /** Opens the registry, recovers from it and starts serving. A start that fails stops what it had started (the registry's lock included) before it throws. */
  async start(): Promise<void> {
    if (this.phase !== 'new') throw new TandemError(Code.FailedPrecondition, `master is ${this.phase}`);
    this.phase = 'starting';
    try {
      await this.startServing();
    } catch (err) {
      await this.stop();
      throw err;
    }
  }

  /** Why the master cannot record changes, if it cannot: its registry refused a write (a full disk, an I/O error) and refuses every later one until a restart. */
  registryFailure(): TandemError | undefined {
    return this.store?.failure();
  }

  private async startServing(): Promise<void> {
    const ha = this.options.ha;
    // Every registry write is timed (tandem_master_store_write_seconds).
    const observe = (op: StoreWriteOp, seconds: number, ok: boolean): void => this.metrics.observeStoreWrite(op, seconds, ok);
    if (ha) this.store = observedStore(ha.store, observe);
    else {
      mkdirSync(this.options.workDir, { recursive: true });
      this.store = observedStore(this.options.store ?? new FileStore({ dir: join(this.options.workDir, 'registry') }), observe);
      await this.recoverState();
    }

    // Before the first stream: an embedded master gets the patches `tandem` installs at start (idempotent).
    installGrpcPatches();
    const v1 = tandemV1();
    const maxBytes = this.callLimits.maxMessageBytes;
    const server = new grpc.Server(
      maxBytes === undefined ? SERVER_OPTIONS : { ...SERVER_OPTIONS, 'grpc.max_receive_message_length': maxBytes, 'grpc.max_send_message_length': maxBytes },
    );
    // An HA master answers nothing itself until it leads, and nothing once it may have lost the lease;
    // then each principal's calls over its limits are shed (a standby's refusals spend no tokens).
    const gate = <H extends object>(handlers: H): H => {
      const limited = this.callLimits.wrap(handlers);
      return ha ? gated(limited, () => this.refusal()) : limited;
    };
    // Every call is authenticated (its principal known) before any handler runs.
    // Bytes that are not the method's message are INVALID_ARGUMENT, never grpc-js' INTERNAL (decode-guard.ts).
    const scheduler = guardDecoding(v1.Scheduler.service, schedulerHandlers(this));
    server.addService(scheduler.service, gate(this.auth.wrap(scheduler.handlers)));
    // Agent.Connect with the master's own deserializer: re-registered TaskInfos stay packed (agent-wire.ts).
    const agents = guardDecoding(agentServiceDefinition(), agentHandlers(this));
    server.addService(agents.service, gate(this.auth.wrap(agents.handlers)));
    const operator = guardDecoding(v1.Operator.service, operatorHandlers(this));
    server.addService(operator.service, gate(this.auth.wrap(operator.handlers)));
    this.grpcPort = await new Promise<number>((resolve, reject) => {
      server.bindAsync(`${this.options.host}:${this.options.port}`, serverCredentials(this.options.tls), (err, port) =>
        err ? reject(new TandemError(Code.Unavailable, `cannot bind gRPC port ${this.options.port}: ${err.message}`, { cause: err })) : resolve(port),
      );
    });
    this.server = server;
    if (this.options.httpPort >= 0) {
      this.http = await startHttpApi(this, this.options.host, this.options.httpPort, {
        ...(this.options.tls ? { tls: this.options.tls } : {}),
        ...(this.options.httpAuth ? { auth: this.options.httpAuth } : {}),
        ...(this.options.corsOrigins ? { corsOrigins: this.options.corsOrigins } : {}),
        uiLinks: this.uiLinks,
        logger: this.log,
      });
      this.httpPort = this.http.port;
    }
    if (!ha) {
      this.beginLeading();
      this.log.info({ masterId: this.masterId, grpcPort: this.grpcPort, httpPort: this.httpPort || undefined }, 'master started');
      return;
    }
    const host = ha.advertiseHost ?? (this.options.host === '0.0.0.0' || this.options.host === '::' ? hostname() : this.options.host);
    this.lease = new LeaderLease<LeaderIdentity>({
      store: ha.store,
      self: {
        id: this.masterId,
        grpc: `${host}:${this.grpcPort}`,
        ...(this.httpPort > 0 ? { http: `${httpScheme(this.options.tls)}://${host}:${this.httpPort}` } : {}),
      },
      ...(ha.leaseTtlMs === undefined ? {} : { ttlMs: ha.leaseTtlMs }),
      ...(this.options.logger ? { logger: this.options.logger } : {}),
    });
    this.phase = 'standby';
    this.log.info(
      { masterId: this.masterId, grpcPort: this.grpcPort, httpPort: this.httpPort || undefined },
      'master started as a standby; contending for the lease',
    );
    void this.contend(this.lease);
  }

  /** Reads what the registry holds: role config, frameworks, admitted agents. */
  private async recoverState(): Promise<void> {
    await this.roleConfig.recover(this.store);
    await this.recoverRegistry();
    await this.agentRegistry.load();
    await this.drains.load();
    await this.maintenance.load();
  }

  /** Starts acting: allocation, pings, and the wait for the registry's agents. */
  private beginLeading(): void {
    this.startedAt = nowSeconds();
    this.allocationTimer = setInterval(() => this.allocate(), this.options.allocationIntervalMs);
    this.allocationTimer.unref();
    this.pingTimer = setInterval(() => pingAgents(this.core), this.options.agentPingIntervalMs);
    this.pingTimer.unref();
    this.phase = 'running';
    this.awaitRecoveredAgents(this.options.agentReregisterTimeoutMs, true);
    this.maintenance.start();
  }

  /** HA: waits for the lease, reads the registry (fenced from here on), then leads until the lease is lost. */
  private async contend(lease: LeaderLease): Promise<void> {
    try {
      await lease.acquire(this.contending.signal);
    } catch (err) {
      if (this.phase === 'standby') void this.stepDown(TandemError.from(err));
      return;
    }
    void lease.lost.then((why) => this.stepDown(why));
    try {
      await this.recoverState();
    } catch (err) {
      await this.stepDown(
        new TandemError(Code.Unavailable, `could not read the registry after taking the lease: ${TandemError.from(err).message}`, { cause: err }),
      );
      return;
    }
    if (this.phase !== 'standby' || !lease.leading()) return;
    this.beginLeading();
    this.log.info({ masterId: this.masterId, frameworks: this.frameworks.size, agents: this.agentRegistry.recoveredCount }, 'master leads');
    this.resolveLeading();
  }

  /** HA: the lease is lost (or could not be used): stop acting at once, then stop; a new Master stands by. */
  private async stepDown(why: TandemError): Promise<void> {
    if (this.phase !== 'standby' && this.phase !== 'running') return;
    this.log.error({ masterId: this.masterId, err: why.message }, 'master steps down: it can no longer prove it leads');
    await this.stop();
    this.resolveSteppedDown(why);
  }

  /** May this master act (write, offer, launch, answer) now? Always while a single master runs; an HA one only while it holds its lease. */
  mayAct(): boolean {
    return this.phase === 'running' && (this.lease?.leading() ?? true);
  }

  /**
   * Why a call may not be served here, if it may not: an HA master that does not lead
   * answers UNAVAILABLE naming the leader (the `tandem-leader` trailer) when it knows it.
   */
  refusal(): TandemError | undefined {
    if (this.mayAct()) return undefined;
    const leader = this.leaderInfo().leader;
    if (this.phase === 'running' || !leader || leader.id === this.masterId) {
      return new TandemError(Code.Unavailable, `no leading master is known to ${this.masterId} (${this.phase}); try another master`);
    }
    return new TandemError(Code.Unavailable, `not the leading master; the leader is at ${leader.grpc}`, leader.grpc ? { leader: leader.grpc } : {});
  }

  /** Who leads, as `/api/v1/leader` shows it: the leader (null when unknown) and whether it is this master. */
  leaderInfo(): { leader: LeaderIdentity | null; leading: boolean; self: string } {
    if (!this.lease) return { leader: { id: this.masterId, grpc: this.address }, leading: this.mayAct(), self: this.masterId };
    const leader = this.lease.leader();
    return { leader: leader && !(leader.id === this.masterId && !this.mayAct()) ? leader : null, leading: this.mayAct(), self: this.masterId };
  }

  /** Ordered shutdown: stop timers, close every stream, drain the servers, close the registry. */
  async stop(): Promise<void> {
    if (this.phase === 'stopped' || this.phase === 'stopping') return;
    const wasLeading = this.mayAct();
    this.phase = 'stopping';
    this.contending.abort();
    clearInterval(this.allocationTimer);
    clearInterval(this.pingTimer);
    this.removals.stop();
    this.maintenance.stop();
    this.reregisterTimer?.clear();
    for (const offer of this.offers.values()) clearTimeout(offer.timer);
    for (const fw of this.frameworks.values()) {
      fw.failoverTimer?.clear();
      clearInterval(fw.heartbeatTimer);
      fw.stream?.end();
    }
    for (const agent of this.agents.values()) agent.link?.end();
    this.logReads.stop();
    this.reregistrations.flush();
    for (const end of this.watchers.values()) end();
    this.watchers.clear();
    // A leader that stops in order gives the lease up, so that a standby leads at once.
    if (this.lease) await (wasLeading ? this.lease.release() : Promise.resolve(this.lease.close()));
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
    for (const entry of await this.store.list<FrameworkRecord>('frameworks/')) {
      const { info, removed, principal } = entry.value;
      if (removed) {
        this.removedFrameworks.add(info.id);
        continue;
      }
      const fw = newFrameworkEntry(info, principal);
      this.frameworks.set(info.id, fw);
      this.allocator.addFramework(info.id, { roles: info.roles });
      this.allocator.setFrameworkActive(info.id, false);
      startFailoverTimer(this.core, fw);
    }
    if (this.frameworks.size > 0)
      this.log.info({ frameworks: this.frameworks.size }, 'recovered frameworks from the registry; waiting for them to re-subscribe');
  }

  /**
   * The agents the registry admits may still be running tasks this master has not heard
   * of: it waits `agentReregisterTimeoutMs` for them (giving no verdict on such tasks
   * meanwhile), then records those that did not come back unreachable. A failed write is
   * tried again a few seconds later.
   */
  private awaitRecoveredAgents(delayMs: number, first: boolean): void {
    const waiting = this.agentRegistry.recoveredCount;
    if (waiting === 0) return;
    if (first) {
      this.log.info({ agents: waiting, timeoutMs: delayMs }, 'waiting for the agents in the registry to re-register');
    }
    this.reregisterTimer = setLongTimeout(() => {
      void expireRecoveredAgents(this.core).then((failed) => {
        if (failed > 0 && this.phase === 'running') this.awaitRecoveredAgents(RECORD_RETRY_MS, false);
      });
    }, delayMs);
  }

  // ---------------------------------------------------------------- agents

  /** Handles REGISTER on an agent stream; returns the agent id. */
  registerAgent(link: AgentLink, reg: RegisterAgent, principal: string | undefined): Promise<string> {
    return registerAgent(this.core, link, reg, principal);
  }

  onAgentMessage(agentId: string, msg: AgentMessage): void {
    const agent = this.agents.get(agentId);
    if (!agent) return;
    switch (msg.message) {
      case 'pong':
        agentAnswered(this.core, agent);
        return;
      case 'statusUpdates':
        onStatusUpdates(this.core, agent, msg.statusUpdates?.updates ?? []);
        return;
      case 'fileData':
        if (msg.fileData) this.logReads.onFileData(agentId, msg.fileData);
        return;
      case 'register':
        throw new ValidationError('register', 'the agent is already registered on this stream');
      default:
        return;
    }
  }

  agentStreamClosed(agentId: string, link: AgentLink): void {
    agentStreamClosed(this.core, agentId, link);
  }

  /** Agents that missed their pings and wait for `agentRemovalRateLimit` to mark them unreachable. */
  get agentsAwaitingRemoval(): number {
    return this.removals.waiting;
  }

  get agentsGone(): number {
    return this.agentRegistry.goneCount;
  }

  /** Marks an agent gone for good (Operator.MarkAgentGone; agent-gone.ts). */
  async markAgentGone(agentId: string, principal?: string): Promise<AgentGone> {
    this.auth.authorize('mark_agent_gone', principal, agentId, 'agent_id');
    return markAgentGone(this.core, agentId);
  }

  /** Drains an agent (Operator.DrainAgent; agent-drain.ts); `drain_agents` on the agent id. */
  async drainAgent(req: DrainRequest, principal?: string): Promise<Awaited<ReturnType<typeof drainAgent>>> {
    this.auth.authorize('drain_agents', principal, req.agentId, 'agent_id');
    return drainAgent(this.core, req);
  }

  /** Ends an agent's drain (Operator.ReactivateAgent); `drain_agents` on the agent id. */
  async reactivateAgent(agentId: string, principal?: string): Promise<boolean> {
    this.auth.authorize('drain_agents', principal, agentId, 'agent_id');
    return reactivateAgent(this.core, agentId);
  }

  /** The maintenance schedule (Operator.GetMaintenanceSchedule). */
  maintenanceSchedule(): MaintenanceScheduleInit {
    return this.maintenance.schedule();
  }

  /** Replaces the maintenance schedule (maintenance.ts); `drain_agents` on every agent of the old and the new schedule. */
  async updateMaintenanceSchedule(windows: readonly MaintenanceWindowInit[], principal?: string): Promise<MaintenanceScheduleInit> {
    for (const [i, w] of windows.entries()) {
      for (const [j, id] of (w.agentIds ?? []).entries()) this.auth.authorize('drain_agents', principal, id, `windows[${i}].agent_ids[${j}]`);
    }
    for (const id of this.maintenance.scheduledAgents()) this.auth.authorize('drain_agents', principal, id, 'windows');
    return this.maintenance.update(windows);
  }

  /** The agents of the schedule and the answers to their inverse offers (Operator.GetMaintenanceStatus). */
  maintenanceStatus(): MaintenanceStatusInit {
    return this.maintenance.status();
  }

  /** Kills a task for an operator (Operator.KillTask; operator-kill.ts). */
  async killTask(req: OperatorKill, principal?: string): Promise<ReturnType<typeof killTaskForOperator>> {
    return killTaskForOperator(this.core, req, principal);
  }

  /** Removes a framework for an operator (Operator.TeardownFramework; operator-kill.ts). */
  teardownFramework(frameworkId: string, principal?: string): Promise<{ tasksKilled: number }> {
    return teardownFrameworkForOperator(this.core, frameworkId, principal);
  }

  // ---------------------------------------------------------------- frameworks

  /** Handles SUBSCRIBE: registers a new framework or fails over an existing one. */
  subscribe(stream: FrameworkStream, onClose: (cb: () => void) => void, req: SubscribeRequest, principal: string | undefined): Promise<void> {
    return subscribe(this.core, stream, onClose, req, principal);
  }

  private sharedShape(resources: Resources): Resources {
    const key = resources.toString();
    const known = this.taskShapes.get(key);
    if (known) return known;
    this.taskShapes.set(key, resources);
    return resources;
  }

  /** Checks the caller of a Scheduler call and runs it. */
  call(req: SchedulerCall, principal: string | undefined): Promise<{ launched: number }> {
    return schedulerCall(this.core, req, principal);
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
    this.offerCycle.allocate();
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
  readTaskLog(req: ReadTaskLogRequest, principal?: string): Promise<ReadTaskLogResponseInit> {
    return this.logReads.read(req, (task) => this.auth.authorize('view', principal, frameworkPrincipalOf(this.core, task.frameworkId), 'task_id'));
  }

  /** Wraps a stream for an agent (used by the Agent service). */
  newAgentLink(call: ConstructorParameters<typeof AgentLink>[0]): AgentLink {
    return new AgentLink(call, () => this.mayAct());
  }
}
