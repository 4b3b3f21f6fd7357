import type { Resources, StatusReason, TaskInfo } from '@tandem/protocol';

/** Everything a containerizer needs to start one task. The agent fills it in. */
export interface LaunchSpec {
  taskId: string;
  frameworkId: string;
  agentId: string;
  /** The task as the framework sent it (command, container, labels, kill policy...). */
  task: TaskInfo;
  /** The task's resources: cpus and mem become limits. */
  resources: Resources;
  /** Host ports assigned to the task (from its `ports` resource), in order: PORT0..n. */
  ports: number[];
  /** The full environment for the task: the task's own env plus PORT0..n, PORT, TANDEM_*. */
  env: Record<string, string>;
  /** A per-task directory the agent created; the task's `stdout` and `stderr` files live here. */
  sandboxDir: string;
  /** The user the task's framework names (FrameworkInfo.user); the command's user comes first. */
  frameworkUser?: string;
  /**
   * What the fetcher wrote into the sandbox (its URIs, extracted archives): top-level names.
   * The process containerizer hands them to the task's user, as Mesos' fetcher does.
   */
  fetched?: readonly string[];
}

/** How a container ended. */
export interface ContainerExit {
  /** The exit code; 128+N when killed by signal N; null when it could not be learned. */
  exitCode: number | null;
  /** True when the memory limit killed it (Docker State.OOMKilled, a cgroup oom_kill, or the RSS monitor). */
  oomKilled: boolean;
  /** A human-readable line for the status update, e.g. "Command exited with status 3". */
  message: string;
}

/** A running (or recovered) container. */
export interface Container {
  /** Docker container id, or the pid of the process containerizer's process group leader. */
  readonly id: string;
  readonly taskId: string;
  /** Resolves once when the container has ended, after its stdout/stderr are complete in the sandbox. */
  wait(): Promise<ContainerExit>;
  /**
   * SIGTERM, then SIGKILL after `gracePeriodMs` if it is still running. Resolves when the
   * signal(s) have been sent; `wait()` tells when it has actually ended. Idempotent.
   */
  kill(gracePeriodMs: number): Promise<void>;
  /** Removes what is left of the container (not the sandbox). Safe to call twice. */
  destroy(): Promise<void>;
  /**
   * Runs a command inside the container (for COMMAND health checks) and resolves with
   * its exit status. Containerizers without an inside (process) leave it out; the agent
   * then runs the command beside the task, in its sandbox and with its environment.
   */
  exec?(argv: string[], timeoutMs: number): Promise<number>;
}

/** A launch failure with the reason the status update should carry. */
export interface LaunchFailure {
  reason: StatusReason;
  message: string;
  /** TASK_ERROR for a task refused as given (the agent's policy); TASK_FAILED when unset. */
  state?: 'TASK_ERROR';
}

export interface RecoverSpec {
  taskId: string;
  frameworkId: string;
  sandboxDir: string;
  /** The container id checkpointed at launch, if the agent got that far. */
  containerId?: string;
}

export interface Containerizer {
  readonly name: 'docker' | 'process' | 'hollow';
  /**
   * True when `recover` finds a task's container without its id (docker: by the task,
   * framework and agent labels), so the agent need not rewrite task.json with the id
   * after each launch. @default false
   */
  readonly recoversByLabels?: boolean;
  /** True when this containerizer can run here (e.g. a Docker Engine answers). */
  available(): Promise<boolean>;
  /**
   * Starts the task. Rejects with a TandemError whose `cause` is a LaunchFailure-shaped
   * object ({reason, message}) when it cannot: image pull failed, bad command, etc.
   * Must honour `signal` (a kill during launch aborts it).
   */
  launch(spec: LaunchSpec, signal?: AbortSignal): Promise<Container>;
  /**
   * After an agent restart: re-attaches to the containers of these tasks. Tasks whose
   * container still runs, or has exited since, come back as Containers (wait() resolves
   * at once for exited ones, with their exit code). Tasks with no container left are absent.
   */
  recover(agentId: string, tasks: readonly RecoverSpec[]): Promise<Map<string, Container>>;
  /** Containers labelled with this agent id that no task claims (to be destroyed). */
  orphans?(agentId: string, known: ReadonlySet<string>): Promise<string[]>;
}
