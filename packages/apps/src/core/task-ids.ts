import { randomUUID } from 'node:crypto';
import { decodePathId, encodePathId } from '../app/path-id.js';

/** A new instance id, `instance-<uuid>`. */
export function newInstanceId(): string {
  return `instance-${randomUUID()}`;
}

/**
 * The task id of an instance's incarnation, deterministic so a relaunch after a crash
 * can never produce a second task for the same incarnation:
 * `/group/app` + instance-… + 3 -> `group_app.instance-….3`.
 */
export function taskIdOf(appId: string, instanceId: string, incarnation: number): string {
  return `${encodePathId(appId)}.${instanceId}.${incarnation}`;
}

const TASK_ID = /^(.+)\.(instance-[0-9a-f-]+)\.(\d+)$/;

/** Reads a task id back; undefined when it is not one of ours. */
export function parseTaskId(taskId: string): { appId: string; instanceId: string; incarnation: number } | undefined {
  const m = TASK_ID.exec(taskId);
  if (!m) return undefined;
  return { appId: decodePathId(m[1]!), instanceId: m[2]!, incarnation: Number(m[3]) };
}
