import { Code, TandemError } from '@tandem/protocol';
import { MemoryStore, type Store } from '@tandem/store';
import { describe, expect, it } from 'vitest';
import type { AppDefinition } from '../app/app-definition.js';
import { validateApp } from '../app/validate-app.js';
import { AppsRepository } from './apps-repository.js';
import type { Deployment } from './deployment.js';
import { keys } from './store-keys.js';

const appAt = (id: string, version: string, extra: Record<string, unknown> = {}): AppDefinition =>
  validateApp(
    { id, cmd: 'x', instances: 0, ...extra },
    { maxInstances: 10 },
    { version, versionInfo: { lastScalingAt: version, lastConfigChangeAt: version } },
  );

const deploymentOf = (id: string, original: Record<string, AppDefinition | null>, target: Record<string, AppDefinition | null>): Deployment => ({
  id,
  version: 'v9',
  affectedApps: Object.keys(target).sort(),
  steps: [{ actions: Object.keys(target).map((app) => ({ action: 'ScaleApplication' as const, app })) }],
  currentStep: 0,
  state: 'running',
  original,
  target,
  startedAt: 1,
});

describe('apps repository layout', () => {
  it('apps-repository - an app version is stored once; the app key and deployments name versions; a reload resolves them', async () => {
    const store = new MemoryStore();
    const repo = new AppsRepository(store, 50);
    const v1 = appAt('/web', '2024-01-01T00:00:00.001Z', { labels: { big: 'x'.repeat(1000) } });
    const v2 = { ...v1, instances: 3, version: '2024-01-01T00:00:00.002Z' };
    await repo.putApp(v1);
    const d = deploymentOf('d1', { '/web': v1, '/gone': null }, { '/web': v2, '/gone': null });
    await repo.putDeployment(d);
    await repo.putApp(v2);
    expect((await store.get(keys.app('/web')))?.value).toEqual({ id: '/web', current: v2.version });
    const stored = (await store.get(keys.deployment('d1')))?.value as Record<string, unknown>;
    expect(stored.original).toBeUndefined();
    expect(stored.originalVersions).toEqual({ '/web': v1.version, '/gone': null });
    expect(stored.targetVersions).toEqual({ '/web': v2.version, '/gone': null });
    expect(JSON.stringify(stored)).not.toContain('xxxxxxxxxx');
    expect((await store.list(keys.versionsOf('/web'))).map((e) => e.value)).toEqual([v1, v2]);

    const again = new AppsRepository(store, 50);
    await again.load();
    expect(again.apps.get('/web')).toEqual(v2);
    expect(again.deployments.get('d1')).toEqual(d);
    expect(await again.versions('/web')).toEqual([v2.version, v1.version]);
  });

  it('apps-repository - stores of the old layout (whole definitions in the app key and in deployments) still load, and are written in the new one from then on', async () => {
    const store = new MemoryStore();
    const v1 = appAt('/api', '2023-05-01T00:00:00.001Z');
    const v2 = { ...v1, cmd: 'y', version: '2023-05-01T00:00:00.002Z' };
    await store.put(keys.version('/api', v1.version), v1);
    await store.put(keys.version('/api', v2.version), v2);
    await store.put(keys.app('/api'), v2);
    const old = deploymentOf('old', { '/api': v1 }, { '/api': v2 });
    await store.put(keys.deployment('old'), old);
    await store.put(keys.root(v2.version), { version: v2.version, apps: { '/api': v2.version }, groups: { '/': v2.version } });

    const repo = new AppsRepository(store, 50);
    await repo.load();
    expect(repo.apps.get('/api')).toEqual(v2);
    expect(repo.deployments.get('old')).toEqual(old);
    expect(await repo.versions('/api')).toEqual([v2.version, v1.version]);
    expect(await repo.version('/api', v1.version)).toEqual(v1);

    // The deployment steps on: written as versions now.
    const moved = { ...repo.deployments.get('old')!, currentStep: 1 };
    await repo.putDeployment(moved);
    expect((await store.get(keys.deployment('old')))?.value).toMatchObject({
      originalVersions: { '/api': v1.version },
      targetVersions: { '/api': v2.version },
    });
    const v3 = { ...v2, instances: 2, version: '2023-05-01T00:00:00.003Z' };
    await repo.putApp(v3);
    expect((await store.get(keys.app('/api')))?.value).toEqual({ id: '/api', current: v3.version });
    const reloaded = new AppsRepository(store, 50);
    await reloaded.load();
    expect(reloaded.apps.get('/api')).toEqual(v3);
    expect(reloaded.deployments.get('old')).toEqual(moved);
  });

  it('apps-repository - versions a running deployment refers to are kept past maxVersions and past the app; they go when it ends', async () => {
    const store = new MemoryStore();
    const repo = new AppsRepository(store, 2);
    const at = (n: number) => appAt('/a', `2024-01-01T00:00:00.00${n}Z`, { instances: n });
    await repo.putApp(at(1));
    await repo.putDeployment(deploymentOf('d', { '/a': at(1) }, { '/a': null }));
    for (const n of [2, 3, 4]) await repo.putApp(at(n));
    expect(await repo.versions('/a')).toEqual([at(4).version, at(3).version, at(1).version]);
    await repo.deleteApp('/a');
    expect(await repo.versions('/a')).toEqual([at(1).version]);
    await repo.deleteDeployment('d');
    expect(await repo.versions('/a')).toEqual([]);
    expect(await store.list('apps/version/')).toEqual([]);
  });

  it('apps-repository - a deployment naming a version that is not stored stops the load', async () => {
    const store = new MemoryStore();
    await store.put(keys.deployment('d'), {
      ...deploymentOf('d', {}, {}),
      original: undefined,
      target: undefined,
      originalVersions: {},
      targetVersions: { '/x': 'v1' },
    });
    await expect(new AppsRepository(store, 50).load()).rejects.toThrow(/refers to app \/x version v1, which is not stored/);
  });

  it('apps-repository - a change is one batch: its writes are issued together, and when one fails nothing changes in memory', async () => {
    const store = new MemoryStore();
    const repo = new AppsRepository(store, 50);
    await repo.putApp(appAt('/keep', '2024-01-01T00:00:00.001Z'));
    let issued = 0;
    const failing = new Proxy(store, {
      get(target, prop, receiver) {
        if (prop !== 'put') return Reflect.get(target, prop, receiver);
        return (key: string, value: unknown) => {
          issued += 1;
          return key.startsWith('apps/root/') ? Promise.reject(new TandemError(Code.Unavailable, 'disk full')) : target.put(key, value);
        };
      },
    }) as Store;
    const broken = new AppsRepository(failing, 50);
    await broken.load();
    const next = appAt('/new', '2024-01-01T00:00:00.002Z');
    const d = deploymentOf('d', { '/new': null }, { '/new': next });
    const pending = broken.commit({ deployment: d, apps: new Map([['/new', next]]), rootVersion: next.version });
    expect(issued).toBe(4); // version, deployment, app, root: all issued before commit awaits anything (one turn, one batch)
    await expect(pending).rejects.toThrow(/disk full/);
    expect([...broken.apps.keys()]).toEqual(['/keep']);
    expect(broken.deployments.size).toBe(0);
    expect(broken.roots).toEqual([]);
    expect(await broken.versions('/new')).toEqual([]);
  });
});
