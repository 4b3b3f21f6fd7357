import { isTerminal, type Logger, type StatusReason, secretSourcesOf, TandemError, type TaskStatus } from '@tandem/protocol';
import { type AgentTask, enterPhase } from '../agent-task.js';
import type { Container, ContainerExit, LaunchSpec } from '../containerizer/types.js';
import type { Fetcher } from '../fetcher.js';
import type { Limiter } from '../limiter.js';
import { readSecrets, type SecretSource } from '../secret-source.js';
import type { StatusUpdateManager } from '../status-update-manager.js';
import type { TaskCheckpoint } from '../task-checkpoint.js';
import { buildTaskEnv, taskPorts } from '../task-env.js';
import { validateTask } from '../task-validation.js';
import { taskGraceMs } from './kill-policy.js';
import type { StopCause, TaskHandle, TaskHook, TaskReport } from './task-hook.js';
import { exitReport, launchFailureOf } from './terminal-status.js';

/** What every runner of one agent shares (see TaskSupervisor, which builds it). */
export interface RunnerContext {
  readonly hostname: string;
  agentId(): string;
  readonly updates: StatusUpdateManager;
  readonly defaultKillGracePeriodMs: number;
  /** Hollow agents only: no sandbox directories and no task.json (prestart hooks are skipped). */
  readonly inMemory: boolean;
  /** Launch slots: held only while a containerizer launches (maxConcurrentLaunches). */
  /** Where the task's secret references are read, at launch and at recovery. */
  readonly secrets: SecretSource;
  /** Downloads the task's URIs into its sandbox before the launch. */
  readonly fetcher: Fetcher;
  readonly launchSlots: Limiter;
  /** Prestart work (checkpoint writes) of tasks about to launch, as many at once as there are launch slots. */
  readonly preparing: Limiter;
  readonly hooks: readonly TaskHook[];
  /** The agent stopped reacting to its tasks (it is stopping and leaves them running). */
  readonly detached: boolean;
  readonly log: Logger;
  /** Records how long a containerizer took to start a container (the agent's metrics). */
  observeLaunch(containerizer: string, seconds: number, ok: boolean): void;
}

/** A task found in the checkpoints at start, with its container if it came back. */
export interface RecoveredTask {
  checkpoint: TaskCheckpoint;
  latest: TaskStatus | undefined;
  container: Container | undefined;
}

/**
 * One task's life on the agent, as Nomad's TaskRunner: launch (prestart hooks, the
 * containerizer in a launch slot, poststart hooks, RUNNING, running hooks), watching the
 * container until it exits, kills at any phase, and recovery after an agent restart.
 * Every step is reported through the status update manager; the hooks (health,
 * checkpoint, sandbox) do the rest.
 */
export class TaskRunner implements TaskHandle {
  private resolveEnded!: () => void;
  /** Resolves once the task's terminal update is written. */
  readonly ended: Promise<void>;
  /** The container's destroy after its exit, once begun. */
  destroyed: Promise<void> | undefined;

  constructor(
    readonly task: AgentTask,
    private readonly ctx: RunnerContext,
  ) {
    this.ended = new Promise<void>((resolve) => {
      this.resolveEnded = resolve;
    });
  }

  graceMs(): number {
    return taskGraceMs(this.task, this.ctx.defaultKillGracePeriodMs);
  }

  /** Launches the task; `wanted` is the containerizer it asked for. */
  async launch(wanted: string): Promise<void> {
    const { task, ctx } = this;
    const signal = task.launchAbort.signal;
    try {
      // A few tasks prepare at a time, so that the first launches of a large batch do not
      // wait behind the whole batch's fsyncs.
      if (!ctx.inMemory) await ctx.preparing.run(() => Promise.all(ctx.hooks.map((h) => h.prestart?.(task, wanted))));
    } catch (err) {
      await this.terminate({
        state: 'TASK_FAILED',
        reason: 'REASON_CONTAINER_LAUNCH_FAILED',
        message: `could not prepare the task: ${TandemError.from(err).message}`,
      });
      return;
    }
    if (this.killRequest()) return this.killedDuringLaunch();
    const sources = secretSourcesOf(task.info.command?.environment ?? []);
    if (sources.length > 0) {
      try {
        task.secretValues = await readSecrets(ctx.secrets, sources);
      } catch (err) {
        // The message names the secret and the flag, never a value.
        const message = TandemError.from(err).message;
        ctx.log.warn({ taskId: task.taskId, err: message }, 'could not read a secret of the task');
        await this.terminate({ state: 'TASK_FAILED', reason: 'REASON_SECRET_GENERATION_FAILED', message });
        return;
      }
      if (this.killRequest()) return this.killedDuringLaunch();
    }
    const uris = task.info.command?.uris ?? [];
    const tooMany = ctx.fetcher.urisProblem(uris);
    if (tooMany) {
      await this.terminate({ state: 'TASK_ERROR', reason: 'REASON_TASK_INVALID', message: tooMany });
      return;
    }
    let fetched: string[] = [];
    if (uris.length > 0 && !ctx.inMemory) {
      try {
        fetched = await ctx.fetcher.fetchAll(uris, task.sandboxDir, signal);
      } catch (err) {
        if (this.killRequest()) return this.killedDuringLaunch();
        const message = TandemError.from(err).message;
        ctx.log.warn({ taskId: task.taskId, err: message }, 'could not fetch a URI of the task');
        await this.terminate({ state: 'TASK_FAILED', reason: 'REASON_CONTAINER_LAUNCH_FAILED', message });
        return;
      }
      if (this.killRequest()) return this.killedDuringLaunch();
    }
    const containerizer = task.containerizer;
    if (!containerizer) {
      await this.terminate({ state: 'TASK_FAILED', reason: 'REASON_CONTAINER_LAUNCH_FAILED', message: `no ${wanted} containerizer on this agent` });
      return;
    }
    // STARTING is written and sent while the containerizer works: the update manager keeps
    // a task's updates in order, and nothing needs it on disk before the container exists.
    void this.report({ state: 'TASK_STARTING' });

    const ports = taskPorts(task.info);
    const agentId = ctx.agentId();
    const spec: LaunchSpec = {
      taskId: task.taskId,
      frameworkId: task.frameworkId,
      agentId,
      task: task.info,
      resources: validateTask(task.info).resources,
      ports,
      env: buildTaskEnv(
        task.info,
        { taskId: task.taskId, frameworkId: task.frameworkId, agentId, sandboxDir: task.sandboxDir, hostname: ctx.hostname, ports },
        task.secretValues,
      ),
      sandboxDir: task.sandboxDir,
      ...(task.framework.user ? { frameworkUser: task.framework.user } : {}),
      ...(fetched.length > 0 ? { fetched } : {}),
    };
    let container: Container;
    try {
      // Only the containerizer's own work takes a launch slot: the checkpoint writes and
      // the status updates around it do not keep the engine from the next launch.
      container = await ctx.launchSlots.run(async () => {
        const began = performance.now();
        const timed = (ok: boolean): void => ctx.observeLaunch(containerizer.name, (performance.now() - began) / 1000, ok);
        try {
          const started = await containerizer.launch(spec, signal);
          timed(true);
          return started;
        } catch (err) {
          timed(false);
          throw err;
        }
      });
    } catch (err) {
      if (ctx.detached) return; // the agent is stopping; recovery sorts this task out
      if (this.killRequest()) return this.killedDuringLaunch();
      const failure = launchFailureOf(err);
      ctx.log.warn({ taskId: task.taskId, err: failure.message }, 'task launch failed');
      await this.terminate({ state: failure.state ?? 'TASK_FAILED', reason: failure.reason, message: failure.message });
      return;
    }
    task.container = container;
    for (const h of ctx.hooks) await h.poststart?.(task, container);
    if (ctx.detached) return;
    this.supervise();
    const kill = this.killRequest();
    if (kill) {
      // Killed while the containerizer was starting it: stop it now; its exit reports TASK_KILLED.
      enterPhase(task, 'killing');
      this.killContainer(kill.graceMs);
      return;
    }
    enterPhase(task, 'running');
    await this.report({ state: 'TASK_RUNNING', containerId: container.id });
    this.running();
  }

  /**
   * Takes the task back after an agent restart. A task whose container came back is
   * supervised again (never relaunched); one whose container is gone gets a terminal
   * update. Resolves once what it reported is queued.
   */
  async recover(r: RecoveredTask): Promise<void> {
    const { task, ctx } = this;
    const state = task.state;
    if (isTerminal(state)) {
      enterPhase(task, 'terminated');
      this.resolveEnded();
      if (r.container) await r.container.destroy().catch(() => undefined);
      return;
    }
    if (!r.container) {
      await (state === 'TASK_KILLING'
        ? this.terminate({ state: 'TASK_KILLED', reason: 'REASON_CONTAINER_TERMINATED', message: 'the container ended while the agent was down' })
        : this.terminate({ state: 'TASK_FAILED', reason: 'REASON_CONTAINER_TERMINATED', message: 'container lost while the agent was down' }));
      return;
    }
    ctx.log.info({ taskId: task.taskId, containerId: r.container.id, state }, 'recovered a running task');
    await this.rereadSecrets();
    this.supervise();
    if (state === 'TASK_KILLING') {
      task.kill = { reason: r.latest?.reason && r.latest.reason !== 'REASON_NONE' ? r.latest.reason : 'REASON_KILLED_BY_FRAMEWORK', graceMs: this.graceMs() };
      enterPhase(task, 'killing');
      this.killContainer(this.graceMs());
      return;
    }
    enterPhase(task, 'running');
    const reported = state !== 'TASK_RUNNING' ? this.report({ state: 'TASK_RUNNING', containerId: r.container.id }) : undefined;
    this.running();
    await reported;
  }

  /**
   * After a restart, the secrets of a recovered task are read again (task.json holds only
   * the references) for what runs beside it with its environment (COMMAND health checks of
   * process tasks). A secret that cannot be read now is left out of that environment.
   */
  private async rereadSecrets(): Promise<void> {
    const { task, ctx } = this;
    const sources = secretSourcesOf(task.info.command?.environment ?? []);
    if (sources.length === 0) return;
    try {
      task.secretValues = await readSecrets(ctx.secrets, sources);
    } catch (err) {
      ctx.log.warn({ taskId: task.taskId, err: TandemError.from(err).message }, 'could not read a secret of a recovered task again');
    }
  }

  /** Kills the task in whatever phase it is. */
  kill(reason: StatusReason, graceMs: number): void {
    const task = this.task;
    switch (task.phase) {
      case 'terminated':
        return;
      case 'launching':
        task.kill ??= { reason: 'REASON_TASK_KILLED_DURING_LAUNCH', graceMs };
        task.launchAbort.abort(new TandemError('CANCELLED', 'task killed while launching'));
        return;
      case 'killing':
        // A second kill may shorten the grace period; the container's kill is idempotent.
        this.killContainer(graceMs);
        return;
      case 'running':
        task.kill = { reason, graceMs };
        this.stopHooks('killing');
        enterPhase(task, 'killing');
        void this.report({ state: 'TASK_KILLING', reason, containerId: task.container?.id });
        this.killContainer(graceMs);
        return;
    }
  }

  /** The agent stops watching the task and leaves it running. */
  detach(): void {
    this.stopHooks('detached');
    this.task.launchAbort.abort(new TandemError('CANCELLED', 'agent stopping'));
  }

  async report(input: TaskReport): Promise<void> {
    const { task, ctx } = this;
    if (ctx.detached) return;
    task.state = input.state;
    try {
      task.status = await ctx.updates.update({ ...input, taskId: task.taskId, frameworkId: task.frameworkId, agentId: ctx.agentId() });
    } catch (err) {
      ctx.log.error({ err, taskId: task.taskId, state: input.state }, 'could not queue a status update');
    }
  }

  /** The task's kill request, read fresh (a kill may set it while a launch awaits). */
  private killRequest(): AgentTask['kill'] {
    return this.task.kill;
  }

  private running(): void {
    for (const h of this.ctx.hooks) h.running?.(this);
  }

  private stopHooks(cause: StopCause): void {
    for (const h of this.ctx.hooks) h.stop?.(this, cause);
  }

  private supervise(): void {
    const container = this.task.container;
    if (!container) return;
    container
      .wait()
      .then(
        (exit) => this.onExit(exit),
        (err: unknown) => this.onExit({ exitCode: null, oomKilled: false, message: `lost track of the container: ${TandemError.from(err).message}` }),
      )
      .catch((err: unknown) => this.ctx.log.error({ err, taskId: this.task.taskId }, 'handling a container exit failed'));
  }

  private async onExit(exit: ContainerExit): Promise<void> {
    const task = this.task;
    if (this.ctx.detached || task.phase === 'terminated') return;
    const container = task.container;
    // Set before the terminal report: whoever sees the task end (a stop that kills every
    // task) can wait for its container to be gone too.
    let destroyedNow: () => void = () => {};
    if (container) {
      this.destroyed = new Promise<void>((resolve) => {
        destroyedNow = resolve;
      });
    }
    try {
      await this.terminate(exitReport(task, exit));
      await container?.destroy().catch((err: unknown) => {
        this.ctx.log.warn({ err, taskId: task.taskId }, 'could not destroy a container');
      });
    } finally {
      destroyedNow();
    }
  }

  private killContainer(graceMs: number): void {
    this.task.container?.kill(graceMs).catch((err: unknown) => {
      this.ctx.log.warn({ err, taskId: this.task.taskId }, 'could not kill a container');
    });
  }

  private async killedDuringLaunch(): Promise<void> {
    await this.terminate({ state: 'TASK_KILLED', reason: 'REASON_TASK_KILLED_DURING_LAUNCH', message: 'killed while launching' });
  }

  private async terminate(input: TaskReport): Promise<void> {
    if (this.task.phase === 'terminated') return;
    this.stopHooks('terminated');
    enterPhase(this.task, 'terminated');
    this.task.secretValues = undefined;
    await this.report(input);
    this.resolveEnded();
  }
}
