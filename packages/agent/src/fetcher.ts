import { execFile } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { chmod, copyFile, mkdir, readdir, realpath, rename, rm, stat } from 'node:fs/promises';
import type { IncomingMessage } from 'node:http';
import * as http from 'node:http';
import * as https from 'node:https';
import { basename, dirname, isAbsolute, join, resolve, sep } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import type { CommandUri } from '@tandem/protocol';
import { Code, TandemError } from '@tandem/protocol';
import { DEFAULT_FETCH_MAX_URIS } from './defaults.js';
import { addressRefusal, guardedLookup, literalHostOf } from './fetch-addresses.js';

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
  /**
   * Whether http(s) URIs may reach this host's loopback addresses (127.0.0.0/8, ::1,
   * 0.0.0.0) (`tandem agent --fetch-allow-loopback`). Link-local addresses (169.254.0.0/16,
   * fe80::/10, cloud metadata services) are refused always. @default false
   */
  allowLoopback?: boolean;
  /** The most URIs a task may carry (`tandem agent --fetch-max-uris`). @default DEFAULT_FETCH_MAX_URIS */
  maxUris?: number;
}

export const DEFAULT_FETCH_MAX_BYTES = 1024 ** 3;
export const DEFAULT_FETCH_TIMEOUT_MS = 300_000;
/** Redirects followed per URI. */
const MAX_REDIRECTS = 10;
const REDIRECT = new Set([301, 302, 303, 307, 308]);

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
  private readonly allowLoopback: boolean;
  /** The most URIs a task may carry; more is the task's error (REASON_TASK_INVALID), checked before any fetch. */
  readonly maxUris: number;

  constructor(options: FetcherOptions) {
    this.allowDirs = (options.allowDirs ?? []).map((d) => resolve(d));
    this.cacheDir = options.cacheDir;
    this.maxBytes = options.maxBytes ?? DEFAULT_FETCH_MAX_BYTES;
    this.timeoutMs = options.timeoutMs ?? DEFAULT_FETCH_TIMEOUT_MS;
    this.allowLoopback = options.allowLoopback ?? false;
    this.maxUris = options.maxUris ?? DEFAULT_FETCH_MAX_URIS;
  }

  /** Why a task's URIs are refused before any fetch (too many), or undefined. */
  urisProblem(uris: readonly CommandUri[]): string | undefined {
    if (uris.length <= this.maxUris) return undefined;
    return `command.uris: ${uris.length} URIs, more than this agent fetches for a task (${this.maxUris}; its operator sets it with --fetch-max-uris)`;
  }

  /**
   * Fetches every URI into `sandboxDir`, in order. Returns the sandbox entries (top-level
   * names) that were not there before: what the fetch wrote, for the containerizer to hand
   * to the task's user.
   */
  async fetchAll(uris: readonly CommandUri[], sandboxDir: string, signal?: AbortSignal): Promise<string[]> {
    const problem = this.urisProblem(uris);
    if (problem) throw new TandemError(Code.InvalidArgument, problem, { field: 'command.uris' });
    const before = new Set(await readdir(sandboxDir).catch(() => []));
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
    return (await readdir(sandboxDir)).filter((name) => !before.has(name));
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

  /**
   * GETs `url`, following redirects, each hop checked: a host given as an address is
   * checked as given, a name at the lookup the socket connects with (so a name that
   * resolves to a refused address, or is made to at the last moment, is refused too).
   */
  private async open(first: URL, signal: AbortSignal): Promise<IncomingMessage> {
    let url = first;
    const lookup = guardedLookup(this.allowLoopback);
    for (let hop = 0; ; hop++) {
      const literal = literalHostOf(url);
      const refused = literal ? addressRefusal(literal, this.allowLoopback) : undefined;
      if (refused) throw new TandemError(Code.PermissionDenied, refused);
      const res = await new Promise<IncomingMessage>((ok, fail) => {
        const get = url.protocol === 'https:' ? https.get : http.get;
        get(url, { signal, lookup, headers: { 'user-agent': 'tandem-agent-fetcher' } }, ok).on('error', fail);
      });
      const location = res.headers.location;
      if (!REDIRECT.has(res.statusCode ?? 0) || !location) return res;
      res.resume();
      if (hop >= MAX_REDIRECTS) throw new TandemError(Code.Unavailable, `more than ${MAX_REDIRECTS} redirects`);
      url = new URL(location, url);
      if (url.protocol !== 'http:' && url.protocol !== 'https:')
        throw new TandemError(Code.InvalidArgument, `it redirects to ${url.protocol}, not http or https`);
    }
  }

  private async download(url: URL, target: string, signal?: AbortSignal): Promise<void> {
    const timeout = AbortSignal.timeout(this.timeoutMs);
    const abort = signal ? AbortSignal.any([signal, timeout]) : timeout;
    let res: IncomingMessage;
    try {
      res = await this.open(url, abort);
    } catch (err) {
      if (err instanceof TandemError) throw err;
      if (timeout.aborted) throw new TandemError(Code.DeadlineExceeded, `timed out after ${this.timeoutMs} ms`);
      const refused = (err as { code?: unknown }).code === 'EREFUSEDADDRESS';
      throw new TandemError(refused ? Code.PermissionDenied : Code.Unavailable, (err as Error).message);
    }
    const status = res.statusCode ?? 0;
    if (status < 200 || status > 299) {
      res.resume();
      throw new TandemError(Code.Unavailable, `the server answered ${status} ${res.statusMessage ?? ''}`.trim());
    }
    const length = Number(res.headers['content-length'] ?? 0);
    if (length > this.maxBytes) {
      res.destroy();
      throw new TandemError(Code.ResourceExhausted, `it is ${length} bytes, more than the agent takes (${this.maxBytes})`);
    }
    let seen = 0;
    const max = this.maxBytes;
    const limited = res.on('data', (chunk: Buffer) => {
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
