import { MemoryStore } from '@tandem/store';
import { describe, expect, it } from 'vitest';
import type { AppDefinition } from '../app/app-definition.js';
import { validateApp } from '../app/validate-app.js';
import { AppsRepository } from './apps-repository.js';
import { ancestorGroups, hasGroup, nextRoot } from './group-versions.js';

const appAt = (id: string, version: string): AppDefinition =>
  validateApp({ id, cmd: 'x', instances: 0 }, { maxInstances: 10 }, { version, versionInfo: { lastScalingAt: version, lastConfigChangeAt: version } });

describe('group versions', () => {
  it('group-versions - ancestors of an app, outermost first', () => {
    expect(ancestorGroups('/a')).toEqual(['/']);
    expect(ancestorGroups('/a/b/c')).toEqual(['/', '/a', '/a/b']);
  });

  it('group-versions - a change moves the root and the groups holding what changed; the others keep their version', () => {
    const r1 = nextRoot(undefined, { '/shop/web': 'v1', '/shop/back/q': 'v1', '/blog/site': 'v1' }, 'v1');
    expect(r1.groups).toEqual({ '/': 'v1', '/shop': 'v1', '/shop/back': 'v1', '/blog': 'v1' });
    const r2 = nextRoot(r1, { '/shop/web': 'v1', '/shop/back/q': 'v2', '/blog/site': 'v1' }, 'v2');
    expect(r2.groups).toEqual({ '/': 'v2', '/shop': 'v2', '/shop/back': 'v2', '/blog': 'v1' });
    // Removing an app moves its groups too; a new group starts at the change.
    const r3 = nextRoot(r2, { '/shop/back/q': 'v2', '/blog/site': 'v1', '/new/x': 'v3' }, 'v3');
    expect(r3.groups).toEqual({ '/': 'v3', '/shop': 'v3', '/shop/back': 'v2', '/blog': 'v1', '/new': 'v3' });
    expect(hasGroup(r3, '/shop/back')).toBe(true);
    expect(hasGroup(r3, '/shop/back/q')).toBe(false); // an app, not a group
    expect(hasGroup(nextRoot(r3, {}, 'v4'), '/')).toBe(true);
  });

  it('group-versions - stored groups (empty ones too) are in the root; a new or changed one moves itself and the groups holding it', () => {
    const r1 = nextRoot(undefined, { '/blog/site': 'v1' }, 'v1', { '/team/a': [] });
    expect(r1.groups).toEqual({ '/': 'v1', '/blog': 'v1', '/team': 'v1', '/team/a': 'v1' });
    expect(r1.stored).toEqual({ '/team/a': [] });
    const r2 = nextRoot(r1, { '/blog/site': 'v1' }, 'v2', { '/team/a': ['/blog'], '/team/b': [] });
    expect(r2.groups).toEqual({ '/': 'v2', '/blog': 'v1', '/team': 'v2', '/team/a': 'v2', '/team/b': 'v2' });
    const r3 = nextRoot(r2, { '/blog/site': 'v1' }, 'v3', { '/team/a': ['/blog'] });
    expect(r3.groups).toEqual({ '/': 'v3', '/blog': 'v1', '/team': 'v3', '/team/a': 'v2' });
    expect(nextRoot(r3, { '/blog/site': 'v1' }, 'v4').stored).toBeUndefined();
  });

  it('group-versions - the repository keeps maxVersions roots; a dropped root takes the versions only it referred to of deleted apps', async () => {
    const store = new MemoryStore();
    const repo = new AppsRepository(store, 2);
    await repo.putApp(appAt('/g/a', 'v1'));
    await repo.recordRoot('v1');
    await repo.deleteApp('/g/a'); // v1 of /g/a stays: root v1 refers to it
    expect(await repo.version('/g/a', 'v1')).toBeDefined();
    await repo.recordRoot('v2');
    await repo.putApp(appAt('/b', 'v3'));
    await repo.recordRoot('v3'); // drops root v1, and with it /g/a v1
    expect(repo.roots.map((r) => r.version)).toEqual(['v2', 'v3']);
    expect(await repo.version('/g/a', 'v1')).toBeUndefined();
    expect(await repo.version('/b', 'v3')).toBeDefined();
    // Roots are durable.
    const again = new AppsRepository(store, 2);
    await again.load();
    expect(again.roots).toEqual(repo.roots);
    expect(again.root('v3')?.apps).toEqual({ '/b': 'v3' });
  });
});
