import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { DirLock, LOCK_STALE_MS, lockHolder } from './dir-lock.js';

const tmp = (): string => mkdtempSync(join(tmpdir(), 'tandem-lock-'));

describe('DirLock', () => {
  it('dir-lock - one holder at a time; the second is told the pid; release lets the next in', () => {
    const dir = tmp();
    const a = DirLock.acquire(dir);
    expect(lockHolder(dir)?.pid).toBe(process.pid);
    expect(() => DirLock.acquire(dir, 'registry')).toThrow(new RegExp(`^registry ${dir} is in use by pid ${process.pid} on `));
    a.release();
    expect(lockHolder(dir)).toBeUndefined();
    DirLock.acquire(dir).release();
  });

  it('dir-lock - a lock left by a process that has exited is taken over at once', () => {
    const dir = tmp();
    // A real process takes the lock and exits without releasing it (as a SIGKILL would leave it).
    const child = spawnSync(process.execPath, [
      '--input-type=module',
      '-e',
      `
      import { DirLock } from ${JSON.stringify(new URL('../dist/dir-lock.js', import.meta.url).href)};
      DirLock.acquire(${JSON.stringify(dir)});
      process.exit(0);
    `,
    ]);
    expect(child.status, child.stderr.toString()).toBe(0);
    const left = JSON.parse(readFileSync(join(dir, 'LOCK'), 'utf8')) as { pid: number };
    expect(left.pid).toBe(child.pid);
    expect(lockHolder(dir)).toBeUndefined();
    const b = DirLock.acquire(dir);
    expect(lockHolder(dir)?.pid).toBe(process.pid);
    b.release();
  });

  it('dir-lock - a holder that cannot be checked (another host or pid namespace) holds until its lock goes untouched', () => {
    const dir = tmp();
    const foreign = { pid: 4242, hostname: 'elsewhere', bootId: 'another-boot', pidNamespace: 'pid:[1]', startTicks: '1', since: new Date().toISOString() };
    writeFileSync(join(dir, 'LOCK'), JSON.stringify(foreign));
    expect(() => DirLock.acquire(dir)).toThrow(/in use by pid 4242 on elsewhere/);
    const old = new Date(Date.now() - LOCK_STALE_MS - 5_000);
    utimesSync(join(dir, 'LOCK'), old, old);
    const c = DirLock.acquire(dir);
    expect(lockHolder(dir)?.pid).toBe(process.pid);
    c.release();
  });
});
