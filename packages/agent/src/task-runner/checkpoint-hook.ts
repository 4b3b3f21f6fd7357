import { readdir, rmdir } from 'node:fs/promises';
import type { Logger } from '@tandem/protocol';
import type { AgentTask } from '../agent-task.js';
import type { Container } from '../containerizer/types.js';
import { removeDir } from '../durable-files.js';
import type { AgentPaths } from '../paths.js';
import { type TaskCheckpoint, writeTaskCheckpoint } from '../task-checkpoint.js';
import type { TaskHook } from './task-hook.js';

/** What a task's checkpoint holds before its container exists. */
export function checkpointOf(task: AgentTask, wanted: string): TaskCheckpoint {
  return {
    frameworkId: task.frameworkId,
    framework: task.framework,
    info: task.info,
    containerizer: task.containerizer?.name ?? wanted,
    sandboxDir: task.sandboxDir,
  };
}

/**
 * Recovery: what a restarted agent needs to find its tasks. `task.json` is durable before
 * the containerizer creates anything, so a restarted agent finds every task it may have
 * started; the container id is added once known (except for containerizers that find
 * their containers by labels); the checkpoint goes once the terminal update is
 * acknowledged, and the framework's directories with it when they are empty.
 */
export function checkpointHook(paths: AgentPaths, logger: Logger): TaskHook {
  return {
    name: 'checkpoint',
    async prestart(task: AgentTask, wanted: string): Promise<void> {
      await writeTaskCheckpoint(paths.taskFile(task.frameworkId, task.taskId), checkpointOf(task, wanted));
    },
    async poststart(task: AgentTask, container: Container): Promise<void> {
      try {
        if (!task.containerizer?.recoversByLabels)
          await writeTaskCheckpoint(paths.taskFile(task.frameworkId, task.taskId), {
            ...checkpointOf(task, task.containerizer?.name ?? ''),
            containerId: container.id,
          });
      } catch (err) {
        logger.error({ err, taskId: task.taskId }, 'could not checkpoint the container id');
      }
    },
    async done({ frameworkId, taskId }): Promise<void> {
      try {
        await removeDir(paths.taskDir(frameworkId, taskId));
        // Tidy the framework's directories once empty (rmdir fails harmlessly otherwise).
        try {
          if ((await readdir(paths.tasksDir(frameworkId))).length === 0) {
            await rmdir(paths.tasksDir(frameworkId));
            await rmdir(paths.frameworkDir(frameworkId));
          }
        } catch {
          // not empty, or already gone
        }
      } catch (err) {
        logger.warn({ err, taskId }, "could not remove a finished task's checkpoint");
      }
    },
  };
}
