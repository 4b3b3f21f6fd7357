import { effectiveTarget } from './effective-target.js';
import type { Instance } from './instance.js';
import type { SchedulerContext } from './scheduler-context.js';

/** Kill requests: decommissioning instances, killing their tasks, and asking again until they end. */
export class TaskKills {
  /** Tasks we asked to kill: epoch ms of the last request. */
  readonly requests = new Map<string, number>();
  /** Tasks killed on a user's request (no backoff, no lastTaskFailure). */
  readonly byUser = new Set<string>();

  constructor(private readonly ctx: SchedulerContext) {}

  /** Marks an instance for removal (durably), then kills its task or drops it from the queue. */
  async decommission(i: Instance): Promise<void> {
    if (i.condition === 'Scheduled') {
      await this.ctx.repo.deleteInstance(i);
      return;
    }
    if (i.goal !== 'Decommissioned') await this.ctx.repo.putInstance({ ...i, goal: 'Decommissioned' });
    await this.kill(this.ctx.repo.instances.get(i.instanceId) ?? i);
  }

  async kill(i: Instance): Promise<void> {
    if (!i.taskId) return;
    const app = this.ctx.repo.apps.get(i.appId) ?? effectiveTarget(this.ctx.repo, i.appId);
    await this.sendKill(i.taskId, i.agentId, app?.taskKillGracePeriodSeconds);
  }

  async sendKill(taskId: string, agentId: string | undefined, grace: number | undefined): Promise<void> {
    this.requests.set(taskId, Date.now());
    this.ctx.metrics.killed.inc();
    try {
      await this.ctx.driver?.kill(taskId, agentId, grace);
    } catch (err) {
      this.ctx.log.warn({ err, taskId }, 'kill failed; it will be retried');
    }
  }

  /** Kills again the tasks of decommissioned instances not yet ended, killRetryMs after the last request. */
  async retry(now: number): Promise<void> {
    for (const i of this.ctx.repo.instances.values()) {
      if (i.goal !== 'Decommissioned' || !i.taskId) continue;
      const at = this.requests.get(i.taskId) ?? 0;
      if (now - at >= this.ctx.options.killRetryMs) await this.kill(i);
    }
  }
}
