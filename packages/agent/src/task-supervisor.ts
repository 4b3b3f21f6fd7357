import { mkdir, readdir, rmdir } from 'node:fs/promises';
import {
  checkId,
  type FrameworkInfo,
  isTerminal,
  type KillTask,
  type Logger,
  type StatusReason,
  TandemError,
  type TaskInfo,
  type TaskStatus,
} from '@tandem/protocol';
import { type AgentTask, enterPhase, snapshotOf, type TaskSnapshot } from './agent-task.js';
import { removeDir } from './checkpoint.js';
import type { Container, ContainerExit, Containerizer, LaunchFailure, LaunchSpec } from './containerizer/types.js';
import { hostExec } from './health/probe.js';
import { TaskHealth } from './health/task-health.js';
import { Limiter } from './limiter.js';
import type { AgentPaths } from './paths.js';
import type { StatusInput, StatusUpdateManager } from './status-update-manager.js';
import { type TaskCheckpoint, writeTaskCheckpoint } from './task-checkpoint.js';
import { buildTaskEnv, taskPorts } from './task-env.js';
import { validateTask } from './task-validation.js';

export interface TaskSupervisorOptions {
  paths: AgentPaths;
  hostname: string;
  agentId: () => string;
  /** Available containerizers, in preference order. */
  containerizers: readonly Containerizer[];
  updates: StatusUpdateManager;
  defaultKillGracePeriodMs: number;
  maxConcurrentLaunches: number;
  /** Hollow agents only: no sandbox directories and no task.json (see AgentOptions.hollowInMemoryCheckpoints). */
  inMemory: boolean;
  logger: Logger;
}

/** A task found in the checkpoints at start, with its container if it came back. */
export interface RecoveredTask {
  checkpoint: TaskCheckpoint;
  latest: TaskStatus | undefined;
  container: Container | undefined;
}

const RECENTLY_COMPLETED = 1000;
const keyOf = (frameworkId: string, taskId: string): string => `${frameworkId}/${taskId}`;

function launchFailureOf(err: unknown): LaunchFailure {
  const cause = err instanceof Error ? err.cause : undefined;
  if (typeof cause === 'object' && cause !== null) {
    const c = cause as Partial<LaunchFailure>;
    if (typeof c.reason === 'string' && typeof c.message === 'string') return { reason: c.reason, message: c.message };
  }
  return { reason: 'REASON_CONTAINER_LAUNCH_FAILED', message: TandemError.from(err).message };
}

/** The task's kill request, read fresh (it may be set by a kill while a launch awaits). */
function killOf(task: AgentTask): AgentTask['kill'] {
  return task.kill;
}

function graceSeconds(value: number | undefined): number | undefined {
  return value !== undefined && Number.isFinite(value) && value > 0 ? value : undefined;
}

/**
 * Launches, supervises and kills the agent's tasks, reporting every step through the
 * status update manager, and forgets a task once its terminal update is acknowledged.
 */
export class TaskSupervisor {
  private readonly tasks = new Map<string, AgentTask>();
  /** Tasks forgotten lately (key -> sandbox), so a late kill or log read still makes sense. */
  private readonly completed = new Map<string, string>();
  private readonly ends = new Map<AgentTask, { promise: Promise<void>; resolve: () => void }>();
  private readonly destroys = new Map<AgentTask, Promise<void>>();
  /** Launch slots: held only while a containerizer launches (maxConcurrentLaunches). */
  private readonly limiter: Limiter;
  /** Checkpoint writes of tasks about to launch, as many at once as there are launch slots. */
  private readonly preparing: Limiter;
  private detached = false;
  private readonly log: Logger;

  constructor(private readonly options: TaskSupervisorOptions) {
    this.limiter = new Limiter(options.maxConcurrentLaunches);
    this.preparing = new Limiter(options.maxConcurrentLaunches);
    this.log = options.logger;
  }

  list(): AgentTask[] {
    return [...this.tasks.values()];
  }

  snapshots(): TaskSnapshot[] {
    return this.list().map(snapshotOf);
  }

  /** The sandbox of a task known now or lately, by task id (first match). */
  sandboxOf(taskId: string): string | undefined {
    for (const t of this.tasks.values()) if (t.taskId === taskId) return t.sandboxDir;
    for (const [key, dir] of this.completed) if (key.endsWith(`/${taskId}`)) return dir;
    return undefined;
  }

  // ------------------------------------------------------------------ launch

  /** Handles `launch_tasks`: validates each task and launches the good ones concurrently. */
  launch(framework: FrameworkInfo | null, infos: readonly TaskInfo[]): void {
    const frameworkId = framework?.id ?? '';
    let frameworkError: string | undefined;
    try {
      checkId('framework.id', frameworkId);
    } catch (err) {
      frameworkError = TandemError.from(err).message;
    }
    for (const info of infos) {
      const taskId = info.taskId ?? '';
      if (frameworkError !== undefined || !framework) {
        this.reject(taskId, frameworkId, 'TASK_ERROR', frameworkError ?? 'framework is required');
        continue;
      }
      let valid: ReturnType<typeof validateTask>;
      try {
        valid = validateTask(info);
      } catch (err) {
        this.reject(taskId, frameworkId, 'TASK_ERROR', TandemError.from(err).message);
        continue;
      }
      const key = keyOf(frameworkId, valid.taskId);
      if (this.tasks.has(key)) {
        this.reject(taskId, frameworkId, 'TASK_ERROR', `task id ${taskId} is already in use on this agent`);
        continue;
      }
      const containerizer = this.pickContainerizer(valid.containerizer);
      const task: AgentTask = {
        taskId: valid.taskId,
        frameworkId,
        framework,
        info,
        sandboxDir: this.options.paths.sandboxDir(frameworkId, valid.taskId),
        containerizer,
        phase: 'launching',
        state: 'TASK_STAGING',
        status: undefined,
        container: undefined,
        launchAbort: new AbortController(),
        kill: undefined,
      };
      this.track(task);
      this.launchOne(task, valid.containerizer).catch((err: unknown) => this.log.error({ err, taskId: task.taskId }, 'task launch crashed'));
    }
  }

  private pickContainerizer(wanted: 'docker' | 'process'): Containerizer | undefined {
    const all = this.options.containerizers;
    if (wanted === 'docker') return all.find((c) => c.name === 'docker');
    return all.find((c) => c.name === 'process') ?? all.find((c) => c.name !== 'docker') ?? all[0];
  }

  private async launchOne(task: AgentTask, wanted: string): Promise<void> {
    const { paths } = this.options;
    const signal = task.launchAbort.signal;
    const checkpoint: TaskCheckpoint = {
      frameworkId: task.frameworkId,
      framework: task.framework,
      info: task.info,
      containerizer: task.containerizer?.name ?? wanted,
      sandboxDir: task.sandboxDir,
    };
    try {
      // task.json is durable before the containerizer creates anything: a restarted agent
      // finds every task it may have started. The sandbox is not synced: the output files
      // in it never are, so its directory entry alone would protect nothing. A few tasks
      // prepare at a time, so that the first launches of a large batch do not wait behind
      // the whole batch's fsyncs.
      if (!this.options.inMemory) {
        await this.preparing.run(() => Promise.all([mkdir(task.sandboxDir, { recursive: true }), writeTaskCheckpoint(paths.taskFile(task.frameworkId, task.taskId), checkpoint)]));
      }
    } catch (err) {
      await this.terminate(task, { state: 'TASK_FAILED', reason: 'REASON_CONTAINER_LAUNCH_FAILED', message: `could not prepare the task: ${TandemError.from(err).message}` });
      return;
    }
    if (killOf(task)) return this.killedDuringLaunch(task);
    const containerizer = task.containerizer;
    if (!containerizer) {
      await this.terminate(task, { state: 'TASK_FAILED', reason: 'REASON_CONTAINER_LAUNCH_FAILED', message: `no ${wanted} containerizer on this agent` });
      return;
    }
    // STARTING is written and sent while the containerizer works: the update manager keeps
    // a task's updates in order, and nothing needs it on disk before the container exists.
    void this.report(task, { state: 'TASK_STARTING' });

    const ports = taskPorts(task.info);
    const agentId = this.options.agentId();
    const spec: LaunchSpec = {
      taskId: task.taskId,
      frameworkId: task.frameworkId,
      agentId,
      task: task.info,
      resources: validateTask(task.info).resources,
      ports,
      env: buildTaskEnv(task.info, { taskId: task.taskId, frameworkId: task.frameworkId, agentId, sandboxDir: task.sandboxDir, hostname: this.options.hostname, ports }),
      sandboxDir: task.sandboxDir,
    };
    let container: Container;
    try {
      // Only the containerizer's own work takes a launch slot: the checkpoint writes and
      // the status updates around it do not keep the engine from the next launch.
      container = await this.limiter.run(() => containerizer.launch(spec, signal));
    } catch (err) {
      if (this.detached) return; // the agent is stopping; recovery sorts this task out
      if (killOf(task)) return this.killedDuringLaunch(task);
      const failure = launchFailureOf(err);
      this.log.warn({ taskId: task.taskId, err: failure.message }, 'task launch failed');
      await this.terminate(task, { state: 'TASK_FAILED', reason: failure.reason, message: failure.message });
      return;
    }
    task.container = container;
    try {
      // A containerizer that finds its containers by their labels needs no id in task.json
      // (the RUNNING update carries it); the others are found by it after a restart.
      if (!this.options.inMemory && !containerizer.recoversByLabels) await writeTaskCheckpoint(paths.taskFile(task.frameworkId, task.taskId), { ...checkpoint, containerId: container.id });
    } catch (err) {
      this.log.error({ err, taskId: task.taskId }, 'could not checkpoint the container id');
    }
    if (this.detached) return;
    this.supervise(task);
    const kill = killOf(task);
    if (kill) {
      // Killed while the containerizer was starting it: stop it now; its exit reports TASK_KILLED.
      enterPhase(task, 'killing');
      this.killContainer(task, kill.graceMs);
      return;
    }
    enterPhase(task, 'running');
    await this.report(task, { state: 'TASK_RUNNING', containerId: container.id });
    this.startHealthCheck(task);
  }

  // ------------------------------------------------------------------ health

  /**
   * Starts the task's health checks, if it has any: changes of its health (all checks
   * passing, or one failing) become TASK_RUNNING updates. A check that reaches its
   * consecutive failures kills the task (Mesos) or, when `report_only`, is reported
   * once per run of failures as a TASK_RUNNING update with REASON_TASK_HEALTH_CHECK_FAILED.
   */
  private startHealthCheck(task: AgentTask): void {
    const checks = (task.info.healthChecks ?? []).filter((c) => c.type !== 'TYPE_UNSPECIFIED');
    const container = task.container;
    if (checks.length === 0 || !container || task.phase !== 'running' || this.detached) return;
    const ports = taskPorts(task.info);
    const env = buildTaskEnv(task.info, {
      taskId: task.taskId, frameworkId: task.frameworkId, agentId: this.options.agentId(), sandboxDir: task.sandboxDir,
      hostname: this.options.hostname, ports,
    });
    const exec = container.exec ? container.exec.bind(container) : hostExec(task.sandboxDir, env);
    task.health = new TaskHealth({
      checks,
      target: { ports, exec },
      logger: this.log.child({ taskId: task.taskId }),
      onHealth: (healthy, message) => {
        if (task.phase !== 'running') return;
        task.healthy = healthy;
        void this.report(task, { state: 'TASK_RUNNING', containerId: container.id, healthy, message });
      },
      onFailed: (kill, message) => {
        if (task.phase !== 'running') return;
        if (kill) {
          this.log.warn({ taskId: task.taskId, message }, 'health check failed; killing the task');
          this.killTask(task, 'REASON_TASK_HEALTH_CHECK_FAILED', this.graceOf(task));
          return;
        }
        this.log.info({ taskId: task.taskId, message }, 'report-only health check failed; the framework decides');
        task.healthy = false;
        void this.report(task, { state: 'TASK_RUNNING', reason: 'REASON_TASK_HEALTH_CHECK_FAILED', containerId: container.id, healthy: false, message });
      },
    });
    task.health.start();
  }

  private stopHealthCheck(task: AgentTask): void {
    task.health?.stop();
    task.health = undefined;
  }

  private async killedDuringLaunch(task: AgentTask): Promise<void> {
    await this.terminate(task, { state: 'TASK_KILLED', reason: 'REASON_TASK_KILLED_DURING_LAUNCH', message: 'killed while launching' });
  }

  // ------------------------------------------------------------------ supervision

  private supervise(task: AgentTask): void {
    const container = task.container;
    if (!container) return;
    container.wait().then(
      (exit) => this.onExit(task, exit),
      (err: unknown) => this.onExit(task, { exitCode: null, oomKilled: false, message: `lost track of the container: ${TandemError.from(err).message}` }),
    ).catch((err: unknown) => this.log.error({ err, taskId: task.taskId }, 'handling a container exit failed'));
  }

  private async onExit(task: AgentTask, exit: ContainerExit): Promise<void> {
    if (this.detached || task.phase === 'terminated') return;
    const exitCode = exit.exitCode;
    const containerId = task.container?.id;
    let input: Omit<StatusInput, 'taskId' | 'frameworkId' | 'agentId'>;
    if (task.kill) {
      input = { state: 'TASK_KILLED', reason: task.kill.reason, message: exit.message || 'killed', exitCode, containerId };
    } else if (exit.oomKilled) {
      const mem = validateTask(task.info).resources.mem;
      input = { state: 'TASK_FAILED', reason: 'REASON_CONTAINER_LIMITATION_MEMORY', message: `memory limit of ${mem} MiB exceeded${exit.message ? `: ${exit.message}` : ''}`, exitCode, containerId };
    } else if (exitCode === 0) {
      input = { state: 'TASK_FINISHED', reason: 'REASON_COMMAND_EXITED', message: exit.message || 'Command exited with status 0', exitCode, containerId };
    } else {
      input = { state: 'TASK_FAILED', reason: 'REASON_COMMAND_EXITED', message: exit.message || `Command exited with status ${String(exitCode)}`, exitCode, containerId };
    }
    await this.terminate(task, input);
    const container = task.container;
    if (container) {
      const destroyed = container.destroy().catch((err: unknown) => {
        this.log.warn({ err, taskId: task.taskId }, 'could not destroy a container');
      });
      this.destroys.set(task, destroyed);
      await destroyed;
    }
  }

  // ------------------------------------------------------------------ kill

  /** Handles one `kill_tasks` entry. */
  kill(kill: KillTask): void {
    const taskId = kill.taskId ?? '';
    const frameworkId = kill.frameworkId ?? '';
    const task = this.find(frameworkId, taskId);
    if (!task) {
      if (!taskId || this.completed.has(keyOf(frameworkId, taskId))) return;
      this.reject(taskId, frameworkId, 'TASK_DROPPED', 'the task is unknown to this agent', 'REASON_TASK_UNKNOWN');
      return;
    }
    const graceS = graceSeconds(kill.killPolicy?.gracePeriodSeconds) ?? graceSeconds(task.info.killPolicy?.gracePeriodSeconds);
    const graceMs = graceS !== undefined ? graceS * 1000 : this.options.defaultKillGracePeriodMs;
    const reason: StatusReason = kill.reason && kill.reason !== 'REASON_NONE' ? kill.reason : 'REASON_KILLED_BY_FRAMEWORK';
    this.killTask(task, reason, graceMs);
  }

  private killTask(task: AgentTask, reason: StatusReason, graceMs: number): void {
    switch (task.phase) {
      case 'terminated':
        return;
      case 'launching':
        task.kill ??= { reason: 'REASON_TASK_KILLED_DURING_LAUNCH', graceMs };
        task.launchAbort.abort(new TandemError('CANCELLED', 'task killed while launching'));
        return;
      case 'killing':
        // A second kill may shorten the grace period; the container's kill is idempotent.
        this.killContainer(task, graceMs);
        return;
      case 'running':
        task.kill = { reason, graceMs };
        this.stopHealthCheck(task);
        enterPhase(task, 'killing');
        void this.report(task, { state: 'TASK_KILLING', reason, containerId: task.container?.id });
        this.killContainer(task, graceMs);
        return;
    }
  }

  private killContainer(task: AgentTask, graceMs: number): void {
    task.container?.kill(graceMs).catch((err: unknown) => {
      this.log.warn({ err, taskId: task.taskId }, 'could not kill a container');
    });
  }

  /** Kills every task and waits (up to `timeoutMs`) until each has its terminal update written. */
  async killAll(reason: StatusReason, timeoutMs: number): Promise<void> {
    const live = this.list().filter((t) => t.phase !== 'terminated');
    for (const t of live) this.killTask(t, reason, this.graceOf(t));
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<void>((resolve) => {
      timer = setTimeout(resolve, timeoutMs);
      timer.unref();
    });
    await Promise.race([Promise.all(live.map((t) => this.ended(t))), timeout]);
    clearTimeout(timer);
  }

  private graceOf(task: AgentTask): number {
    const s = graceSeconds(task.info.killPolicy?.gracePeriodSeconds);
    return s !== undefined ? s * 1000 : this.options.defaultKillGracePeriodMs;
  }

  // ------------------------------------------------------------------ recovery

  /**
   * Takes back the tasks found in the checkpoints. Tasks whose container came back are
   * supervised again (never relaunched); those whose container is gone get a terminal update.
   */
  async adopt(recovered: readonly RecoveredTask[]): Promise<void> {
    const pending: Promise<void>[] = [];
    for (const r of recovered) {
      const cp = r.checkpoint;
      const containerizer = this.options.containerizers.find((c) => c.name === cp.containerizer);
      const state = r.latest?.state ?? 'TASK_STAGING';
      const task: AgentTask = {
        taskId: cp.info.taskId,
        frameworkId: cp.frameworkId,
        framework: cp.framework,
        info: cp.info,
        sandboxDir: cp.sandboxDir,
        containerizer,
        phase: 'launching',
        state,
        status: r.latest,
        container: r.container,
        launchAbort: new AbortController(),
        kill: undefined,
      };
      this.track(task);
      if (isTerminal(state)) {
        enterPhase(task, 'terminated');
        this.ends.get(task)?.resolve();
        if (r.container) pending.push(r.container.destroy().catch(() => undefined));
        continue;
      }
      if (!r.container) {
        pending.push(
          state === 'TASK_KILLING'
            ? this.terminate(task, { state: 'TASK_KILLED', reason: 'REASON_CONTAINER_TERMINATED', message: 'the container ended while the agent was down' })
            : this.terminate(task, { state: 'TASK_FAILED', reason: 'REASON_CONTAINER_TERMINATED', message: 'container lost while the agent was down' }),
        );
        continue;
      }
      this.log.info({ taskId: task.taskId, containerId: r.container.id, state }, 'recovered a running task');
      this.supervise(task);
      if (state === 'TASK_KILLING') {
        task.kill = { reason: r.latest?.reason && r.latest.reason !== 'REASON_NONE' ? r.latest.reason : 'REASON_KILLED_BY_FRAMEWORK', graceMs: this.graceOf(task) };
        enterPhase(task, 'killing');
        this.killContainer(task, this.graceOf(task));
      } else {
        enterPhase(task, 'running');
        if (state !== 'TASK_RUNNING') pending.push(this.report(task, { state: 'TASK_RUNNING', containerId: r.container.id }));
        this.startHealthCheck(task);
      }
    }
    await Promise.all(pending);
  }

  // ------------------------------------------------------------------ bookkeeping

  /** The status update manager acknowledged a terminal update: forget the task. */
  async onTaskDone(frameworkId: string, taskId: string): Promise<void> {
    const key = keyOf(frameworkId, taskId);
    const task = this.tasks.get(key);
    if (task) await this.destroys.get(task);
    // The checkpoint goes first, so that a task the agent no longer lists is gone from disk too.
    if (!this.options.inMemory) {
      try {
        await this.removeCheckpoint(frameworkId, taskId);
      } catch (err) {
        this.log.warn({ err, taskId }, 'could not remove a finished task\'s checkpoint');
      }
    }
    if (task) {
      this.tasks.delete(key);
      this.ends.delete(task);
      this.destroys.delete(task);
      this.completed.set(key, task.sandboxDir);
      if (this.completed.size > RECENTLY_COMPLETED) {
        const oldest = this.completed.keys().next().value;
        if (oldest !== undefined) this.completed.delete(oldest);
      }
    }
  }

  private async removeCheckpoint(frameworkId: string, taskId: string): Promise<void> {
    const { paths } = this.options;
    await removeDir(paths.taskDir(frameworkId, taskId));
    // Tidy the framework's directories once empty (rmdir fails harmlessly otherwise).
    try {
      if ((await readdir(paths.tasksDir(frameworkId))).length === 0) {
        await rmdir(paths.tasksDir(frameworkId));
        await rmdir(paths.frameworkDir(frameworkId));
      }
    } catch {
      // not empty, or already gone
    }
  }

  /** Stops reacting to container exits: used when the agent stops and leaves its tasks running. */
  detach(): void {
    this.detached = true;
    for (const t of this.tasks.values()) {
      this.stopHealthCheck(t);
      t.launchAbort.abort(new TandemError('CANCELLED', 'agent stopping'));
    }
  }

  private find(frameworkId: string, taskId: string): AgentTask | undefined {
    if (frameworkId) return this.tasks.get(keyOf(frameworkId, taskId));
    for (const t of this.tasks.values()) if (t.taskId === taskId) return t;
    return undefined;
  }

  private track(task: AgentTask): void {
    this.tasks.set(keyOf(task.frameworkId, task.taskId), task);
    let resolve!: () => void;
    const promise = new Promise<void>((r) => {
      resolve = r;
    });
    this.ends.set(task, { promise, resolve });
  }

  private ended(task: AgentTask): Promise<void> {
    return this.ends.get(task)?.promise ?? Promise.resolve();
  }

  private async report(task: AgentTask, input: Omit<StatusInput, 'taskId' | 'frameworkId' | 'agentId'>): Promise<void> {
    if (this.detached) return;
    task.state = input.state;
    try {
      task.status = await this.options.updates.update({ ...input, taskId: task.taskId, frameworkId: task.frameworkId, agentId: this.options.agentId() });
    } catch (err) {
      this.log.error({ err, taskId: task.taskId, state: input.state }, 'could not queue a status update');
    }
  }

  private async terminate(task: AgentTask, input: Omit<StatusInput, 'taskId' | 'frameworkId' | 'agentId'>): Promise<void> {
    if (task.phase === 'terminated') return;
    this.stopHealthCheck(task);
    enterPhase(task, 'terminated');
    await this.report(task, input);
    this.ends.get(task)?.resolve();
  }

  /** An update for a task the agent will not run or does not know: sent, retried, never checkpointed. */
  private reject(taskId: string, frameworkId: string, state: 'TASK_ERROR' | 'TASK_DROPPED', message: string, reason: StatusReason = 'REASON_TASK_INVALID'): void {
    this.log.warn({ taskId, frameworkId, state, message }, 'rejecting a task');
    if (!taskId) return; // nothing to answer for
    this.options.updates
      .update({ taskId, frameworkId, agentId: this.options.agentId(), state, reason, message }, { durable: false })
      .catch((err: unknown) => this.log.error({ err, taskId }, 'could not queue a status update'));
  }
}
