import { execFileSync } from 'node:child_process';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Master } from '@tandem/master';
import { type Event, schedulerClient } from '@tandem/protocol';
import { afterEach, describe, expect, it } from 'vitest';
import { api, withApps } from './support/apps.js';
import { cleanup, startMaster, tempDir, track } from './support/cluster.js';
import { withJobs } from './support/jobs.js';

// A store on a tiny filesystem that fills up: writes fail with a clear error, the APIs
// answer 503 / UNAVAILABLE, nothing half-written is acknowledged, and after space is
// freed and the process restarted every acknowledged write is there. The filesystem is
// a real tmpfs mounted for the test (root, as the test command runs).

afterEach(cleanup);

/** A fresh tmpfs of `size` mounted on a temp dir, unmounted after the test. */
function tinyFilesystem(size: string): string {
  const dir = tempDir('tandem-full-');
  execFileSync('mount', ['-t', 'tmpfs', '-o', `size=${size}`, 'tmpfs', dir]);
  track(() => void execFileSync('umount', ['-l', dir]));
  return dir;
}

/** Fills the filesystem of `dir` with a file until it is full (or leaves `leave` bytes free, roughly). */
function fill(dir: string, leave = 0): string {
  const path = join(dir, 'filler');
  const free = Number(execFileSync('df', ['--output=avail', '-B1', dir]).toString().split('\n')[1]);
  try {
    writeFileSync(path, Buffer.alloc(Math.max(0, free - leave)));
  } catch {
    // full: what was written stays
  }
  return path;
}

describe('store on a full disk', () => {
  it('store-full - apps: writes past a full disk answer 503 naming the cause, reads keep working, and every acknowledged app survives a restart once space is freed', async () => {
    const master = await startMaster();
    const fs = tinyFilesystem('1m');
    const storeDir = join(fs, 'store');
    mkdirSync(storeDir);
    const acknowledged: string[] = [];
    let filler = '';
    await withApps(master, storeDir, async (url) => {
      filler = fill(fs, 48 * 1024);
      let refused: { status: number; body: { message: string } } | undefined;
      for (let i = 0; i < 200 && !refused; i++) {
        const id = `/app-${i}`;
        const reply = await api(url, 'POST', '/v2/apps', { id, cmd: 'sleep 100', instances: 0, cpus: 0.1, mem: 32, labels: { pad: 'x'.repeat(2000) } });
        if (reply.status === 201) acknowledged.push(id);
        else refused = reply;
      }
      expect(acknowledged.length).toBeGreaterThan(0);
      expect(refused?.status).toBe(503);
      expect(refused?.body.message).toMatch(/ENOSPC/);
      // Reads keep working, and show exactly what was acknowledged.
      const listed = await api(url, 'GET', '/v2/apps');
      expect(listed.status).toBe(200);
      expect(listed.body.apps.map((a: { id: string }) => a.id).sort()).toEqual([...acknowledged].sort());
      // Further writes are refused the same way, even small ones.
      rmSync(filler);
      const again = await api(url, 'POST', '/v2/apps', { id: '/small', cmd: 'sleep 1', instances: 0, cpus: 0.1, mem: 32 });
      expect(again.status).toBe(503);
      expect(again.body.message).toMatch(/writes nothing more until it is restarted/);
    });
    // Space is free; the restarted framework has every acknowledged app and can write again.
    await withApps(master, storeDir, async (url) => {
      const listed = (await api(url, 'GET', '/v2/apps')).body.apps.map((a: { id: string }) => a.id).sort();
      expect(listed).toEqual([...acknowledged].sort());
      expect((await api(url, 'POST', '/v2/apps', { id: '/after', cmd: 'sleep 1', instances: 0, cpus: 0.1, mem: 32 })).status).toBe(201);
    });
  });

  it('store-full - jobs: a job past a full disk is 503 naming the cause; the acknowledged ones survive a restart once space is freed', async () => {
    const master = await startMaster();
    const fs = tinyFilesystem('1m');
    const storeDir = join(fs, 'jobs');
    const acknowledged: string[] = [];
    await withJobs(master, storeDir, async (url) => {
      const filler = fill(fs, 48 * 1024);
      let refused: { status: number; body: { message: string } } | undefined;
      for (let i = 0; i < 200 && !refused; i++) {
        const id = `job-${i}`;
        const reply = await api(url, 'POST', '/v1/jobs', { id, labels: { pad: 'x'.repeat(2000) }, run: { cmd: 'true', cpus: 0.1, mem: 32 } });
        if (reply.status === 201) acknowledged.push(id);
        else refused = reply;
      }
      expect(acknowledged.length).toBeGreaterThan(0);
      expect(refused?.status).toBe(503);
      expect(JSON.stringify(refused?.body)).toMatch(/ENOSPC/);
      expect((await api(url, 'GET', '/v1/jobs')).body.map((j: { id: string }) => j.id).sort()).toEqual([...acknowledged].sort());
      rmSync(filler);
    });
    await withJobs(master, storeDir, async (url) => {
      expect((await api(url, 'GET', '/v1/jobs')).body.map((j: { id: string }) => j.id).sort()).toEqual([...acknowledged].sort());
      expect((await api(url, 'POST', '/v1/jobs', { id: 'after', run: { cmd: 'true', cpus: 0.1, mem: 32 } })).status).toBe(201);
    });
  });

  it('store-full - master: a framework subscribing when the registry cannot write gets UNAVAILABLE with the cause and is not admitted; the ones acknowledged before survive a restart', async () => {
    const fs = tinyFilesystem('256k');
    const workDir = join(fs, 'master');
    const master = await startMaster({ workDir });
    fill(fs);
    const client = schedulerClient(master.address);
    track(() => client.close());
    /** One SUBSCRIBE: the framework id, or the status it was refused with. */
    const subscribe = (name: string): Promise<{ id: string } | { code: number; details: string }> =>
      new Promise((resolve) => {
        const sub = client.subscribe({ frameworkInfo: { name, failoverTimeoutSeconds: 600 } });
        sub.on('data', (e: Event) => {
          if (e.event !== 'subscribed') return;
          resolve({ id: e.subscribed?.frameworkId ?? '' });
          sub.cancel();
        });
        sub.on('error', (err: { code: number; details: string }) => resolve(err));
      });
    // The log's last page has room for a few records; then the disk is full.
    const admitted: string[] = [];
    let refused: { code: number; details: string } | undefined;
    for (let i = 0; i < 200 && !refused; i++) {
      const r = await subscribe(`fw-${i}-${'x'.repeat(200)}`);
      if ('id' in r) admitted.push(r.id);
      else refused = r;
    }
    expect(refused?.code).toBe(14); // UNAVAILABLE
    expect(refused?.details).toMatch(/ENOSPC/);
    const listed = () => (master.state().frameworks ?? []).map((f) => f.info?.id ?? '').sort();
    expect(listed()).toEqual([...admitted].sort());
    // The master says so where operators and probes look.
    const health = await fetch(`http://127.0.0.1:${master.httpPort}/health`);
    expect(health.status).toBe(503);
    expect(await health.json()).toMatchObject({ status: 'registry-failed', message: expect.stringMatching(/ENOSPC/) });
    await master.stop();
    // Restarted on the same, still full, registry: exactly the acknowledged frameworks.
    const again = new Master({ host: '127.0.0.1', port: 0, httpPort: -1, workDir });
    await again.start();
    track(() => again.stop());
    expect((again.state().frameworks ?? []).map((f) => f.info?.id ?? '').sort()).toEqual([...admitted].sort());
  });
});
