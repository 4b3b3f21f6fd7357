import type { FrameworkInfo, TaskInfo } from '@tandem/protocol';
import { readJson, writeJsonAtomic } from './durable-files.js';

/** `task.json`: what the agent launched, enough to recover it after a restart. */
export interface TaskCheckpoint {
  frameworkId: string;
  framework: FrameworkInfo;
  info: TaskInfo;
  containerizer: string;
  sandboxDir: string;
  /** Set once the containerizer has started the container. */
  containerId?: string;
}

export async function writeTaskCheckpoint(path: string, checkpoint: TaskCheckpoint): Promise<void> {
  await writeJsonAtomic(path, checkpoint);
}

/** Reads `task.json`; undefined when missing or not a task checkpoint. */
export async function readTaskCheckpoint(path: string): Promise<TaskCheckpoint | undefined> {
  let value: unknown;
  try {
    value = await readJson(path);
  } catch {
    return undefined;
  }
  if (typeof value !== 'object' || value === null) return undefined;
  const v = value as Partial<TaskCheckpoint>;
  if (typeof v.frameworkId !== 'string' || typeof v.info !== 'object' || v.info === null) return undefined;
  if (typeof v.containerizer !== 'string' || typeof v.sandboxDir !== 'string') return undefined;
  // Written before TaskInfo.health_checks was repeated: its one check becomes the list.
  const info = v.info as TaskInfo & { healthCheck?: TaskInfo['healthChecks'][number] | null };
  if (!Array.isArray(info.healthChecks)) {
    const { healthCheck, ...rest } = info;
    return { ...(value as TaskCheckpoint), info: { ...rest, healthChecks: healthCheck ? [{ ...healthCheck, reportOnly: false }] : [] } };
  }
  return value as TaskCheckpoint;
}
