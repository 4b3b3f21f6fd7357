import { execFile } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { chmod, copyFile, mkdir, realpath, rename, rm, stat } from 'node:fs/promises';
import { basename, dirname, isAbsolute, join, resolve, sep } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import type { CommandUri } from '@tandem/protocol';
import { Code, TandemError } from '@tandem/protocol';

const run = promisify(execFile);

/** What an agent fetches from, and where it keeps cached downloads. */
export interface FetcherOptions {
  /**
   * The directories file URLs (and absolute paths) may read from (`tandem agent
   * --fetch-allow-dir`); none by default, so a task cannot read the agent's host files.
   */
  allowDirs?: readonly string[];
  /** Where downloads with `cache` are kept, keyed by URL. */
  cacheDir: string;
  /** The largest download taken, in bytes. @default 1 GiB */
  maxBytes?: number;
  /** Per URI. @default 300000 */
  timeoutMs?: number;
}

export const DEFAULT_FETCH_MAX_BYTES = 1024 ** 3;
export const DEFAULT_FETCH_TIMEOUT_MS = 300_000;

const TAR = /\.(tar|tar\.gz|tgz|tar\.bz2|tbz2|tar\.xz|txz)$/i;
const ZIP = /\.zip$/i;

/**
 * Mesos' fetcher: downloads each of a task's URIs into its sandbox before the launch
 * (http, https, and file URLs under an allowed directory), makes it executable or
 * extracts it as asked, and keeps a per-agent cache keyed by URL. Any failure rejects with
 * a TandemError whose message names the URI; the agent fails the task with it
 * (TASK_FAILED, REASON_CONTAINER_LAUNCH_FAILED).
 */
export class Fetcher {
  private readonly allowDirs: readonly string[];
  private readonly cacheDir: string;
  private readonly maxBytes: number;
  private readonly timeoutMs: number;

  constructor(options: FetcherOptions) {
    this.allowDirs = (options.allowDirs ?? []).map((d) => resolve(d));
    this.cacheDir = options.cacheDir;
    this.maxBytes = options.maxBytes ?? DEFAULT_FETCH_MAX_BYTES;
    this.timeoutMs = options.timeoutMs ?? DEFAULT_FETCH_TIMEOUT_MS;
  }

  /** Fetches every URI into `sandboxDir`, in order. */
  async fetchAll(uris: readonly CommandUri[], sandboxDir: string, signal?: AbortSignal): Promise<void> {
    for (const uri of uris) {
      try {
        await this.fetchOne(uri, sandboxDir, signal);
      } catch (err) {
        const why = err instanceof TandemError ? err.message : err instanceof Error ? err.message : String(err);
        throw new TandemError(err instanceof TandemError ? err.code : Code.Unavailable, `could not fetch ${uri.value}: ${why}`, {
          field: 'command.uris',
          cause: err,
        });
      }
    }
  }

  private async fetchOne(uri: CommandUri, sandboxDir: string, signal?: AbortSignal): Promise<void> {
    const name = outputName(uri);
    const target = join(sandboxDir, name);
    await mkdir(dirname(target), { recursive: true });
    const source = this.sourceOf(uri.value);
    if (source.kind === 'file') {
      await copyFile(await this.allowedFile(source.path), target);
    } else if (uri.cache) {
      const cached = join(this.cacheDir, createHash('sha256').update(uri.value).digest('hex'));
      if (!(await isFile(cached))) {
        await mkdir(this.cacheDir, { recursive: true });
        const part = `${cached}.${randomBytes(4).toString('hex')}.part`;
        try {
          await this.download(source.url, part, signal);
          await rename(part, cached);
        } finally {
          await rm(part, { force: true });
        }
      }
      await copyFile(cached, target);
    } else {
      await this.download(source.url, target, signal);
    }
    if (uri.executable) await chmod(target, 0o755);
    else await chmod(target, 0o644);
    if (uri.extract && (TAR.test(name) || ZIP.test(name))) await extract(target, sandboxDir, signal);
  }

  private sourceOf(value: string): { kind: 'file'; path: string } | { kind: 'http'; url: URL } {
    if (isAbsolute(value)) return { kind: 'file', path: value };
    let url: URL;
    try {
      url = new URL(value);
    } catch {
      throw new TandemError(Code.InvalidArgument, 'not a URL (http://, https:// or file://) nor an absolute path');
    }
    if (url.protocol === 'file:') return { kind: 'file', path: fileURLToPath(url) };
    if (url.protocol === 'http:' || url.protocol === 'https:') return { kind: 'http', url };
    throw new TandemError(Code.InvalidArgument, `the scheme ${url.protocol} is not supported (http, https, file)`);
  }

  /** The real path of `path` when it lies under an allowed directory (symbolic links resolved first). */
  private async allowedFile(path: string): Promise<string> {
    const allowed = `the agent reads files only under the directories its operator allows (tandem agent --fetch-allow-dir${this.allowDirs.length > 0 ? `: ${this.allowDirs.join(', ')}` : '; none is'})`;
    if (this.allowDirs.length === 0) throw new TandemError(Code.PermissionDenied, `file URLs are not allowed: ${allowed}`);
    const real = await realpath(path).catch(() => {
      throw new TandemError(Code.NotFound, `${path} does not exist`);
    });
    const dirs = await Promise.all(this.allowDirs.map((d) => realpath(d).catch(() => d)));
    if (!dirs.some((d) => real === d || real.startsWith(d.endsWith(sep) ? d : `${d}${sep}`))) {
      throw new TandemError(Code.PermissionDenied, `${path} is outside the allowed directories: ${allowed}`);
    }
    if (!(await isFile(real))) throw new TandemError(Code.InvalidArgument, `${path} is not a file`);
    return real;
  }

  private async download(url: URL, target: string, signal?: AbortSignal): Promise<void> {
    const timeout = AbortSignal.timeout(this.timeoutMs);
    const abort = signal ? AbortSignal.any([signal, timeout]) : timeout;
    let res: Response;
    try {
      res = await fetch(url, { signal: abort, redirect: 'follow' });
    } catch (err) {
      if (timeout.aborted) throw new TandemError(Code.DeadlineExceeded, `timed out after ${this.timeoutMs} ms`);
      throw new TandemError(Code.Unavailable, (err as Error).cause instanceof Error ? ((err as Error).cause as Error).message : (err as Error).message);
    }
    if (!res.ok || !res.body) {
      await res.body?.cancel().catch(() => undefined);
      throw new TandemError(Code.Unavailable, `the server answered ${res.status} ${res.statusText}`.trim());
    }
    const length = Number(res.headers.get('content-length') ?? 0);
    if (length > this.maxBytes) {
      await res.body.cancel().catch(() => undefined);
      throw new TandemError(Code.ResourceExhausted, `it is ${length} bytes, more than the agent takes (${this.maxBytes})`);
    }
    let seen = 0;
    const max = this.maxBytes;
    const limited = Readable.fromWeb(res.body as import('node:stream/web').ReadableStream<Uint8Array>).on('data', (chunk: Buffer) => {
      seen += chunk.length;
      if (seen > max) limited.destroy(new TandemError(Code.ResourceExhausted, `it is more than ${max} bytes, more than the agent takes`));
    });
    try {
      await pipeline(limited, createWriteStream(target, { mode: 0o644 }), { signal: abort });
    } catch (err) {
      await rm(target, { force: true });
      if (err instanceof TandemError) throw err;
      if (timeout.aborted) throw new TandemError(Code.DeadlineExceeded, `timed out after ${this.timeoutMs} ms`);
      throw new TandemError(Code.Unavailable, (err as Error).message);
    }
  }
}

/** The file's path in the sandbox: `output_file`, else the last part of the URL's path. */
function outputName(uri: CommandUri): string {
  let name = uri.outputFile;
  if (!name) {
    const path = isAbsolute(uri.value)
      ? uri.value
      : (() => {
          try {
            return decodeURIComponent(new URL(uri.value).pathname);
          } catch {
            return uri.value;
          }
        })();
    name = basename(path);
  }
  const parts = name.split('/');
  if (!name || isAbsolute(name) || name.includes('\0') || parts.some((p) => p === '..' || p === '') || name === '.') {
    throw new TandemError(Code.InvalidArgument, `the output file "${name}" must be a relative path inside the sandbox`);
  }
  return name;
}

async function isFile(path: string): Promise<boolean> {
  return stat(path).then(
    (s) => s.isFile(),
    () => false,
  );
}

/** Extracts an archive into `dir` with the system's tar or unzip (members outside `dir` refused by both). */
async function extract(archive: string, dir: string, signal?: AbortSignal): Promise<void> {
  const [cmd, args] = ZIP.test(archive)
    ? ['unzip', ['-o', '-q', archive, '-d', dir]]
    : ['tar', ['-xf', archive, '-C', dir, '--no-same-owner', '--no-same-permissions']];
  try {
    await run(cmd, args as string[], { ...(signal ? { signal } : {}), maxBuffer: 1024 * 1024 });
  } catch (err) {
    const e = err as { stderr?: string; code?: string | number; message: string };
    const detail = e.code === 'ENOENT' ? `${cmd} is not installed on the agent` : (e.stderr?.trim().split('\n').slice(-1)[0] ?? e.message);
    throw new TandemError(Code.InvalidArgument, `could not extract it: ${detail}`);
  }
}
