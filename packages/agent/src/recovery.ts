import { readdir } from 'node:fs/promises';
import { isTerminal, type Logger } from '@tandem/protocol';
import type { Container, Containerizer, RecoverSpec } from './containerizer/types.js';
import { removeDir } from './durable-files.js';
import type { AgentPaths } from './paths.js';
import type { StatusUpdateManager } from './status-update-manager.js';
import { readTaskCheckpoint } from './task-checkpoint.js';
import type { RecoveredTask } from './task-supervisor.js';

export interface RecoveryContext {
  paths: AgentPaths;
  updates: StatusUpdateManager;
  containerizers: readonly Containerizer[];
  agentId: string | undefined;
  logger: Logger;
}

async function listDirs(dir: string): Promise<string[]> {
  try {
    return (await readdir(dir, { withFileTypes: true })).filter((d) => d.isDirectory()).map((d) => d.name);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw err;
  }
}

/**
 * Reads the task checkpoints left by an earlier run: replays each task's update log
 * (re-queueing unacknowledged updates), drops tasks whose terminal update was
 * acknowledged, asks the containerizers to re-attach the containers of live tasks and
 * destroys orphan containers. Never relaunches anything.
 */
export async function recoverTasks(ctx: RecoveryContext): Promise<RecoveredTask[]> {
  const { paths, updates, logger: log } = ctx;
  const found: Omit<RecoveredTask, 'container'>[] = [];
  for (const frameworkId of await listDirs(paths.frameworksDir)) {
    for (const taskId of await listDirs(paths.tasksDir(frameworkId))) {
      const dir = paths.taskDir(frameworkId, taskId);
      const checkpoint = await readTaskCheckpoint(paths.taskFile(frameworkId, taskId));
      if (!checkpoint || checkpoint.frameworkId !== frameworkId || checkpoint.info.taskId !== taskId) {
        // Crashed before task.json was complete: nothing was started or sent.
        log.warn({ frameworkId, taskId }, 'removing a task checkpoint without a readable task.json');
        await removeDir(dir);
        continue;
      }
      const replayed = await updates.recover(frameworkId, taskId);
      if (replayed.terminalAcked && replayed.pending.length === 0) {
        await removeDir(dir);
        continue;
      }
      found.push({ checkpoint, latest: replayed.latest });
    }
  }

  const containers = new Map<string, Container>();
  const agentId = ctx.agentId;
  if (agentId !== undefined) {
    for (const containerizer of ctx.containerizers) {
      const specs: RecoverSpec[] = found
        .filter((t) => t.checkpoint.containerizer === containerizer.name && !isTerminal(t.latest?.state ?? 'TASK_STAGING'))
        .map((t) => ({
          taskId: t.checkpoint.info.taskId,
          frameworkId: t.checkpoint.frameworkId,
          sandboxDir: t.checkpoint.sandboxDir,
          ...(t.checkpoint.containerId ? { containerId: t.checkpoint.containerId } : {}),
        }));
      try {
        const back = specs.length > 0 ? await containerizer.recover(agentId, specs) : new Map<string, Container>();
        for (const [taskId, c] of back) {
          const spec = specs.find((s) => s.taskId === taskId);
          if (spec) containers.set(`${spec.frameworkId}/${taskId}`, c);
        }
        if (containerizer.orphans) {
          const known = new Set([...back.values()].map((c) => c.id));
          const orphans = await containerizer.orphans(agentId, known);
          if (orphans.length > 0) await destroyOrphans(containerizer, agentId, orphans, log);
        }
      } catch (err) {
        log.error({ err, containerizer: containerizer.name }, 'container recovery failed');
      }
    }
  }
  return found.map((t) => ({ ...t, container: containers.get(`${t.checkpoint.frameworkId}/${t.checkpoint.info.taskId}`) }));
}

/**
 * Destroys containers no task claims. The Containerizer interface has no destroy-by-id,
 * so they are re-attached through `recover` (with synthetic task ids) and destroyed.
 */
async function destroyOrphans(containerizer: Containerizer, agentId: string, ids: readonly string[], log: Logger): Promise<void> {
  log.warn({ containerizer: containerizer.name, orphans: ids }, 'destroying orphan containers');
  const specs: RecoverSpec[] = ids.map((id) => ({ taskId: `orphan-${id}`, frameworkId: '', sandboxDir: '', containerId: id }));
  try {
    const attached = await containerizer.recover(agentId, specs);
    await Promise.all(
      [...attached.values()].map(async (c) => {
        await c.kill(0);
        await c.destroy();
      }),
    );
  } catch (err) {
    log.error({ err, containerizer: containerizer.name }, 'could not destroy orphan containers');
  }
}
