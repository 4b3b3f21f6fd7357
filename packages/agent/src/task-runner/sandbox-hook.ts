import { mkdir } from 'node:fs/promises';
import { LRUCache } from 'lru-cache';
import type { AgentTask } from '../agent-task.js';
import type { TaskHook } from './task-hook.js';

/** Sandboxes of tasks forgotten lately, remembered so a late kill or log read still makes sense. */
const RECENTLY_COMPLETED = 1000;

/**
 * Logs: a task's sandbox (its stdout and stderr) is made before the launch and stays
 * findable for a while after the task is forgotten (the last RECENTLY_COMPLETED tasks).
 * The sandbox is not synced: the output files in it never are, so its directory entry
 * alone would protect nothing.
 */
export class SandboxHook implements TaskHook {
  readonly name = 'sandbox';
  /** `frameworkId/taskId` -> sandbox; the least recently forgotten go first. */
  private readonly completed = new LRUCache<string, string>({ max: RECENTLY_COMPLETED });

  async prestart(task: AgentTask): Promise<void> {
    await mkdir(task.sandboxDir, { recursive: true });
  }

  async done(ref: { frameworkId: string; taskId: string }, task: AgentTask | undefined): Promise<void> {
    if (!task) return;
    this.completed.set(`${ref.frameworkId}/${ref.taskId}`, task.sandboxDir);
  }

  /** The task (`frameworkId/taskId`) was forgotten lately. */
  knows(key: string): boolean {
    return this.completed.has(key);
  }

  /** The sandbox of a task forgotten lately, by task id (first match). */
  sandboxOf(taskId: string): string | undefined {
    for (const [key, dir] of this.completed.rentries()) if (key?.endsWith(`/${taskId}`)) return dir;
    return undefined;
  }
}
