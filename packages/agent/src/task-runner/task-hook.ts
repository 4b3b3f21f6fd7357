import type { StatusReason } from '@tandem/protocol';
import type { AgentTask } from '../agent-task.js';
import type { Container } from '../containerizer/types.js';
import type { StatusInput } from '../status-update-manager.js';

/** A status update of one task, as its runner reports it (the ids are the runner's). */
export type TaskReport = Omit<StatusInput, 'taskId' | 'frameworkId' | 'agentId'>;

/** What a hook may do with the task it is attached to. */
export interface TaskHandle {
  readonly task: AgentTask;
  /** Sends (and checkpoints) a status update of the task. */
  report(input: TaskReport): Promise<void>;
  /** Kills the task with `reason`, waiting `graceMs` before SIGKILL. */
  kill(reason: StatusReason, graceMs: number): void;
  /** The task's own kill grace period (its kill policy, else the agent's default). */
  graceMs(): number;
}

/** Why a hook's watch over a task ends. */
export type StopCause = 'killing' | 'terminated' | 'detached';

/**
 * One concern of a task's life, called by its TaskRunner at fixed points (as Nomad's
 * task runner hooks are): before the launch, once the container exists, once the task
 * runs, when it stops being watched, and once its terminal update is acknowledged.
 */
export interface TaskHook {
  readonly name: string;
  /** Before the containerizer launches (skipped by in-memory agents); a throw fails the launch. `wanted`: the containerizer it asked for. */
  prestart?(task: AgentTask, wanted: string): Promise<void>;
  /** The container exists (before the task is called running). Must not throw. */
  poststart?(task: AgentTask, container: Container): Promise<void>;
  /** The task runs: launched and reported RUNNING, or recovered running. */
  running?(handle: TaskHandle): void;
  /** A kill began, the task ended, or the agent stops watching it. */
  stop?(handle: TaskHandle, cause: StopCause): void;
  /** The task's terminal update was acknowledged (`task` is undefined when the agent no longer holds it). */
  done?(ref: { frameworkId: string; taskId: string }, task: AgentTask | undefined): Promise<void>;
}
