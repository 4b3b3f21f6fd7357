import { chown, lchown, lstat, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { lookupUser } from './task-user.js';

/**
 * Hands what the fetcher wrote into a sandbox (`fetched`: its top-level names) and the
 * sandbox itself to a task's user, as Mesos' fetcher does. Every path is gathered first,
 * while the whole tree is still root's, then changed with `lchown` deepest first, the
 * sandbox last: a symbolic link (an archive's) is changed itself, never followed, and no
 * path is walked through a directory the task's user already owns. `gid` -1: unchanged.
 */
export async function handSandboxTo(sandboxDir: string, fetched: readonly string[], uid: number, gid: number): Promise<void> {
  const paths: string[] = [];
  for (const name of fetched) paths.push(...(await treePaths(join(sandboxDir, name))));
  for (const path of paths) await lchown(path, uid, gid);
  await chown(sandboxDir, uid, gid);
}

/** `path` and, when it is a directory, everything under it, deepest first; symbolic links are listed, never followed. */
async function treePaths(path: string): Promise<string[]> {
  const out: string[] = [];
  if ((await lstat(path)).isDirectory()) {
    for (const e of await readdir(path, { withFileTypes: true })) {
      const child = join(path, e.name);
      if (e.isDirectory()) out.push(...(await treePaths(child)));
      else out.push(child);
    }
  }
  out.push(path);
  return out;
}

/**
 * The host ids of a Docker task's `user` (`NAME`, `UID`, `NAME:GROUP`, `UID:GID`), as Mesos
 * reads it for the fetcher: numbers as given (a container's ids are the host's), a name
 * looked up on the agent's host; undefined when the name is not known there or is root
 * (the files stay root's, world-readable).
 */
export async function dockerUserIds(user: string): Promise<{ uid: number; gid: number } | undefined> {
  const [name = '', group] = user.split(':');
  const numericGid = group !== undefined && /^[0-9]+$/.test(group) ? Number(group) : undefined;
  if (/^[0-9]+$/.test(name)) {
    const uid = Number(name);
    return uid === 0 ? undefined : { uid, gid: numericGid ?? -1 };
  }
  const found = await lookupUser(name).catch(() => undefined);
  if (!found || found.uid === 0) return undefined;
  return { uid: found.uid, gid: numericGid ?? found.gid };
}
