import { afterEach, describe, expect, it } from 'vitest';
import { api, deploymentsDone, startApps, stopApps } from './support/apps.js';
import { cleanup, startMaster, tempDir } from './support/cluster.js';

// Group versions through the REST API (no agent needed: every app has 0 instances, so
// each deployment finishes at once): /v2/groups[/{id}]/versions[/{version}], and a
// group's version moving only when something inside it changes. As Marathon, a group's
// versions are the root versions in which it existed.

afterEach(cleanup);

const app = (id: string, extra: Record<string, unknown> = {}) => ({ id, cmd: 'sleep 1000', cpus: 0.1, mem: 16, instances: 0, ...extra });
const TS = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;

describe('apps groups', () => {
  it('apps-groups-versions - every change is a root version; a group lists the root versions it existed in and reads back as it was', async () => {
    const master = await startMaster();
    const fw = await startApps(master);
    expect((await api(fw.url, 'GET', '/v2/groups/versions')).body).toEqual([]);

    const created = await api(fw.url, 'POST', '/v2/groups', { id: '/shop', apps: [app('web'), app('db')], groups: [{ id: 'back', apps: [app('queue')] }] });
    expect(created.status).toBe(201);
    const v1 = created.body.version as string;
    expect(v1).toMatch(TS);
    await deploymentsDone(fw.url);
    expect((await api(fw.url, 'GET', '/v2/groups/versions')).body).toEqual([v1]);
    expect((await api(fw.url, 'GET', '/v2/groups/shop/versions')).body).toEqual([v1]);
    expect((await api(fw.url, 'GET', '/v2/groups')).body.version).toBe(v1);
    expect((await api(fw.url, 'GET', '/v2/groups/shop/back')).body.version).toBe(v1);

    // A change outside /shop: the root moves, /shop keeps its version but lists the new root version.
    const v2 = (await api(fw.url, 'POST', '/v2/apps', app('/other'))).body.version as string;
    await deploymentsDone(fw.url);
    expect(v2 > v1).toBe(true);
    expect((await api(fw.url, 'GET', '/v2/groups')).body.version).toBe(v2);
    const shop = (await api(fw.url, 'GET', '/v2/groups/shop')).body;
    expect(shop.version).toBe(v1);
    expect(shop.groups[0]).toMatchObject({ id: '/shop/back', version: v1 });
    expect((await api(fw.url, 'GET', '/v2/groups/versions')).body).toEqual([v2, v1]);
    expect((await api(fw.url, 'GET', '/v2/groups/shop/versions')).body).toEqual([v2, v1]);

    // A change deep inside: /shop/back/queue gets env; /shop and /shop/back move, /other's group (the root) too.
    const v3 = (await api(fw.url, 'PUT', '/v2/apps/shop/back/queue', { env: { X: '1' } })).body.version as string;
    await deploymentsDone(fw.url);
    expect((await api(fw.url, 'GET', '/v2/groups/shop')).body.version).toBe(v3);
    expect((await api(fw.url, 'GET', '/v2/groups/shop/back')).body.version).toBe(v3);
    expect((await api(fw.url, 'GET', '/v2/groups/shop/back/versions')).body).toEqual([v3, v2, v1]);

    // Reading a group at a version: as it was then.
    const then = (await api(fw.url, 'GET', `/v2/groups/shop/versions/${v1}`)).body;
    expect(then).toMatchObject({ id: '/shop', version: v1 });
    expect(then.apps.map((a: { id: string }) => a.id)).toEqual(['/shop/db', '/shop/web']);
    expect(then.groups[0].apps[0]).toMatchObject({ id: '/shop/back/queue', env: {}, version: v1 });
    expect((await api(fw.url, 'GET', `/v2/groups/shop/back/versions/${v3}`)).body.apps[0]).toMatchObject({ env: { X: '1' }, version: v3 });
    const rootThen = (await api(fw.url, 'GET', `/v2/groups/versions/${v1}`)).body;
    expect(rootThen).toMatchObject({ id: '/', version: v1 });
    expect(rootThen.apps).toEqual([]); // /other came later
    expect(rootThen.groups.map((g: { id: string }) => g.id)).toEqual(['/shop']);

    // Deleted: the group is gone now (404, its versions too, as Marathon), but older root versions still show it.
    await api(fw.url, 'DELETE', '/v2/groups/shop');
    await deploymentsDone(fw.url);
    expect((await api(fw.url, 'GET', '/v2/groups/shop')).status).toBe(404);
    expect((await api(fw.url, 'GET', '/v2/groups/shop/versions')).status).toBe(404);
    expect((await api(fw.url, 'GET', `/v2/groups/shop/versions/${v3}`)).body.groups[0].apps[0]).toMatchObject({ id: '/shop/back/queue', env: { X: '1' } });
    expect((await api(fw.url, 'GET', '/v2/groups/versions')).body).toHaveLength(4);

    // Unknown versions and groups: 404 naming them.
    const missing = await api(fw.url, 'GET', '/v2/groups/other/versions/2020-01-01T00:00:00.000Z');
    expect(missing.status).toBe(404);
    expect(missing.body.message).toBe("Group '/other' does not exist in version 2020-01-01T00:00:00.000Z");
    expect((await api(fw.url, 'GET', `/v2/groups/nope/versions/${v1}`)).status).toBe(404);
    expect((await api(fw.url, 'GET', '/v2/groups/nope/versions')).status).toBe(404);
    expect((await api(fw.url, 'GET', '/v2/groups/other')).status).toBe(404); // an app, not a group
    expect((await api(fw.url, 'GET', `/v2/groups/versions/${v2}`)).body.apps.map((a: { id: string }) => a.id)).toEqual(['/other']);
  });

  it('apps-groups-versions-kept - at most maxVersions root versions are kept; older ones answer 404', async () => {
    const master = await startMaster();
    const fw = await startApps(master, { maxVersions: 3 });
    const versions: string[] = [];
    for (let i = 0; i < 5; i++) {
      const r = await api(fw.url, 'PUT', '/v2/apps/g/a', app('/g/a', { env: { I: String(i) } }));
      versions.push(r.body.version);
      await deploymentsDone(fw.url);
    }
    expect((await api(fw.url, 'GET', '/v2/groups/g/versions')).body).toEqual(versions.slice(2).reverse());
    expect((await api(fw.url, 'GET', `/v2/groups/g/versions/${versions[0]}`)).status).toBe(404);
    expect((await api(fw.url, 'GET', `/v2/groups/g/versions/${versions[4]}`)).body.apps[0].env).toEqual({ I: '4' });
  });

  it('apps-groups-empty - empty groups are created, nested, stored through a restart, listed in group versions and deleted', async () => {
    const master = await startMaster();
    const workDir = tempDir('tandem-apps-groups-');
    const fw = await startApps(master, { workDir });

    const created = await api(fw.url, 'POST', '/v2/groups', { id: '/team' });
    expect(created.status).toBe(201);
    expect(created.body).toEqual({ version: expect.stringMatching(TS), deploymentId: expect.any(String) });
    const v1 = created.body.version as string;
    await deploymentsDone(fw.url);
    expect((await api(fw.url, 'GET', '/v2/groups/team')).body).toEqual({ id: '/team', apps: [], groups: [], pods: [], dependencies: [], version: v1 });
    expect((await api(fw.url, 'POST', '/v2/groups', { id: 'team' })).status).toBe(409);

    // Nested empty groups through PUT: a groups-only body; relative ids; dependencies kept when left out.
    const put = await api(fw.url, 'PUT', '/v2/groups/team', { groups: [{ id: 'a' }, { id: '/team/b', dependencies: ['../a'], groups: [{ id: 'c' }] }] });
    expect(put.status).toBe(200);
    const v2 = put.body.version as string;
    await deploymentsDone(fw.url);
    const team = (await api(fw.url, 'GET', '/v2/groups/team')).body;
    expect(team).toMatchObject({ id: '/team', apps: [], pods: [], version: v2 });
    expect(team.groups).toEqual([
      { id: '/team/a', apps: [], groups: [], pods: [], dependencies: [], version: v2 },
      {
        id: '/team/b',
        apps: [],
        groups: [{ id: '/team/b/c', apps: [], groups: [], pods: [], dependencies: [], version: v2 }],
        pods: [],
        dependencies: ['/team/a'],
        version: v2,
      },
    ]);
    expect((await api(fw.url, 'GET', '/v2/groups')).body.groups.map((g: { id: string }) => g.id)).toEqual(['/team']);
    expect((await api(fw.url, 'GET', '/v2/groups/team/versions')).body).toEqual([v2, v1]);
    expect((await api(fw.url, 'GET', `/v2/groups/team/versions/${v1}`)).body.groups).toEqual([]);
    expect((await api(fw.url, 'GET', `/v2/groups/versions/${v2}`)).body.groups[0].groups[1].dependencies).toEqual(['/team/a']);

    // Bad input: 422 naming each field; nothing changes.
    const bad = await api(fw.url, 'PUT', '/v2/groups/team', { groups: [{ id: 'UPPER' }, {}, { id: 'ok', dependencies: ['/x', 7] }], dependencies: 'nope' });
    expect(bad.status).toBe(422);
    expect(bad.body.details.map((d: { path: string }) => d.path)).toEqual(['/groups/0/id', '/groups/1/id', '/groups/2/dependencies/1', '/dependencies']);
    expect((await api(fw.url, 'POST', '/v2/groups', { id: 'Team' })).status).toBe(422);
    expect((await api(fw.url, 'GET', '/v2/groups/team/versions')).body).toEqual([v2, v1]);

    // Durable: a restarted framework on the same store has the groups, their dependencies and versions.
    await stopApps(fw);
    const again = await startApps(master, { workDir });
    const after = (await api(again.url, 'GET', '/v2/groups/team')).body;
    expect(after).toEqual(team);
    expect((await api(again.url, 'GET', '/v2/groups/team/versions')).body).toEqual([v2, v1]);

    // A PUT with the dependencies alone keeps the subgroups; a groups list without one removes it.
    await api(again.url, 'PUT', '/v2/groups/team/b', { dependencies: [] });
    await deploymentsDone(again.url);
    expect((await api(again.url, 'GET', '/v2/groups/team/b')).body).toMatchObject({ dependencies: [], groups: [{ id: '/team/b/c' }] });
    await api(again.url, 'PUT', '/v2/groups/team', { groups: [{ id: 'b' }] });
    await deploymentsDone(again.url);
    expect((await api(again.url, 'GET', '/v2/groups/team/a')).status).toBe(404);
    expect((await api(again.url, 'GET', '/v2/groups/team/b/c')).status).toBe(200);

    // DELETE removes the group with everything inside it, apps too; older versions still show it.
    expect((await api(again.url, 'POST', '/v2/apps', app('/team/b/c/svc'))).status).toBe(201);
    await deploymentsDone(again.url);
    const del = await api(again.url, 'DELETE', '/v2/groups/team');
    expect(del.status).toBe(200);
    expect(del.body).toEqual({ version: expect.stringMatching(TS), deploymentId: expect.any(String) });
    await deploymentsDone(again.url);
    expect((await api(again.url, 'GET', '/v2/groups/team')).status).toBe(404);
    expect((await api(again.url, 'GET', '/v2/apps/team/b/c/svc')).status).toBe(404);
    expect((await api(again.url, 'GET', '/v2/groups')).body.groups).toEqual([]);
    expect((await api(again.url, 'GET', `/v2/groups/team/versions/${v2}`)).body.groups.map((g: { id: string }) => g.id)).toEqual(['/team/a', '/team/b']);
    expect((await api(again.url, 'DELETE', '/v2/groups/team')).status).toBe(404);
  });

  it('apps-groups-rollback - cancelling a group change rolls its groups back with its apps', async () => {
    const master = await startMaster();
    const fw = await startApps(master); // no agent: an app with an instance keeps its deployment running
    await api(fw.url, 'POST', '/v2/groups', { id: '/kept' });
    await deploymentsDone(fw.url);
    const changed = await api(fw.url, 'PUT', '/v2/groups/kept', {
      dependencies: ['/elsewhere'],
      groups: [{ id: 'sub', apps: [app('web', { instances: 1 })] }],
    });
    expect(changed.status).toBe(200);
    expect((await api(fw.url, 'GET', '/v2/groups/kept')).body).toMatchObject({ dependencies: ['/elsewhere'], groups: [{ id: '/kept/sub' }] });
    const cancelled = await api(fw.url, 'DELETE', `/v2/deployments/${changed.body.deploymentId}`);
    expect(cancelled.status).toBe(200);
    await deploymentsDone(fw.url);
    expect((await api(fw.url, 'GET', '/v2/groups/kept')).body).toMatchObject({ id: '/kept', apps: [], groups: [], dependencies: [] });
    expect((await api(fw.url, 'GET', '/v2/apps/kept/sub/web')).status).toBe(404);
  });
  it("apps-groups-endpoints - every endpoint of Marathon's GroupsResource: /{id}/apps, POST /{id}, PUT ?dryRun, PUT {version} (rollback), PATCH, DELETE /v2/groups", async () => {
    const master = await startMaster();
    const fw = await startApps(master);
    // POST /v2/groups/{id}: the body's id is relative to the path.
    const created = await api(fw.url, 'POST', '/v2/groups/shop', { id: 'back', apps: [app('queue')] });
    expect(created.status).toBe(201);
    const v1 = created.body.version as string;
    await deploymentsDone(fw.url);
    expect((await api(fw.url, 'GET', '/v2/groups/shop/back')).body.apps.map((a: { id: string }) => a.id)).toEqual(['/shop/back/queue']);
    expect((await api(fw.url, 'POST', '/v2/groups/shop', { id: 'back' })).status).toBe(409);
    await api(fw.url, 'POST', '/v2/apps', app('/shop/web'));
    await deploymentsDone(fw.url);

    // GET /v2/groups/{id}/apps: every app under the group, at any depth, as a JSON array.
    const apps = await api(fw.url, 'GET', '/v2/groups/shop/apps');
    expect(apps.status).toBe(200);
    expect(apps.body.map((a: { id: string }) => a.id)).toEqual(['/shop/back/queue', '/shop/web']);
    expect(apps.body[0]).not.toHaveProperty('tasksRunning');
    expect((await api(fw.url, 'GET', '/v2/groups/shop/apps?embed=group.apps.counts')).body[0]).toMatchObject({ tasksRunning: 0 });
    expect((await api(fw.url, 'GET', '/v2/groups/apps')).body).toHaveLength(2);

    // PUT ?dryRun=true: the steps, nothing changed.
    const dry = await api(fw.url, 'PUT', '/v2/groups/shop/back?dryRun=true', { apps: [app('queue', { instances: 0, env: { X: '1' } }), app('extra')] });
    expect(dry.status).toBe(200);
    expect(dry.body).toEqual({
      steps: [
        {
          actions: expect.arrayContaining([
            { action: 'RestartApplication', app: '/shop/back/queue' },
            { action: 'StartApplication', app: '/shop/back/extra' },
          ]),
        },
      ],
    });
    expect((await api(fw.url, 'GET', '/v2/groups/shop/back')).body.apps).toHaveLength(1);
    expect((await api(fw.url, 'GET', '/v2/groups/versions')).body).toHaveLength(2);

    // PUT {version}: the group back as it was.
    await api(fw.url, 'PUT', '/v2/groups/shop/back', { apps: [app('queue', { env: { X: '2' } }), app('extra')] });
    await deploymentsDone(fw.url);
    expect((await api(fw.url, 'GET', '/v2/groups/shop/back')).body.apps).toHaveLength(2);
    const back = await api(fw.url, 'PUT', '/v2/groups/shop/back', { version: v1 });
    expect(back.status).toBe(200);
    await deploymentsDone(fw.url);
    const rolled = (await api(fw.url, 'GET', '/v2/groups/shop/back')).body;
    expect(rolled.apps.map((a: { id: string; env: unknown }) => [a.id, a.env])).toEqual([['/shop/back/queue', {}]]);
    expect((await api(fw.url, 'PUT', '/v2/groups/shop/back', { version: '2020-01-01T00:00:00.000Z' })).status).toBe(404);

    // PATCH: enforceRole false is nothing to do; true is a 422 naming it.
    expect((await api(fw.url, 'PATCH', '/v2/groups/shop', { enforceRole: false })).status).toBe(200);
    const enforce = await api(fw.url, 'PATCH', '/v2/groups/shop', { enforceRole: true });
    expect(enforce.status).toBe(422);
    expect(enforce.body.details[0].path).toBe('/enforceRole');
    expect((await api(fw.url, 'PUT', '/v2/groups/shop', { enforceRole: true })).body.details[0].path).toBe('/enforceRole');

    // DELETE /v2/groups: everything.
    expect((await api(fw.url, 'DELETE', '/v2/groups')).status).toBe(200);
    await deploymentsDone(fw.url);
    expect((await api(fw.url, 'GET', '/v2/apps')).body.apps).toEqual([]);
    expect((await api(fw.url, 'GET', '/v2/groups/shop')).status).toBe(404);
  });
});
