import { closeSync, linkSync, openSync, readFileSync, readlinkSync, renameSync, statSync, unlinkSync, utimesSync, writeSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { Code, TandemError } from '@tandem/protocol';

/** What a lock file says about its holder. */
export interface LockHolder {
  readonly pid: number;
  readonly hostname: string;
  /** The kernel's boot id, the pid namespace and the process' start time: together they say whether `pid` is still the holder. */
  readonly bootId: string | undefined;
  readonly pidNamespace: string | undefined;
  readonly startTicks: string | undefined;
  readonly since: string;
}

/** How often the holder touches its lock, and when a lock nobody touched counts as abandoned. */
export const LOCK_REFRESH_MS = 2_000;
export const LOCK_STALE_MS = 10_000;

/**
 * An exclusive lock on a directory, held by one process: `<dir>/LOCK` holds the holder's
 * pid and identity, created with O_EXCL semantics (a link of a file written whole).
 *
 * A lock whose holder is gone is taken over: on the same kernel and in the same pid
 * namespace the holder's pid and start time decide at once (a restarted process that got
 * the same pid, as PID 1 in a container does, is not the holder; a second opener in the
 * holder's own process is refused like any other); elsewhere (another
 * container or host sharing the directory) the holder touches the file every 2 s and a
 * lock untouched for 10 s is abandoned. A live holder makes `acquire` fail at once with
 * FAILED_PRECONDITION naming its pid.
 */
export class DirLock {
  private readonly path: string;
  private timer: NodeJS.Timeout | undefined;
  private held = false;

  private constructor(dir: string) {
    this.path = join(dir, 'LOCK');
  }

  /** Takes the lock on `dir` (which must exist) or throws naming who holds it. */
  static acquire(dir: string, what = 'store'): DirLock {
    const lock = new DirLock(dir);
    lock.take(what);
    return lock;
  }

  private take(what: string): void {
    const me = currentHolder();
    const tmp = `${this.path}.${process.pid}.${Date.now()}`;
    const fd = openSync(tmp, 'wx');
    try {
      writeSync(fd, `${JSON.stringify(me)}\n`);
    } finally {
      closeSync(fd);
    }
    try {
      for (let attempt = 0; ; attempt++) {
        try {
          linkSync(tmp, this.path);
          break;
        } catch (err) {
          if ((err as NodeJS.ErrnoException).code !== 'EEXIST' || attempt >= 3) throw err;
        }
        const holder = readHolder(this.path);
        if (holder && !abandoned(holder, this.path)) throw heldError(this.path, holder, what);
        this.removeAbandoned(holder);
      }
    } finally {
      unlinkSync(tmp);
    }
    this.held = true;
    this.timer = setInterval(() => this.touch(), LOCK_REFRESH_MS);
    this.timer.unref();
  }

  /**
   * Moves an abandoned lock aside. If another process replaced it between our read and
   * the move, what we moved is a live lock: it is put back, and the next attempt finds it.
   */
  private removeAbandoned(seen: LockHolder | undefined): void {
    const aside = `${this.path}.abandoned.${process.pid}`;
    try {
      renameSync(this.path, aside);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return;
      throw err;
    }
    const moved = readHolder(aside);
    if (seen && moved && (moved.pid !== seen.pid || moved.since !== seen.since)) {
      try {
        linkSync(aside, this.path);
      } catch {
        // a third process took it meanwhile; the next attempt reads it
      }
    }
    unlinkSync(aside);
  }

  private touch(): void {
    const now = new Date();
    try {
      utimesSync(this.path, now, now);
    } catch {
      // the directory went away; close() will find nothing to remove
    }
  }

  /** Lets go of the lock (idempotent). */
  release(): void {
    if (!this.held) return;
    this.held = false;
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    const holder = readHolder(this.path);
    if (holder?.pid === process.pid) {
      try {
        unlinkSync(this.path);
      } catch {
        // already gone
      }
    }
  }
}

/** Who holds the lock on `dir`, if anyone (a live holder; an abandoned lock counts as none). */
export function lockHolder(dir: string): LockHolder | undefined {
  const path = join(dir, 'LOCK');
  const holder = readHolder(path);
  return holder && !abandoned(holder, path) ? holder : undefined;
}

function heldError(path: string, holder: LockHolder, what: string): TandemError {
  return new TandemError(
    Code.FailedPrecondition,
    `${what} ${path.slice(0, -'/LOCK'.length)} is in use by pid ${holder.pid} on ${holder.hostname} (since ${holder.since}); stop that process first, or give this one its own work dir`,
  );
}

function readHolder(path: string): LockHolder | undefined {
  try {
    return JSON.parse(readFileSync(path, 'utf8')) as LockHolder;
  } catch {
    // absent, or written by a process that died before finishing it (it was never linked as the lock)
    return undefined;
  }
}

function abandoned(holder: LockHolder, path: string): boolean {
  const me = currentHolder();
  const local = holder.bootId !== undefined && holder.bootId === me.bootId && holder.pidNamespace !== undefined && holder.pidNamespace === me.pidNamespace;
  if (local) return startTicksOf(holder.pid) !== holder.startTicks;
  try {
    return Date.now() - statSync(path).mtimeMs > LOCK_STALE_MS;
  } catch {
    return true;
  }
}

let self: LockHolder | undefined;
function currentHolder(): LockHolder {
  self ??= {
    pid: process.pid,
    hostname: hostname(),
    bootId: readOr('/proc/sys/kernel/random/boot_id'),
    pidNamespace: linkOr('/proc/self/ns/pid'),
    startTicks: startTicksOf(process.pid),
    since: new Date().toISOString(),
  };
  return self;
}

/** Field 22 of /proc/PID/stat: when the process started, in clock ticks since boot. */
function startTicksOf(pid: number): string | undefined {
  const stat = readOr(`/proc/${pid}/stat`);
  if (stat === undefined) return undefined;
  // The command name (field 2) is in parentheses and may hold spaces.
  return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19];
}

function readOr(path: string): string | undefined {
  try {
    return readFileSync(path, 'utf8').trim();
  } catch {
    return undefined;
  }
}

function linkOr(path: string): string | undefined {
  try {
    return readlinkSync(path);
  } catch {
    return undefined;
  }
}
