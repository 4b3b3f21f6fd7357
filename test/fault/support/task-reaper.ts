/**
 * Ends the tasks an agent of the fault suite left running. The process containerizer
 * starts each task as its own process group, detached so that it outlives an agent
 * restart: stopping the agent leaves it running. After a test, each task's process group
 * is SIGKILLed by the pid its sandbox records, once /proc shows that pid still belongs to
 * that sandbox (a pid reused by another process is left alone).
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

/** SIGKILLs the process group of every task still running under an agent's work dir; returns how many it ended. */
export function killTasksUnder(agentWorkDir: string): number {
  let ended = 0;
  for (const sandbox of sandboxes(join(agentWorkDir, 'sandboxes'))) {
    const pid = Number(readOr(join(sandbox, 'pid'), '').trim());
    if (!Number.isInteger(pid) || pid <= 1) continue;
    // The task's wrapper names its sandbox (its exit_status path) among its arguments.
    if (!readOr(`/proc/${pid}/cmdline`, '').includes(sandbox)) continue;
    try {
      process.kill(-pid, 'SIGKILL');
      ended++;
    } catch {
      // gone meanwhile
    }
  }
  return ended;
}

/** `<root>/<framework>/<task>` directories. */
function sandboxes(root: string): string[] {
  const dirs: string[] = [];
  for (const fw of list(root)) for (const task of list(join(root, fw))) dirs.push(join(root, fw, task));
  return dirs;
}

function list(dir: string): string[] {
  try {
    return readdirSync(dir);
  } catch {
    return [];
  }
}

function readOr(file: string, fallback: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch {
    return fallback;
  }
}
