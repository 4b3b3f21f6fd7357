import type { ChildProcess } from 'node:child_process';
import { afterEach, describe, expect, it } from 'vitest';
import { spawnApps } from './support/apps-process.js';
import { cleanup, sigkillChild, spawnTandem, startMaster, tempDir, waitFor } from './support/cluster.js';
import { spawnJobs } from './support/jobs-process.js';

// One process per work dir: a second master, apps or jobs process on a work dir that
// another one holds exits at once, non-zero, naming the holder's pid; once the holder
// is gone (even SIGKILLed, leaving its lock file behind) the next one starts.

afterEach(cleanup);

function exited(child: ChildProcess): Promise<number | null> {
  return new Promise((resolve) => {
    if (child.exitCode !== null) return resolve(child.exitCode);
    child.once('exit', (code) => resolve(code));
  });
}

async function spawnMaster(workDir: string): Promise<{ child: ChildProcess; output(): string }> {
  const p = spawnTandem(['master', '--host', '127.0.0.1', '--port', '0', '--http-port', '-1', '--work-dir', workDir]);
  await waitFor(() => /tandem master: gRPC/.test(p.output()) || p.child.exitCode !== null, 'the master to start');
  return p;
}

describe('one process per work dir', () => {
  it("store-lock - a second master on a work dir exits non-zero naming the first one's pid; after a SIGKILL of the first, a new one starts", async () => {
    const workDir = tempDir('tandem-lock-master-');
    const first = await spawnMaster(workDir);
    expect(first.child.exitCode).toBeNull();
    const second = spawnTandem(['master', '--host', '127.0.0.1', '--port', '0', '--http-port', '-1', '--work-dir', workDir]);
    expect(await exited(second.child)).not.toBe(0);
    expect(second.output()).toMatch(new RegExp(`registry is in use by pid ${first.child.pid}|in use by pid ${first.child.pid}`));
    expect(first.child.exitCode).toBeNull();
    await sigkillChild(first.child);
    const third = await spawnMaster(workDir);
    expect(third.child.exitCode, third.output()).toBeNull();
  });

  it("store-lock - a second apps or jobs process on a work dir exits non-zero naming the first one's pid", async () => {
    const master = await startMaster();
    const appsDir = tempDir('tandem-lock-apps-');
    const apps = await spawnApps(master.address, appsDir);
    const secondApps = spawnTandem(['apps', 'serve', '--master', master.address, '--host', '127.0.0.1', '--port', '0', '--work-dir', appsDir]);
    expect(await exited(secondApps.child)).not.toBe(0);
    expect(secondApps.output()).toContain(`in use by pid ${apps.child.pid}`);

    const jobsDir = tempDir('tandem-lock-jobs-');
    const jobs = await spawnJobs(master.address, jobsDir);
    const secondJobs = spawnTandem(['jobs', 'serve', '--master', master.address, '--host', '127.0.0.1', '--port', '0', '--work-dir', jobsDir]);
    expect(await exited(secondJobs.child)).not.toBe(0);
    expect(secondJobs.output()).toContain(`in use by pid ${jobs.child.pid}`);
    expect(apps.child.exitCode).toBeNull();
    expect(jobs.child.exitCode).toBeNull();
  });
});
