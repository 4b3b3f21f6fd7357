import type { Logger } from '@tandem/protocol';
import { probeReadiness, type ReadinessCheckResult, type ReadinessTarget } from './readiness-probe.js';

type Probe = (target: ReadinessTarget, signal: AbortSignal) => Promise<ReadinessCheckResult>;

interface Loop {
  target: ReadinessTarget;
  controller: AbortController;
  timer: NodeJS.Timeout | undefined;
}

/**
 * Runs the framework's readiness checks (Marathon runs them itself, not on the agent):
 * one loop per task, the first check at once, the next `intervalSeconds` after the
 * previous one answered, until the task is ready or no longer wanted. `sync` says which
 * tasks are to be checked (the new instances of running deployments); a task that leaves
 * that set has its loop stopped (the request in flight aborted, its timer cleared) and
 * its results forgotten.
 */
export class ReadinessChecker {
  private readonly loops = new Map<string, Loop>();
  private readonly results = new Map<string, { appId: string; result: ReadinessCheckResult }>();
  private stopped = false;

  constructor(
    /** Called when a task becomes ready. */
    private readonly onReady: (result: ReadinessCheckResult) => void,
    private readonly log: Logger,
    private readonly probe: Probe = probeReadiness,
  ) {}

  /** Checks exactly the tasks in `wanted` (by task id) from now on. */
  sync(wanted: ReadonlyMap<string, ReadinessTarget>): void {
    if (this.stopped) return;
    for (const taskId of [...this.loops.keys()]) if (!wanted.has(taskId)) this.stopLoop(taskId);
    for (const taskId of [...this.results.keys()]) if (!wanted.has(taskId)) this.results.delete(taskId);
    for (const [taskId, target] of wanted) {
      if (this.loops.has(taskId) || this.isReady(taskId)) continue;
      this.startLoop(target);
    }
  }

  isReady(taskId: string): boolean {
    return this.results.get(taskId)?.result.ready === true;
  }

  /** The latest result of each checked task of an app (ready or not). */
  resultsOf(appId: string): ReadinessCheckResult[] {
    return [...this.results.values()].filter((r) => r.appId === appId).map((r) => r.result);
  }

  /** Tasks being checked now (not ready yet). */
  get checking(): number {
    return this.loops.size;
  }

  /** Stops every check; nothing runs after it returns (requests in flight are aborted). */
  stop(): void {
    this.stopped = true;
    for (const taskId of [...this.loops.keys()]) this.stopLoop(taskId);
    this.results.clear();
  }

  private startLoop(target: ReadinessTarget): void {
    const loop: Loop = { target, controller: new AbortController(), timer: undefined };
    this.loops.set(target.taskId, loop);
    this.log.debug({ taskId: target.taskId, url: target.url, check: target.check.name }, 'readiness checks started');
    const run = async (): Promise<void> => {
      loop.timer = undefined;
      let result: ReadinessCheckResult;
      try {
        result = await this.probe(target, loop.controller.signal);
      } catch (err) {
        if (!loop.controller.signal.aborted) this.log.warn({ err, taskId: target.taskId }, 'readiness check failed unexpectedly; checks of this task stopped');
        return;
      }
      if (loop.controller.signal.aborted) return;
      this.results.set(target.taskId, { appId: target.appId, result });
      if (result.ready) {
        this.loops.delete(target.taskId);
        this.log.info({ taskId: target.taskId, appId: target.appId, check: result.name }, 'task is ready');
        this.onReady(result);
        return;
      }
      this.log.debug({ taskId: target.taskId, url: target.url }, 'task not ready yet');
      loop.timer = setTimeout(() => void run(), target.check.intervalSeconds * 1000);
      loop.timer.unref();
    };
    void run();
  }

  private stopLoop(taskId: string): void {
    const loop = this.loops.get(taskId);
    if (!loop) return;
    this.loops.delete(taskId);
    loop.controller.abort();
    if (loop.timer) clearTimeout(loop.timer);
    loop.timer = undefined;
  }
}
