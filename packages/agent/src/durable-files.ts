import { randomBytes } from 'node:crypto';
import { mkdir, open, readFile, rename, rm } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';

/** fsyncs a directory so that a rename or a new entry in it survives a crash. */
async function syncDir(dir: string): Promise<void> {
  const fd = await open(dir, 'r');
  try {
    await fd.sync();
  } catch {
    // Some filesystems refuse fsync on directories; the data itself is synced.
  } finally {
    await fd.close();
  }
}

/** Creates a directory (and parents) and fsyncs its parent. */
export async function ensureDir(dir: string): Promise<void> {
  const created = await mkdir(dir, { recursive: true });
  if (created !== undefined) await syncDir(dirname(dir));
}

/**
 * Writes a file atomically (all or nothing): a temp file in the same directory,
 * fsynced, then renamed over the target, then the directory fsynced.
 */
export async function writeFileAtomic(path: string, data: string): Promise<void> {
  const dir = dirname(path);
  await ensureDir(dir);
  const tmp = join(dir, `.${basename(path)}.${randomBytes(4).toString('hex')}.tmp`);
  const fd = await open(tmp, 'w');
  try {
    await fd.writeFile(data);
    await fd.sync();
  } finally {
    await fd.close();
  }
  await rename(tmp, path);
  await syncDir(dir);
}

export async function writeJsonAtomic(path: string, value: unknown): Promise<void> {
  await writeFileAtomic(path, `${JSON.stringify(value)}\n`);
}

/** The parsed JSON of a file, or undefined when it does not exist. Throws on bad JSON. */
export async function readJson(path: string): Promise<unknown> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
  return JSON.parse(text) as unknown;
}

/** Appends lines to a file and fsyncs it before resolving. */
export async function appendLinesSynced(path: string, lines: readonly string[]): Promise<void> {
  const fd = await open(path, 'a');
  try {
    await fd.writeFile(lines.map((l) => `${l}\n`).join(''));
    await fd.sync();
  } finally {
    await fd.close();
  }
}

export async function removeDir(dir: string): Promise<void> {
  await rm(dir, { recursive: true, force: true });
}
