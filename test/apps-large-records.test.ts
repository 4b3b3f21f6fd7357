import { join } from 'node:path';
import { FileStore, type Store } from '@tandem/store';
import { afterEach, describe, expect, it } from 'vitest';
import { api, deploymentsDone, startApps } from './support/apps.js';
import { cleanup, startMaster, tempDir, track } from './support/cluster.js';

// Large app definitions are written once per version of their own: deployments, root
// group versions and group changes of other apps refer to them by (id, version) and do
// not write them again; GET /v2/apps reads no store. No agent: every app has 0 instances.

afterEach(cleanup);

interface Write {
  key: string;
  bytes: number;
  text: string;
}

/** The store, with every put recorded (key, JSON size) and every read counted. */
function recording(store: Store): { store: Store; writes: Write[]; reads: () => number } {
  const writes: Write[] = [];
  let reads = 0;
  const wrapped = new Proxy(store, {
    get(target, prop, receiver) {
      const value = Reflect.get(target, prop, receiver) as unknown;
      if (typeof value !== 'function') return value;
      if (prop === 'put') {
        return (key: string, v: unknown, options?: { expectedRevision?: number }) => {
          const text = JSON.stringify(v);
          writes.push({ key, bytes: text.length, text });
          return target.put(key, v, options);
        };
      }
      if (prop === 'get' || prop === 'list') {
        return (...args: unknown[]) => {
          reads += 1;
          return (value as (...a: unknown[]) => unknown).apply(target, args);
        };
      }
      return (value as (...a: unknown[]) => unknown).bind(target);
    },
  });
  return { store: wrapped, writes, reads: () => reads };
}

const KIB = 1024;
const LARGE_APPS = 4;

/** An app of about `kib` KiB of labels and env, each value marked with the app's id. */
function largeApp(id: string, kib: number): Record<string, unknown> {
  const marker = `LARGE-${id.replace(/\//g, '_')}-`;
  const labels: Record<string, string> = {};
  const env: Record<string, string> = {};
  for (let i = 0; i < kib / 2; i++) {
    labels[`label-${i}`] = `${marker}${'l'.repeat(KIB - marker.length)}`;
    env[`VAR_${i}`] = `${marker}${'e'.repeat(KIB - marker.length)}`;
  }
  return { id, cmd: 'sleep 1000', instances: 0, cpus: 0.1, mem: 32, labels, env };
}

const markerOf = (id: string): string => `LARGE-${id.replace(/\//g, '_')}-`;

describe('apps: large records', () => {
  it('apps-large-records - a large app is written once; deployments, root versions and group changes of other apps do not write it again; GET /v2/apps reads no store', async () => {
    const master = await startMaster();
    const dir = join(tempDir('tandem-apps-large-'), 'store');
    const file = new FileStore({ dir });
    track(() => file.close());
    const rec = recording(file);
    // Group documents hold every app of the group: allow them past the default 1 MiB.
    const fw = await startApps(master, { store: rec.store, maxBodyBytes: 8 * 1024 * KIB });
    const large = Array.from({ length: LARGE_APPS }, (_, i) => `/big/app-${i}`);
    for (const [i, id] of large.entries()) {
      const r = await api(fw.url, 'POST', '/v2/apps', largeApp(id, 200 + i * 100));
      expect(r.status, id).toBe(201);
    }
    await deploymentsDone(fw.url);
    // Each large definition went to the store once: its version (not also the app key, the deployment's target, ...).
    for (const id of large) {
      const holding = rec.writes.filter((w) => w.text.includes(markerOf(id)));
      expect(holding, id).toHaveLength(1);
      expect(holding[0]!.key).toMatch(/^apps\/version\//);
      expect(holding[0]!.bytes).toBeGreaterThan(200 * KIB);
    }
    const written = rec.writes.length;

    // A handful of deployments of another, small app, and of a group holding the large ones.
    expect((await api(fw.url, 'POST', '/v2/apps', { id: '/small', cmd: 'sleep 1000', instances: 0 })).status).toBe(201);
    await deploymentsDone(fw.url);
    expect((await api(fw.url, 'PUT', '/v2/apps/small', { instances: 0, cmd: 'sleep 999' })).status).toBe(200);
    await deploymentsDone(fw.url);
    expect((await api(fw.url, 'POST', '/v2/apps/small/restart')).status).toBe(200);
    await deploymentsDone(fw.url);
    expect((await api(fw.url, 'PUT', '/v2/groups/team', { apps: [{ id: 'web', cmd: 'sleep 1000', instances: 0 }] })).status).toBe(200);
    await deploymentsDone(fw.url);
    // The whole /big group again, as a client GETs and PUTs it back, plus one new small app: only that one is deployed.
    const big = (await api(fw.url, 'GET', '/v2/groups/big')).body;
    const before = (await api(fw.url, 'GET', '/v2/apps/big/app-0')).body.app;
    const asSent = big.apps.map(({ ports: _ports, ...app }: Record<string, unknown>) => app); // GET shows ports and portDefinitions; a body gives one
    const put = await api(fw.url, 'PUT', '/v2/groups/big', { apps: [...asSent, { id: 'tiny', cmd: 'sleep 1000', instances: 0 }] });
    expect(put.status).toBe(200);
    await deploymentsDone(fw.url);
    const after = (await api(fw.url, 'GET', '/v2/apps/big/app-0')).body.app;
    expect(after.version).toBe(before.version);
    expect((await api(fw.url, 'GET', '/v2/apps/big/tiny')).status).toBe(200);

    const later = rec.writes.slice(written);
    expect(later.length).toBeGreaterThan(10);
    for (const w of later) {
      for (const id of large) expect(w.text.includes(markerOf(id)), `${w.key} holds ${id}`).toBe(false);
      expect(w.bytes, w.key).toBeLessThan(8 * KIB);
    }
    expect(later.some((w) => w.key.startsWith('apps/deployment/'))).toBe(true);
    expect(later.some((w) => w.key.startsWith('apps/root/'))).toBe(true);

    // GET /v2/apps answers every app from memory: not one store read.
    const readsBefore = rec.reads();
    const list = await api(fw.url, 'GET', '/v2/apps');
    expect(list.status).toBe(200);
    expect(list.body.apps.map((a: { id: string }) => a.id)).toEqual([...large, '/big/tiny', '/small', '/team/web']);
    expect(list.body.apps[0].labels['label-0']).toMatch(/^LARGE-/);
    expect(rec.reads()).toBe(readsBefore);

    // Versions, group versions and a rollback of the large app work from the stored versions.
    expect((await api(fw.url, 'GET', '/v2/apps/big/app-0/versions')).body.versions).toEqual([before.version]);
    const groupVersions = (await api(fw.url, 'GET', '/v2/groups/versions')).body as string[];
    const first = (await api(fw.url, 'GET', `/v2/groups/versions/${groupVersions.at(-1)}`)).body;
    expect(first.groups[0].apps[0].labels['label-0']).toMatch(/^LARGE-/);
    expect((await api(fw.url, 'PATCH', '/v2/apps/big/app-0', { instances: 0, labels: { small: 'now' } })).status).toBe(200);
    await deploymentsDone(fw.url);
    const back = await api(fw.url, 'PUT', '/v2/apps/big/app-0', { version: before.version });
    expect(back.status).toBe(200);
    await deploymentsDone(fw.url);
    expect((await api(fw.url, 'GET', '/v2/apps/big/app-0')).body.app.labels).toEqual(before.labels);

    // The layout reloads: a restarted framework on the same store has every app.
    await fw.stop();
    await file.close();
    const reopened = new FileStore({ dir });
    track(() => reopened.close());
    const again = await startApps(master, { store: reopened });
    const reloaded = (await api(again.url, 'GET', '/v2/apps')).body.apps;
    expect(reloaded.map((a: { id: string }) => a.id)).toEqual([...large, '/big/tiny', '/small', '/team/web']);
    expect(reloaded[1].env).toEqual(largeApp(large[1]!, 300).env);
  });
});
