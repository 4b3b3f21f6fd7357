import type { SchedulerContext } from './scheduler-context.js';

/** Explicit reconciliation of every task we know (unknown ones come back TASK_UNKNOWN), then implicit (finds strays). */
export async function reconcile(ctx: SchedulerContext): Promise<void> {
  if (!ctx.connected) return;
  const tasks = [...ctx.repo.instances.values()].filter((i) => i.taskId).map((i) => ({ taskId: i.taskId!, ...(i.agentId ? { agentId: i.agentId } : {}) }));
  try {
    if (tasks.length > 0) await ctx.driver?.reconcile(tasks);
    await ctx.driver?.reconcile([]);
  } catch (err) {
    ctx.log.warn({ err }, 'reconciliation failed; it will be retried');
  }
}
