import type { Master } from '@tandem/master';
import { afterEach, describe, expect, it } from 'vitest';
import { api, startApps } from './support/apps.js';
import { cleanup, startMaster } from './support/cluster.js';

// Marathon app features through a real apps framework and master: what is not supported
// is refused by name (pods 501, residency and the other unsupported fields 422), never
// accepted and dropped.

afterEach(cleanup);

async function framework(): Promise<{ master: Master; url: string }> {
  const master = await startMaster();
  const fw = await startApps(master);
  return { master, url: fw.url };
}

describe('apps marathon features', () => {
  it('apps features - /v2/pods and everything under it answer 501 with a JSON message naming pods as not supported yet', async () => {
    const { url } = await framework();
    const pod = { id: '/p', containers: [{ name: 'c', resources: { cpus: 0.1, mem: 32 }, exec: { command: { shell: 'sleep 100' } } }] };
    const replies = [
      await api(url, 'GET', '/v2/pods'),
      await api(url, 'POST', '/v2/pods', pod),
      await api(url, 'GET', '/v2/pods/p'),
      await api(url, 'PUT', '/v2/pods/p', pod),
      await api(url, 'DELETE', '/v2/pods/p'),
      await api(url, 'GET', '/v2/pods/::status'),
      await api(url, 'GET', '/v2/pods/p::instances'),
    ];
    for (const r of replies) {
      expect(r.status).toBe(501);
      expect(r.headers.get('content-type')).toMatch(/application\/json/);
      expect(r.body.message).toMatch(/^pods .* are not supported yet/);
    }
    // Nothing was created on the side.
    expect((await api(url, 'GET', '/v2/apps')).body.apps).toEqual([]);
  });

  it('apps features - residency is a 422 naming /residency, and nothing is created; the same in a group and on PUT', async () => {
    const { url } = await framework();
    const resident = { id: '/db', cmd: 'sleep 100', cpus: 0.1, mem: 32, residency: { relaunchEscalationTimeoutSeconds: 10, taskLostBehavior: 'WAIT_FOREVER' } };
    const created = await api(url, 'POST', '/v2/apps', resident);
    expect(created.status).toBe(422);
    expect(created.body.details).toEqual([{ path: '/residency', errors: ['resident apps (residency, persistent volumes) are not supported yet'] }]);
    expect((await api(url, 'GET', '/v2/apps/db')).status).toBe(404);
    // A persistent volume (what makes an app resident in Marathon): the same, naming the volume.
    const volumes = [{ containerPath: 'data', mode: 'RW', persistent: { size: 64, type: 'root' } }];
    const persistent = await api(url, 'POST', '/v2/apps', {
      ...resident,
      residency: undefined,
      container: { type: 'DOCKER', docker: { image: 'busybox' }, volumes },
    });
    expect(persistent.status).toBe(422);
    expect(persistent.body.details).toEqual([
      {
        path: '/container/volumes/0/persistent',
        errors: [
          'persistent volumes (and residency) are not supported yet; use a host volume or an external volume of the local driver (a Docker named volume)',
        ],
      },
    ]);

    const group = await api(url, 'POST', '/v2/groups', { id: '/g', apps: [{ ...resident, id: '/g/db' }] });
    expect(group.status).toBe(422);
    expect(group.body.details.map((d: { path: string }) => d.path)).toEqual(['/apps/0/residency']);

    expect((await api(url, 'PUT', '/v2/apps/db', { ...resident, residency: undefined, instances: 0 })).status).toBeLessThan(300);
    const put = await api(url, 'PUT', '/v2/apps/db', { ...resident, instances: 0 });
    expect(put.status).toBe(422);
    expect(put.body.details.map((d: { path: string }) => d.path)).toEqual(['/residency']);
    const kept = await api(url, 'GET', '/v2/apps/db');
    expect(kept.body.app.residency ?? null).toBeNull();
  });
});
