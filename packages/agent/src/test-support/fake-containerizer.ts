import { sleep, TandemError } from '@tandem/protocol';
import type { Container, ContainerExit, Containerizer, LaunchSpec, RecoverSpec } from '../containerizer/types.js';

/** A container that lives in the test's memory: it "runs" until `exit()` or `kill()`. */
export class FakeContainer implements Container {
  readonly kills: number[] = [];
  destroyed = false;
  private result: ContainerExit | undefined;
  private readonly done: Promise<ContainerExit>;
  private resolveDone!: (e: ContainerExit) => void;

  constructor(
    readonly id: string,
    readonly taskId: string,
    readonly spec: { frameworkId: string },
  ) {
    this.done = new Promise((resolve) => {
      this.resolveDone = resolve;
    });
  }

  get exited(): boolean {
    return this.result !== undefined;
  }

  wait(): Promise<ContainerExit> {
    return this.done;
  }

  exit(exit: Partial<ContainerExit> & { exitCode: number | null }): void {
    if (this.result) return;
    this.result = { oomKilled: false, message: `Command exited with status ${String(exit.exitCode)}`, ...exit };
    this.resolveDone(this.result);
  }

  async kill(gracePeriodMs: number): Promise<void> {
    this.kills.push(gracePeriodMs);
    setTimeout(() => this.exit({ exitCode: 143, message: 'Command terminated by SIGTERM' }), 10).unref();
    await Promise.resolve();
  }

  async destroy(): Promise<void> {
    this.destroyed = true;
    await Promise.resolve();
  }
}

/**
 * A containerizer whose "containers" outlive the agent object (they live in `world`),
 * so a restarted agent can recover them. Task names steer it: `fail-launch` rejects
 * with a LaunchFailure, `slow-launch` waits until aborted.
 */
export class FakeContainerizer implements Containerizer {
  readonly launches: LaunchSpec[] = [];
  readonly recovers: RecoverSpec[][] = [];
  readonly world = new Map<string, FakeContainer>();
  private seq = 0;

  constructor(readonly name: 'process' | 'docker' = 'process') {}

  async available(): Promise<boolean> {
    return true;
  }

  async launch(spec: LaunchSpec, signal?: AbortSignal): Promise<Container> {
    this.launches.push(spec);
    if (spec.task.name === 'fail-launch') {
      throw new TandemError('INTERNAL', 'pull failed', { cause: { reason: 'REASON_CONTAINER_PULL_FAILED', message: 'image not found' } });
    }
    if (spec.task.name === 'slow-launch') {
      await sleep(60_000, signal).catch(() => undefined);
      throw new TandemError('CANCELLED', 'launch aborted');
    }
    const c = new FakeContainer(`c-${++this.seq}`, spec.taskId, { frameworkId: spec.frameworkId });
    this.world.set(`${spec.frameworkId}/${spec.taskId}`, c);
    return c;
  }

  container(frameworkId: string, taskId: string): FakeContainer | undefined {
    return this.world.get(`${frameworkId}/${taskId}`);
  }

  async recover(_agentId: string, specs: readonly RecoverSpec[]): Promise<Map<string, Container>> {
    this.recovers.push([...specs]);
    const out = new Map<string, Container>();
    for (const s of specs) {
      const c = this.world.get(`${s.frameworkId}/${s.taskId}`) ?? [...this.world.values()].find((x) => x.id === s.containerId);
      if (c) out.set(s.taskId, c);
    }
    return out;
  }

  /** Containers in the world that no recovered task claimed. */
  async orphans(_agentId: string, known: ReadonlySet<string>): Promise<string[]> {
    return [...this.world.values()].filter((c) => !c.exited && !known.has(c.id)).map((c) => c.id);
  }

  /** Puts a container in the world that no task of the agent knows. */
  addStray(id: string): FakeContainer {
    const c = new FakeContainer(id, 'ghost', { frameworkId: 'fw-x' });
    this.world.set(`fw-x/${id}`, c);
    return c;
  }
}
