import { copyFileSync, existsSync, mkdirSync, readFileSync, truncateSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Master } from '@tandem/master';
import { FileStore } from '@tandem/store';
import { afterEach, describe, expect, it } from 'vitest';
import { api, withApps } from './support/apps.js';
import { cleanup, startDriver, startMaster, tempDir } from './support/cluster.js';
import { withJobs } from './support/jobs.js';

// Crash consistency of the three stores as the services write them (master registry,
// apps, jobs): a crash can leave the last record of a log cut at any byte. For every
// such cut the store reopens to exactly what it held before that record (the
// acknowledged prefix); a garbage line in the middle is a refusal; and for a few cuts
// the real service starts on the cut store, writes, and the write survives its restart.

afterEach(cleanup);

type Contents = Record<string, unknown>;

/** What a store directory holds, read by a FileStore that is closed again at once. */
async function contents(dir: string): Promise<Contents> {
  const s = new FileStore({ dir });
  try {
    return Object.fromEntries((await s.list('')).map((e) => [e.key, e.value]));
  } finally {
    await s.close();
  }
}

/** A copy of a store directory (log and snapshot, not its lock) with the log cut at `cut` bytes. */
function cutCopy(storeDir: string, cut: number, into = join(tempDir('tandem-cut-'), 'store')): string {
  mkdirSync(into, { recursive: true });
  for (const f of ['store.log', 'store.snapshot']) if (existsSync(join(storeDir, f))) copyFileSync(join(storeDir, f), join(into, f));
  truncateSync(join(into, 'store.log'), cut);
  return into;
}

/**
 * Every cut inside the log's last record reopens to the prefix; a garbage line before
 * the last record is refused naming the file and offset. Returns the prefix, and the
 * offsets of the last record.
 */
async function crashMatrix(storeDir: string): Promise<{ prefix: Contents; start: number; size: number }> {
  const log = readFileSync(join(storeDir, 'store.log'));
  const start = log.lastIndexOf(0x0a, log.length - 2) + 1;
  expect(start).toBeGreaterThan(0);
  const prefix = await contents(cutCopy(storeDir, start));
  expect(await contents(cutCopy(storeDir, log.length))).not.toEqual(prefix); // the last record changed something
  for (let cut = start; cut < log.length; cut++) {
    expect(await contents(cutCopy(storeDir, cut)), `log cut at byte ${cut} of ${log.length}`).toEqual(prefix);
  }
  const damaged = cutCopy(storeDir, log.length);
  writeFileSync(join(damaged, 'store.log'), Buffer.concat([log.subarray(0, start), Buffer.from('{"k":"garbage"}\n'), log.subarray(start)]));
  expect(() => new FileStore({ dir: damaged })).toThrow(new RegExp(`store\\.log: the record at offset ${start} is damaged and whole records follow`));
  return { prefix, start, size: log.length };
}

/** Three cuts worth starting a real service on: just inside the record, its middle, and all but its newline. */
const serviceCuts = (m: { start: number; size: number }): number[] => [m.start + 1, Math.floor((m.start + m.size) / 2), m.size - 1];

const keysUnder = (c: Contents, prefix: string): string[] =>
  Object.keys(c)
    .filter((k) => k.startsWith(prefix))
    .sort();

describe('store crash consistency', () => {
  it('store-crash - master registry: every cut of its last record reopens to the prefix; a master started on it writes what survives its restart', async () => {
    const workDir = join(tempDir('tandem-crash-master-'), 'master');
    const first = await startMaster({ workDir });
    for (const name of ['one', 'two', 'three']) await startDriver(first, { name });
    await first.stop();
    await cleanup();
    const matrix = await crashMatrix(join(workDir, 'registry'));
    expect(keysUnder(matrix.prefix, 'frameworks/').length).toBeGreaterThanOrEqual(2);

    for (const cut of serviceCuts(matrix)) {
      const copyDir = join(tempDir('tandem-crash-master-'), 'master');
      cutCopy(join(workDir, 'registry'), cut, join(copyDir, 'registry'));
      const master = await startMaster({ workDir: copyDir });
      // The recovered frameworks are the prefix's.
      const recovered = (master.state().frameworks ?? []).map((f) => `frameworks/${f.info?.id}`).sort();
      expect(recovered, `cut at ${cut}`).toEqual(keysUnder(matrix.prefix, 'frameworks/'));
      const driver = await startDriver(master, { name: 'after-crash' });
      const id = driver.frameworkId;
      await driver.stop();
      await master.stop();
      await cleanup();
      const after = await contents(join(copyDir, 'registry'));
      expect(after, `cut at ${cut}`).toMatchObject(matrix.prefix);
      expect(after[`frameworks/${id}`], `cut at ${cut}`).toBeDefined();
    }
  });

  it('store-crash - apps store: every cut of its last record reopens to the prefix; apps started on it serves the prefix and keeps a new app across its restart', async () => {
    const master = await startMaster();
    const dir = join(tempDir('tandem-crash-apps-'), 'store');
    await withApps(master, dir, async (url) => {
      for (const id of ['/one', '/two', '/three'])
        expect((await api(url, 'POST', '/v2/apps', { id, cmd: 'sleep 100', instances: 0, cpus: 0.1, mem: 16 })).status).toBe(201);
    });
    const matrix = await crashMatrix(dir);

    for (const cut of serviceCuts(matrix)) {
      const copy = cutCopy(dir, cut);
      const expected = await contents(copy);
      await withApps(master, copy, async (url) => {
        const listed = (await api(url, 'GET', '/v2/apps')).body.apps.map((a: { id: string }) => a.id).sort();
        const stored = keysUnder(expected, 'apps/app/').map((k) => k.slice('apps/app'.length));
        expect(listed, `cut at ${cut}`).toEqual(stored);
        expect((await api(url, 'POST', '/v2/apps', { id: '/after-crash', cmd: 'sleep 100', instances: 0, cpus: 0.1, mem: 16 })).status).toBe(201);
      });
      await withApps(master, copy, async (url) => {
        expect((await api(url, 'GET', '/v2/apps/after-crash')).status, `cut at ${cut}`).toBe(200);
      });
    }
  });

  it('store-crash - jobs store: every cut of its last record reopens to the prefix; jobs started on it serves the prefix and keeps a new job across its restart', async () => {
    const master = await startMaster();
    const dir = join(tempDir('tandem-crash-jobs-'), 'jobs');
    const job = (id: string) => ({ id, run: { cmd: 'true', cpus: 0.1, mem: 32 } });
    await withJobs(master, dir, async (url) => {
      for (const id of ['one', 'two', 'three']) expect((await api(url, 'POST', '/v1/jobs', job(id))).status).toBe(201);
    });
    const matrix = await crashMatrix(dir);

    for (const cut of serviceCuts(matrix)) {
      const copy = cutCopy(dir, cut);
      const expected = await contents(copy);
      await withJobs(master, copy, async (url) => {
        const listed = (await api(url, 'GET', '/v1/jobs')).body.map((j: { id: string }) => j.id).sort();
        expect(listed, `cut at ${cut}`).toEqual(keysUnder(expected, 'jobs/').map((k) => k.slice('jobs/'.length)));
        expect((await api(url, 'POST', '/v1/jobs', job('after-crash'))).status).toBe(201);
      });
      await withJobs(master, copy, async (url) => {
        expect((await api(url, 'GET', '/v1/jobs/after-crash')).status, `cut at ${cut}`).toBe(200);
      });
    }
  });

  it('store-crash - a master on a registry damaged in the middle refuses to start, naming the file and offset', async () => {
    const workDir = join(tempDir('tandem-crash-master-'), 'master');
    const first = await startMaster({ workDir });
    for (const name of ['one', 'two']) await startDriver(first, { name });
    await first.stop();
    await cleanup();
    const log = join(workDir, 'registry', 'store.log');
    const bytes = readFileSync(log);
    const start = bytes.lastIndexOf(0x0a, bytes.length - 2) + 1;
    writeFileSync(log, Buffer.concat([bytes.subarray(0, start), Buffer.from('not a record\n'), bytes.subarray(start)]));
    const master = new Master({ host: '127.0.0.1', port: 0, httpPort: -1, workDir });
    await expect(master.start()).rejects.toMatchObject({
      code: 'DATA_LOSS',
      message: expect.stringContaining(`store.log: the record at offset ${start} is damaged`),
    });
    await master.stop();
  });
});
