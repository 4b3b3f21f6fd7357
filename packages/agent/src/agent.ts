import {
  type AgentRegistered,
  type AttributeInit,
  Code,
  checkId,
  type FrameworkInfo,
  isTerminal,
  type Logger,
  type MasterMessage,
  parseAttributes,
  type ReadFile,
  type RegisterAgentInit,
  Resources,
  TandemError,
} from '@tandem/protocol';
import { DirLock } from '@tandem/store';
import { readAgentId, writeAgentId } from './agent-id.js';
import { type AgentLifecycle, checkAgentTransition } from './agent-lifecycle.js';
import { AgentMetrics } from './agent-metrics.js';
import type { TaskSnapshot } from './agent-task.js';
import type { Containerizer } from './containerizer/types.js';
import { ensureDir, removeDir } from './durable-files.js';
import { resolveResources } from './host-resources.js';
import { MasterConnection } from './master-connection.js';
import { AGENT_VERSION, type AgentOptions, type HollowAgentOptions, type ResolvedAgentOptions, resolveAgentOptions } from './options.js';
import { AgentPaths } from './paths.js';
import { recoverTasks } from './recovery.js';
import { readSandboxFile } from './sandbox-files.js';
import { StatusUpdateManager } from './status-update-manager.js';
import { TaskSupervisor } from './task-supervisor.js';

/** How long a stop that kills tasks waits for their terminal updates to be acknowledged. */
const DRAIN_MS = 2000;

/**
 * A Tandem agent: recovers its checkpointed tasks, dials the master, runs the tasks the
 * master sends in containers, reports their status reliably and answers pings and log reads.
 */
export class Agent {
  private readonly options: ResolvedAgentOptions;
  private readonly paths: AgentPaths;
  private readonly attributes: AttributeInit[];
  private readonly log: Logger;
  private readonly updates: StatusUpdateManager;
  private supervisor: TaskSupervisor | undefined;
  /** This process' hold on the work dir (none with in-memory checkpoints). */
  private lock: DirLock | undefined;
  private connection: MasterConnection | undefined;
  private id: string | undefined;
  private total: Resources = Resources.EMPTY;
  private available: Containerizer[] = [];
  private lifecycle: AgentLifecycle = 'created';
  private starting: Promise<void> | undefined;
  private persistingId: Promise<void> = Promise.resolve();
  private stopping: Promise<void> | undefined;
  private readonly closedPromise: Promise<void>;
  private resolveClosed!: () => void;
  private metricsValue: AgentMetrics | undefined;

  constructor(options: AgentOptions & HollowAgentOptions) {
    this.options = resolveAgentOptions(options);
    this.paths = new AgentPaths(this.options.workDir);
    this.log = this.options.logger;
    this.attributes = parseAttributes(this.options.attributes ?? '', 'attributes');
    this.updates = new StatusUpdateManager({
      logPath: (fid, tid) => this.paths.updatesFile(fid, tid),
      retry: { initialMs: this.options.statusRetryMs.initial, maxMs: this.options.statusRetryMs.max },
      send: (updates) => this.connection?.send({ statusUpdates: { updates } }) ?? false,
      inMemory: this.options.hollowInMemoryCheckpoints,
      onTaskDone: (fid, tid) => {
        this.supervisor?.onTaskDone(fid, tid).catch((err: unknown) => this.log.error({ err, taskId: tid }, 'could not remove a task checkpoint'));
      },
      logger: this.log,
    });
    this.closedPromise = new Promise((resolve) => {
      this.resolveClosed = resolve;
    });
  }

  /** The id the master gave this agent (persisted across restarts), once known. */
  get agentId(): string | undefined {
    return this.id;
  }

  get totalResources(): Resources {
    return this.total;
  }

  get state(): AgentLifecycle {
    return this.lifecycle;
  }

  /** The agent's Prometheus metrics, made at the first call (its HTTP port serves them; hollow agents never make them). */
  metrics(): AgentMetrics {
    this.metricsValue ??= new AgentMetrics(this);
    return this.metricsValue;
  }

  /** The resources of the tasks that have not ended. */
  usedResources(): Resources {
    let used = Resources.EMPTY;
    for (const t of this.supervisor?.list() ?? []) {
      if (isTerminal(t.state)) continue;
      try {
        used = used.add(Resources.fromWire(t.info.resources));
      } catch {
        // a task's resources were checked at launch; one that does not read counts as none
      }
    }
    return used;
  }

  /** Every task the agent knows: launching, running, or waiting for its terminal ack. */
  tasks(): TaskSnapshot[] {
    return this.supervisor?.snapshots() ?? [];
  }

  /** Resolves once the agent has stopped (by `stop()` or a `shutdown` from the master). */
  closed(): Promise<void> {
    return this.closedPromise;
  }

  /**
   * Recovers checkpointed state, then dials the master. Resolves once the first
   * registration is acknowledged, or after the first failed attempt (it keeps
   * redialling in the background).
   */
  start(): Promise<void> {
    this.starting ??= this.doStart();
    return this.starting;
  }

  private async doStart(): Promise<void> {
    this.transition('starting');
    const { options, paths } = this;
    const inMemory = options.hollowInMemoryCheckpoints;
    if (!inMemory) {
      await ensureDir(options.workDir);
      // One agent per work dir: two would recover, supervise and report the same tasks.
      this.lock = DirLock.acquire(options.workDir, 'agent work dir');
      await ensureDir(paths.metaDir);
      await ensureDir(`${options.workDir}/sandboxes`);
    }
    this.total = await resolveResources(options.workDir, options.resources);
    this.available = await this.availableContainerizers();
    this.id = inMemory ? undefined : await readAgentId(paths.agentFile);
    const supervisor = new TaskSupervisor({
      paths,
      hostname: options.hostname,
      agentId: () => this.id ?? '',
      containerizers: this.available,
      updates: this.updates,
      defaultKillGracePeriodMs: options.defaultKillGracePeriodMs,
      maxConcurrentLaunches: options.maxConcurrentLaunches,
      secrets: options.secrets,
      fetcher: options.fetcher,
      inMemory,
      logger: this.log,
      observeLaunch: (containerizer, seconds, ok) => this.metricsValue?.observeLaunch(containerizer, seconds, ok),
    });
    this.supervisor = supervisor;
    const recovered = inMemory ? [] : await recoverTasks({ paths, updates: this.updates, containerizers: this.available, agentId: this.id, logger: this.log });
    await supervisor.adopt(recovered);
    if (recovered.length > 0) this.log.info({ tasks: recovered.length }, 'recovered tasks from checkpoints');
    if (this.stopping) return;

    this.connection = new MasterConnection({
      masters: options.masters,
      backoff: options.reconnectBackoff,
      registerTimeoutMs: options.registerTimeoutMs,
      ...(options.hollowSharedChannel ? { shared: options.hollowSharedChannel } : {}),
      ...(options.tls ? { tls: options.tls } : {}),
      ...(options.credential ? { credential: options.credential } : {}),
      logger: this.log,
      registration: () => this.registration(),
      onRegistered: (r) => this.onRegistered(r),
      onMessage: (m) => this.onMessage(m),
      onDisconnected: () => this.updates.pause(),
    });
    this.transition('running');
    this.log.info(
      { masters: options.masters, hostname: options.hostname, resources: this.total.toString(), containerizers: this.available.map((c) => c.name) },
      'agent started',
    );
    await this.connection.start();
    await this.persistingId;
  }

  /**
   * Ordered shutdown: stops redialling, closes the stream, stops every timer. By default
   * the tasks keep running (like a Mesos agent restart); `killTasks` kills them first and
   * waits briefly for their terminal updates to be acknowledged.
   */
  stop(options: { killTasks?: boolean } = {}): Promise<void> {
    this.stopping ??= this.doStop(options.killTasks ?? false, false);
    return this.stopping;
  }

  /** `forget`: remove the checkpoints (agent id included) so a restart registers as a new agent. */
  private async doStop(killTasks: boolean, forget: boolean): Promise<void> {
    if (this.lifecycle === 'created') {
      this.transition('stopped');
      this.resolveClosed();
      return;
    }
    await this.starting?.catch(() => undefined);
    if (this.lifecycle !== 'stopping') this.transition('stopping');
    if (killTasks && this.supervisor) {
      const maxGrace = Math.max(
        this.options.defaultKillGracePeriodMs,
        ...this.supervisor.list().map((t) => (t.info.killPolicy?.gracePeriodSeconds ?? 0) * 1000),
      );
      await this.supervisor.killAll('REASON_AGENT_SHUTDOWN', maxGrace + 5000);
      await this.updates.drain(DRAIN_MS);
    }
    this.supervisor?.detach();
    await this.connection?.stop();
    await this.updates.close();
    await this.persistingId;
    if (forget) await removeDir(this.paths.metaDir).catch((err: unknown) => this.log.error({ err }, 'could not remove the checkpoints'));
    this.lock?.release();
    this.transition('stopped');
    this.log.info({ agentId: this.id, killTasks }, 'agent stopped');
    this.resolveClosed();
  }

  private transition(to: AgentLifecycle): void {
    checkAgentTransition(this.lifecycle, to);
    this.lifecycle = to;
  }

  private async availableContainerizers(): Promise<Containerizer[]> {
    const checks = await Promise.all(
      this.options.containerizers.map(async (c) => {
        try {
          return (await c.available()) ? c : undefined;
        } catch (err) {
          this.log.warn({ err, containerizer: c.name }, 'containerizer unavailable');
          return undefined;
        }
      }),
    );
    const available = checks.filter((c): c is Containerizer => c !== undefined);
    if (available.length === 0) {
      throw new TandemError(
        Code.FailedPrecondition,
        `none of the containerizers (${this.options.containerizers.map((c) => c.name).join(', ') || 'none given'}) is available`,
      );
    }
    return available;
  }

  // ------------------------------------------------------------------ master link

  private registration(): RegisterAgentInit {
    const tasks = this.supervisor?.list() ?? [];
    const frameworks = new Map<string, FrameworkInfo>();
    for (const t of tasks) frameworks.set(t.frameworkId, { ...t.framework, id: t.frameworkId });
    return {
      agentInfo: {
        id: this.id ?? '',
        hostname: this.options.hostname,
        resources: this.total.toWire(),
        attributes: this.attributes,
        containerizers: this.available.map((c) => c.name),
        version: AGENT_VERSION,
      },
      tasks: tasks.map((t) => ({ info: t.info, frameworkId: t.frameworkId, state: t.state, status: t.status ?? null })),
      frameworks: [...frameworks.values()],
    };
  }

  private onRegistered(r: AgentRegistered): void {
    let id: string;
    try {
      id = checkId('registered.agent_id', r.agentId);
    } catch (err) {
      this.log.error({ err }, 'the master sent an invalid agent id');
      this.connection?.reconnect('invalid agent id from the master');
      return;
    }
    if (this.id !== id) {
      if (this.id !== undefined) this.log.warn({ old: this.id, new: id }, 'the master gave this agent a new id');
      this.id = id;
      if (this.options.hollowInMemoryCheckpoints) {
        this.updates.resume();
        return;
      }
      this.persistingId = this.persistingId
        .then(() => writeAgentId(this.paths.agentFile, id))
        .catch((err: unknown) => this.log.error({ err }, 'could not persist the agent id'));
    }
    this.updates.resume();
  }

  private onMessage(message: MasterMessage): void {
    const supervisor = this.supervisor;
    if (!supervisor) return;
    switch (message.message) {
      case 'launchTasks': {
        // While stopping, launches are dropped: the master finds them missing (DROPPED)
        // when the agent re-registers. Acks, kills and reads are still served.
        const launch = message.launchTasks;
        if (launch && !this.stopping) supervisor.launch(launch.framework, launch.tasks ?? []);
        return;
      }
      case 'killTasks':
        for (const kill of message.killTasks?.kills ?? []) supervisor.kill(kill);
        return;
      case 'acknowledgements':
        for (const ack of message.acknowledgements?.acks ?? []) {
          if (typeof ack.uuid === 'string' && ack.uuid !== '') void this.updates.acknowledge(ack);
        }
        return;
      case 'readFile':
        if (message.readFile) void this.readFile(message.readFile);
        return;
      case 'frameworkResubscribed':
        if (message.frameworkResubscribed?.frameworkId) this.updates.resume(message.frameworkResubscribed.frameworkId);
        return;
      case 'shutdown':
        if (!this.stopping) void this.shutdown(message.shutdown?.reason ?? '');
        return;
      default:
        return;
    }
  }

  private async readFile(req: ReadFile): Promise<void> {
    const data = await readSandboxFile(this.supervisor?.sandboxOf(req.taskId), {
      requestId: req.requestId,
      name: req.name,
      offset: Number(req.offset),
      length: Number(req.length),
    });
    this.connection?.send({ fileData: data });
  }

  /**
   * The master asked this agent to shut down (e.g. it was marked gone): kill every task,
   * stop, and forget the agent id so that a restart registers as a new agent, as Mesos does.
   */
  private async shutdown(reason: string): Promise<void> {
    this.log.error({ reason }, 'the master asked this agent to shut down: killing every task, forgetting the agent id and stopping');
    try {
      this.stopping ??= this.doStop(true, true);
      await this.stopping;
    } catch (err) {
      this.log.error({ err }, 'shutdown failed');
    }
  }
}
