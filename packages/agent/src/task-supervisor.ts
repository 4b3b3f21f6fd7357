import { checkId, type FrameworkInfo, type KillTask, type Logger, type StatusReason, TandemError, type TaskInfo } from '@tandem/protocol';
import { type AgentTask, snapshotOf, type TaskSnapshot } from './agent-task.js';
import type { Containerizer } from './containerizer/types.js';
import type { Fetcher } from './fetcher.js';
import { Limiter } from './limiter.js';
import type { AgentPaths } from './paths.js';
import type { SecretSource } from './secret-source.js';
import type { StatusUpdateManager } from './status-update-manager.js';
import { checkpointHook } from './task-runner/checkpoint-hook.js';
import { healthHook } from './task-runner/health-hook.js';
import { killOf } from './task-runner/kill-policy.js';
import { SandboxHook } from './task-runner/sandbox-hook.js';
import type { TaskHook } from './task-runner/task-hook.js';
import { type RecoveredTask, type RunnerContext, TaskRunner } from './task-runner/task-runner.js';
import { validateTask } from './task-validation.js';

export type { RecoveredTask } from './task-runner/task-runner.js';

export interface TaskSupervisorOptions {
  paths: AgentPaths;
  hostname: string;
  agentId: () => string;
  /** Available containerizers, in preference order. */
  containerizers: readonly Containerizer[];
  updates: StatusUpdateManager;
  defaultKillGracePeriodMs: number;
  maxConcurrentLaunches: number;
  /** Where tasks' secret references are resolved at launch. */
  secrets: SecretSource;
  fetcher: Fetcher;
  /** Hollow agents only: no sandbox directories and no task.json (see AgentOptions.hollowInMemoryCheckpoints). */
  inMemory: boolean;
  logger: Logger;
  /** Records how long a containerizer took to start a container. @default nothing */
  observeLaunch?: (containerizer: string, seconds: number, ok: boolean) => void;
}

const keyOf = (frameworkId: string, taskId: string): string => `${frameworkId}/${taskId}`;

/**
 * The agent's tasks: validates launches and starts a TaskRunner per task, routes kills
 * to them, takes back recovered tasks, and forgets a task once its terminal update is
 * acknowledged. Each runner's concerns are hooks: health checks, checkpoints (recovery)
 * and the sandbox (logs).
 */
export class TaskSupervisor {
  private readonly runners = new Map<string, TaskRunner>();
  private readonly sandboxes = new SandboxHook();
  private readonly ctx: RunnerContext;
  private detached = false;
  private readonly log: Logger;

  constructor(private readonly options: TaskSupervisorOptions) {
    this.log = options.logger;
    // In this order: a task's checkpoint is removed before anything else forgets it.
    const hooks: TaskHook[] = [
      ...(options.inMemory ? [] : [checkpointHook(options.paths, this.log)]),
      this.sandboxes,
      healthHook({ hostname: options.hostname, agentId: options.agentId, detached: () => this.detached, logger: this.log }),
    ];
    const self = this;
    this.ctx = {
      hostname: options.hostname,
      agentId: options.agentId,
      updates: options.updates,
      defaultKillGracePeriodMs: options.defaultKillGracePeriodMs,
      inMemory: options.inMemory,
      secrets: options.secrets,
      fetcher: options.fetcher,
      launchSlots: new Limiter(options.maxConcurrentLaunches),
      preparing: new Limiter(options.maxConcurrentLaunches),
      hooks,
      get detached() {
        return self.detached;
      },
      log: this.log,
      observeLaunch: options.observeLaunch ?? (() => undefined),
    };
  }

  list(): AgentTask[] {
    return [...this.runners.values()].map((r) => r.task);
  }

  snapshots(): TaskSnapshot[] {
    return this.list().map(snapshotOf);
  }

  /** The sandbox of a task known now or lately, by task id (first match). */
  sandboxOf(taskId: string): string | undefined {
    for (const r of this.runners.values()) if (r.task.taskId === taskId) return r.task.sandboxDir;
    return this.sandboxes.sandboxOf(taskId);
  }

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
      if (this.runners.has(keyOf(frameworkId, valid.taskId))) {
        this.reject(taskId, frameworkId, 'TASK_ERROR', `task id ${taskId} is already in use on this agent`);
        continue;
      }
      const runner = this.track({
        taskId: valid.taskId,
        frameworkId,
        framework,
        info,
        sandboxDir: this.options.paths.sandboxDir(frameworkId, valid.taskId),
        containerizer: this.pickContainerizer(valid.containerizer),
        phase: 'launching',
        state: 'TASK_STAGING',
        status: undefined,
        container: undefined,
        launchAbort: new AbortController(),
        kill: undefined,
      });
      runner.launch(valid.containerizer).catch((err: unknown) => this.log.error({ err, taskId: runner.task.taskId }, 'task launch crashed'));
    }
  }

  /** Handles one `kill_tasks` entry. */
  kill(kill: KillTask): void {
    const taskId = kill.taskId ?? '';
    const frameworkId = kill.frameworkId ?? '';
    const runner = this.find(frameworkId, taskId);
    if (!runner) {
      if (!taskId || this.sandboxes.knows(keyOf(frameworkId, taskId))) return;
      this.reject(taskId, frameworkId, 'TASK_DROPPED', 'the task is unknown to this agent', 'REASON_TASK_UNKNOWN');
      return;
    }
    const { reason, graceMs } = killOf(kill, runner.task, this.options.defaultKillGracePeriodMs);
    runner.kill(reason, graceMs);
  }

  /** Kills every task and waits (up to `timeoutMs`) until each has its terminal update written and its container destroyed. */
  async killAll(reason: StatusReason, timeoutMs: number): Promise<void> {
    const live = [...this.runners.values()].filter((r) => r.task.phase !== 'terminated');
    for (const r of live) r.kill(reason, r.graceMs());
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<void>((resolve) => {
      timer = setTimeout(resolve, timeoutMs);
      timer.unref();
    });
    // Ended, and their containers destroyed (removed), so that nothing of them is left after a stop.
    const gone = live.map(async (r) => {
      await r.ended;
      await r.destroyed;
    });
    await Promise.race([Promise.all(gone), timeout]);
    clearTimeout(timer);
  }

  /**
   * Takes back the tasks found in the checkpoints. Tasks whose container came back are
   * supervised again (never relaunched); those whose container is gone get a terminal update.
   */
  async adopt(recovered: readonly RecoveredTask[]): Promise<void> {
    const pending: Promise<void>[] = [];
    for (const r of recovered) {
      const cp = r.checkpoint;
      const runner = this.track({
        taskId: cp.info.taskId,
        frameworkId: cp.frameworkId,
        framework: cp.framework,
        info: cp.info,
        sandboxDir: cp.sandboxDir,
        containerizer: this.options.containerizers.find((c) => c.name === cp.containerizer),
        phase: 'launching',
        state: r.latest?.state ?? 'TASK_STAGING',
        status: r.latest,
        container: r.container,
        launchAbort: new AbortController(),
        kill: undefined,
      });
      pending.push(runner.recover(r));
    }
    await Promise.all(pending);
  }

  /** The status update manager acknowledged a terminal update: forget the task. */
  async onTaskDone(frameworkId: string, taskId: string): Promise<void> {
    const key = keyOf(frameworkId, taskId);
    const runner = this.runners.get(key);
    if (runner) await runner.destroyed;
    // The checkpoint goes first, so that a task the agent no longer lists is gone from disk too.
    for (const h of this.ctx.hooks) await h.done?.({ frameworkId, taskId }, runner?.task);
    if (runner) this.runners.delete(key);
  }

  /** Stops reacting to container exits: used when the agent stops and leaves its tasks running. */
  detach(): void {
    this.detached = true;
    for (const r of this.runners.values()) r.detach();
  }

  private pickContainerizer(wanted: 'docker' | 'process'): Containerizer | undefined {
    const all = this.options.containerizers;
    if (wanted === 'docker') return all.find((c) => c.name === 'docker');
    return all.find((c) => c.name === 'process') ?? all.find((c) => c.name !== 'docker') ?? all[0];
  }

  private find(frameworkId: string, taskId: string): TaskRunner | undefined {
    if (frameworkId) return this.runners.get(keyOf(frameworkId, taskId));
    for (const r of this.runners.values()) if (r.task.taskId === taskId) return r;
    return undefined;
  }

  private track(task: AgentTask): TaskRunner {
    const runner = new TaskRunner(task, this.ctx);
    this.runners.set(keyOf(task.frameworkId, task.taskId), runner);
    return runner;
  }

  /** An update for a task the agent will not run or does not know: sent, retried, never checkpointed. */
  private reject(
    taskId: string,
    frameworkId: string,
    state: 'TASK_ERROR' | 'TASK_DROPPED',
    message: string,
    reason: StatusReason = 'REASON_TASK_INVALID',
  ): void {
    this.log.warn({ taskId, frameworkId, state, message }, 'rejecting a task');
    if (!taskId) return; // nothing to answer for
    this.options.updates
      .update({ taskId, frameworkId, agentId: this.options.agentId(), state, reason, message }, { durable: false })
      .catch((err: unknown) => this.log.error({ err, taskId }, 'could not queue a status update'));
  }
}
