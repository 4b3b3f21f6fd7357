import { constants } from 'node:fs';
import { type FileHandle, open } from 'node:fs/promises';
import { join } from 'node:path';
import type { FileDataInit } from '@tandem/protocol';

/** The only sandbox files the master may read. */
export const READABLE_FILES: ReadonlySet<string> = new Set(['stdout', 'stderr']);
export const MAX_READ_BYTES = 1024 * 1024;
export const DEFAULT_READ_BYTES = 64 * 1024;

export interface ReadRequest {
  requestId: string;
  name: string;
  /** Byte offset; negative means that many bytes from the end. */
  offset: number;
  /** 0 means the default (64 KiB); capped at 1 MiB. */
  length: number;
}

/**
 * Reads part of a task's stdout or stderr. Only those two names are accepted, so no
 * path can escape the sandbox. Errors come back in `error`, never thrown.
 */
export async function readSandboxFile(sandboxDir: string | undefined, req: ReadRequest): Promise<FileDataInit> {
  const base = { requestId: req.requestId, data: Buffer.alloc(0), offset: 0, eof: true, size: 0 };
  if (!READABLE_FILES.has(req.name)) return { ...base, error: `name must be "stdout" or "stderr", got "${req.name.slice(0, 40)}"` };
  if (sandboxDir === undefined) return { ...base, error: 'unknown task' };
  if (!Number.isFinite(req.offset) || !Number.isFinite(req.length) || req.length < 0) {
    return { ...base, error: 'offset and length must be finite, length not negative' };
  }
  let fd: FileHandle;
  try {
    // O_NOFOLLOW: a task cannot turn its stdout into a symlink to a file outside the sandbox.
    fd = await open(join(sandboxDir, req.name), constants.O_RDONLY | constants.O_NOFOLLOW);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return base; // nothing written yet
    if (code === 'ELOOP') return { ...base, error: `${req.name} is a symlink; refusing to follow it` };
    return { ...base, error: `cannot open ${req.name}: ${(err as Error).message}` };
  }
  try {
    const size = (await fd.stat()).size;
    const start = req.offset < 0 ? Math.max(0, size + req.offset) : Math.min(size, req.offset);
    const want = Math.min(req.length === 0 ? DEFAULT_READ_BYTES : req.length, MAX_READ_BYTES, size - start);
    const data = Buffer.alloc(Math.max(0, want));
    const { bytesRead } = want > 0 ? await fd.read(data, 0, want, start) : { bytesRead: 0 };
    return {
      requestId: req.requestId,
      data: data.subarray(0, bytesRead),
      offset: start,
      eof: start + bytesRead >= size,
      size,
      error: '',
    };
  } catch (err) {
    return { ...base, error: `cannot read ${req.name}: ${(err as Error).message}` };
  } finally {
    await fd.close();
  }
}
