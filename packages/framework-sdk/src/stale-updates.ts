import { canTransition, type TaskState, type TaskStatus } from '@tandem/protocol';
import { LRUCache } from 'lru-cache';

/** How many tasks' last delivered state the driver remembers. @default 100000 */
export const DEFAULT_STALE_UPDATE_MEMORY = 100_000;

/**
 * Recognises an agent's resend of an update the framework has already moved past.
 *
 * Agents send a task's updates without waiting for each acknowledgement (RUNNING right
 * behind STARTING), so when an ack is lost or late the agent may resend STARTING after
 * the framework has seen RUNNING. An update that carries a uuid (sent by an agent, to be
 * acknowledged) is stale when the task's lifecycle cannot go from the last state handed
 * to the framework to this one (`canTransition`): after RUNNING, STARTING is stale;
 * after a terminal state everything is. Updates without a uuid (the master's own, such
 * as reconciliation answers) are never stale, but they do count as delivered.
 */
export class StaleUpdateFilter {
  private readonly delivered: LRUCache<string, TaskState>;

  constructor(max = DEFAULT_STALE_UPDATE_MEMORY) {
    this.delivered = new LRUCache({ max });
  }

  /** True if `status` must not reach the framework; otherwise remembers it as delivered. */
  isStale(status: TaskStatus): boolean {
    const last = this.delivered.get(status.taskId);
    if (status.uuid !== '' && last !== undefined && !canTransition(last, status.state)) return true;
    this.delivered.set(status.taskId, status.state);
    return false;
  }

  /** Forgets a task (launched again under the same id). */
  forget(taskId: string): void {
    this.delivered.delete(taskId);
  }
}
