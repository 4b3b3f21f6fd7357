import { isTerminal, type TaskStatus } from '@tandem/framework-sdk';
import type { JobsContext } from './jobs-context.js';
import type { RunBookkeeping } from './run-bookkeeping.js';
import { applyTaskUpdate } from './run-planner.js';

/**
 * Status updates: each moves its task (and so its run) on; a failed index waits for its
 * retry; a task of no run the framework knows is killed.
 */
export class StatusHandling {
  constructor(
    private readonly ctx: JobsContext,
    private readonly book: RunBookkeeping,
  ) {}

  async handle(status: TaskStatus): Promise<void> {
    const { repo, driver, log, clock, metrics, retries } = this.ctx;
    const run = repo.runOfTask(status.taskId);
    if (!run) {
      if (!isTerminal(status.state) && status.state !== 'TASK_UNKNOWN' && driver) {
        log.warn({ taskId: status.taskId, state: status.state }, 'a task of no known run: killing it');
        await driver.kill(status.taskId, status.agentId || undefined).catch(() => undefined);
      }
      return;
    }
    const now = clock.now();
    const effects = applyTaskUpdate(
      run,
      { taskId: status.taskId, state: status.state, message: status.message, ...(status.hasExitCode ? { exitCode: status.exitCode } : {}) },
      now,
    );
    if (!effects.changed) return;
    if (isTerminal(status.state)) metrics.tasksFinished.inc({ state: status.state });
    if (effects.retryIndex !== undefined) {
      retries.set(run.jobId, run.id, effects.retryIndex, now + this.ctx.options.retryDelayMs);
      this.ctx.armTimer();
    }
    log.debug({ taskId: status.taskId, state: status.state, run: run.id, runStatus: run.status }, 'task update');
    await this.book.afterEffects(run, effects);
  }
}
