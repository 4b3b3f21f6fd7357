import type { FrameworkInfo, StatusReason, TaskInfo, TaskState, TaskStatus } from '@tandem/protocol';
import type { Container, Containerizer } from './containerizer/types.js';
import type { TaskHealth } from './health/task-health.js';
import { checkPhaseTransition, type TaskPhase } from './task-phase.js';

/** A task the agent knows: launching, running, or terminal with its last update unacknowledged. */
export interface AgentTask {
  readonly taskId: string;
  readonly frameworkId: string;
  readonly framework: FrameworkInfo;
  readonly info: TaskInfo;
  readonly sandboxDir: string;
  readonly containerizer: Containerizer | undefined;
  phase: TaskPhase;
  /** The newest state the agent has reported (`TASK_STAGING` before any update). */
  state: TaskState;
  status: TaskStatus | undefined;
  container: Container | undefined;
  /** Aborts the launch when a kill comes while launching. */
  readonly launchAbort: AbortController;
  /** Set once a kill was requested. */
  kill: { reason: StatusReason; graceMs: number } | undefined;
  /** Runs the task's health checks while it runs. */
  health?: TaskHealth | undefined;
  /** The last health reported (undefined until the first result). */
  healthy?: boolean | undefined;
  /**
   * The values of the secrets the task's environment references, by source, read at
   * launch (again at recovery). In memory only: never checkpointed, logged or shown.
   */
  secretValues?: ReadonlyMap<string, string> | undefined;
}

/** A read-only view of a task, for tests and the state endpoint. */
export interface TaskSnapshot {
  taskId: string;
  frameworkId: string;
  name: string;
  state: TaskState;
  phase: TaskPhase;
  containerId: string | undefined;
  containerizer: string | undefined;
  sandboxDir: string;
}

export function enterPhase(task: AgentTask, to: TaskPhase): void {
  checkPhaseTransition(task.taskId, task.phase, to);
  task.phase = to;
}

export function snapshotOf(task: AgentTask): TaskSnapshot {
  return {
    taskId: task.taskId,
    frameworkId: task.frameworkId,
    name: task.info.name,
    state: task.state,
    phase: task.phase,
    containerId: task.container?.id,
    containerizer: task.containerizer?.name,
    sandboxDir: task.sandboxDir,
  };
}
