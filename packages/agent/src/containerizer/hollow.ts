import type { Container, ContainerExit, Containerizer, LaunchSpec, RecoverSpec } from './types.js';

/**
 * HOLLOW AGENTS ONLY — for benchmarks and scale tests, never for real work.
 *
 * A containerizer whose tasks start no process: a task "runs" for a duration and then
 * exits 0, or runs until it is killed (in the spirit of Kubernetes' kubemark). The
 * duration comes from the task's `HOLLOW_DURATION_MS` environment variable, else its
 * `hollow.duration_ms` label, else the containerizer's default. `HOLLOW_EXIT_CODE` (env
 * or `hollow.exit_code` label) sets the exit code a timed task ends with.
 */

export const HOLLOW_DURATION_ENV = 'HOLLOW_DURATION_MS';
export const HOLLOW_DURATION_LABEL = 'hollow.duration_ms';
export const HOLLOW_EXIT_CODE_ENV = 'HOLLOW_EXIT_CODE';
export const HOLLOW_EXIT_CODE_LABEL = 'hollow.exit_code';

export interface HollowContainerizerOptions {
  /**
   * How long a task runs when neither its env nor its labels say; undefined (or a value
   * that is not a finite number >= 0) runs it until killed. @default undefined
   */
  defaultDurationMs?: number;
  /**
   * Containers shared by every containerizer given the same registry, so that an agent
   * object restarted in the same process re-attaches to its "running" tasks. Without
   * one, `recover()` finds nothing (as after a machine reboot).
   */
  registry?: HollowRegistry;
}

/** Hollow containers that outlive an Agent object (not the process). Keyed by agent/framework/task. */
export class HollowRegistry {
  private readonly containers = new Map<string, HollowContainer>();
  private readonly byId = new Map<string, HollowContainer>();

  get size(): number {
    return this.containers.size;
  }

  set(agentId: string, frameworkId: string, taskId: string, container: HollowContainer): void {
    this.containers.set(registryKey(agentId, frameworkId, taskId), container);
    this.byId.set(container.id, container);
  }

  /** A container by its id (how orphans are found again). */
  byContainerId(id: string): HollowContainer | undefined {
    return this.byId.get(id);
  }

  get(agentId: string, frameworkId: string, taskId: string): HollowContainer | undefined {
    return this.containers.get(registryKey(agentId, frameworkId, taskId));
  }

  delete(agentId: string, frameworkId: string, taskId: string): void {
    const key = registryKey(agentId, frameworkId, taskId);
    const c = this.containers.get(key);
    if (c) this.byId.delete(c.id);
    this.containers.delete(key);
  }

  /** Live containers of one agent. */
  ofAgent(agentId: string): HollowContainer[] {
    const prefix = `${agentId}/`;
    const out: HollowContainer[] = [];
    for (const [key, c] of this.containers) if (key.startsWith(prefix) && !c.exited) out.push(c);
    return out;
  }
}

const registryKey = (agentId: string, frameworkId: string, taskId: string): string => `${agentId}/${frameworkId}/${taskId}`;

let containerSeq = 0;

/** A task that "runs" with no process: it ends when its timer fires or when it is killed. */
export class HollowContainer implements Container {
  readonly id: string;
  private result: ContainerExit | undefined;
  private readonly done: Promise<ContainerExit>;
  private resolveDone!: (exit: ContainerExit) => void;
  private timer: NodeJS.Timeout | undefined;
  private onDestroy: (() => void) | undefined;

  constructor(
    readonly taskId: string,
    durationMs: number | undefined,
    exitCode: number,
    onDestroy?: () => void,
  ) {
    this.id = `hollow-${process.pid}-${++containerSeq}`;
    this.onDestroy = onDestroy;
    this.done = new Promise((resolve) => {
      this.resolveDone = resolve;
    });
    if (durationMs !== undefined) {
      this.timer = setTimeout(() => this.end({ exitCode, oomKilled: false, message: `Command exited with status ${exitCode}` }), durationMs);
      // A hollow task must not keep the process alive on its own.
      this.timer.unref();
    }
  }

  get exited(): boolean {
    return this.result !== undefined;
  }

  wait(): Promise<ContainerExit> {
    return this.done;
  }

  /** A hollow task honours SIGTERM at once: the grace period is not waited out. */
  async kill(_gracePeriodMs: number): Promise<void> {
    this.end({ exitCode: 143, oomKilled: false, message: 'Command terminated by SIGTERM' });
    await Promise.resolve();
  }

  async destroy(): Promise<void> {
    this.end({ exitCode: 137, oomKilled: false, message: 'Command terminated by SIGKILL' });
    this.onDestroy?.();
    this.onDestroy = undefined;
    await Promise.resolve();
  }

  private end(exit: ContainerExit): void {
    if (this.result) return;
    clearTimeout(this.timer);
    this.timer = undefined;
    this.result = exit;
    this.resolveDone(exit);
  }
}

function numberIn(spec: LaunchSpec, env: string, label: string): number | undefined {
  const fromEnv = spec.env[env];
  const raw = fromEnv ?? spec.task.labels?.find((l) => l.key === label)?.value;
  if (raw === undefined || raw.trim() === '') return undefined;
  const n = Number(raw);
  return Number.isFinite(n) && n >= 0 ? n : undefined;
}

/** See the file comment: hollow agents only. */
export class HollowContainerizer implements Containerizer {
  readonly name = 'hollow' as const;
  private readonly defaultDurationMs: number | undefined;
  private readonly registry: HollowRegistry | undefined;

  constructor(options: HollowContainerizerOptions = {}) {
    const d = options.defaultDurationMs;
    this.defaultDurationMs = d !== undefined && Number.isFinite(d) && d >= 0 ? d : undefined;
    this.registry = options.registry;
  }

  async available(): Promise<boolean> {
    return true;
  }

  async launch(spec: LaunchSpec, signal?: AbortSignal): Promise<Container> {
    signal?.throwIfAborted();
    const durationMs = numberIn(spec, HOLLOW_DURATION_ENV, HOLLOW_DURATION_LABEL) ?? this.defaultDurationMs;
    const exitCode = Math.trunc(numberIn(spec, HOLLOW_EXIT_CODE_ENV, HOLLOW_EXIT_CODE_LABEL) ?? 0);
    const registry = this.registry;
    const container = new HollowContainer(
      spec.taskId,
      durationMs,
      exitCode,
      registry ? () => registry.delete(spec.agentId, spec.frameworkId, spec.taskId) : undefined,
    );
    registry?.set(spec.agentId, spec.frameworkId, spec.taskId, container);
    return container;
  }

  async recover(agentId: string, tasks: readonly RecoverSpec[]): Promise<Map<string, Container>> {
    const out = new Map<string, Container>();
    if (!this.registry) return out;
    for (const t of tasks) {
      const c = this.registry.get(agentId, t.frameworkId, t.taskId) ?? (t.containerId ? this.registry.byContainerId(t.containerId) : undefined);
      if (c) out.set(t.taskId, c);
    }
    return out;
  }

  async orphans(agentId: string, known: ReadonlySet<string>): Promise<string[]> {
    if (!this.registry) return [];
    return this.registry
      .ofAgent(agentId)
      .filter((c) => !known.has(c.id))
      .map((c) => c.id);
  }
}
