import { afterEach, describe, expect, it } from 'vitest';
import { api, deploymentsDone, httpdApp, startApps, startAppsAgent } from './support/apps.js';
import { cleanup, startMaster, waitFor } from './support/cluster.js';

// The REST API on a real master and agent (process containerizer): create, scale with
// killSelection, restart, versions, delete; 409/422/400/404 with nothing changed.

afterEach(cleanup);

describe('apps API', () => {
  it('apps-api - an app becomes N running instances, scales down youngest first, and is deleted', async () => {
    const master = await startMaster();
    await startAppsAgent(master);
    const fw = await startApps(master);
    const created = await api(fw.url, 'POST', '/v2/apps', httpdApp('/web', { instances: 1 }));
    expect(created.status).toBe(201);
    expect(created.headers.get('location')).toBe('/v2/apps/web');
    expect(created.body.deployments[0].id).toBe(created.headers.get('marathon-deployment-id'));
    await deploymentsDone(fw.url);
    const first = (await api(fw.url, 'GET', '/v2/apps/web/tasks')).body.tasks[0].id;
    expect((await api(fw.url, 'PATCH', '/v2/apps/web', { instances: 3 })).status).toBe(200);
    await deploymentsDone(fw.url);
    const { body } = await api(fw.url, 'GET', '/v2/apps/web');
    expect(body.app).toMatchObject({ id: '/web', instances: 3, tasksRunning: 3, tasksStaged: 0, deployments: [] });
    expect(body.app.tasks).toHaveLength(3);
    for (const t of body.app.tasks) {
      expect(t.ports).toHaveLength(1);
      // RUNNING means the process started, not that httpd listens yet: poll, as a client would.
      const status = await waitFor(
        () =>
          fetch(`http://127.0.0.1:${t.ports[0]}/`).then(
            (r) => r.status,
            () => 0,
          ),
        `httpd on ${t.ports[0]}`,
        10_000,
        50,
      );
      expect(status).toBeLessThan(500); // busybox httpd answers on $PORT0
    }
    // Scale down: YOUNGEST_FIRST keeps the oldest.
    const scaled = await api(fw.url, 'PUT', '/v2/apps/web', { instances: 1 });
    expect(scaled.status).toBe(200);
    expect(scaled.body.deploymentId).toBeDefined();
    await deploymentsDone(fw.url);
    const after = (await api(fw.url, 'GET', '/v2/apps/web/tasks')).body.tasks;
    expect(after.map((t: { id: string }) => t.id)).toEqual([first]);
    // Versions: created, scaled up, scaled down.
    expect((await api(fw.url, 'GET', '/v2/apps/web/versions')).body.versions).toHaveLength(3);
    const deleted = await api(fw.url, 'DELETE', '/v2/apps/web');
    expect(deleted.status).toBe(200);
    await deploymentsDone(fw.url);
    expect((await api(fw.url, 'GET', '/v2/apps/web')).status).toBe(404);
    await waitFor(() => master.state().tasks?.length === 0, 'every task gone');
  });

  it('apps-api - invalid definitions get 422/400 with field messages and change nothing', async () => {
    const master = await startMaster();
    const fw = await startApps(master);
    const bad = await api(fw.url, 'POST', '/v2/apps', { id: 'x', cmd: 'sleep 1', cpus: -1, constraints: [['hostname', 'SOMETIMES']], instances: 1e9 });
    expect(bad.status).toBe(422);
    expect(bad.body.message).toBe('Object is not valid');
    const paths = bad.body.details.map((d: { path: string }) => d.path);
    expect(paths).toEqual(expect.arrayContaining(['/cpus', '/constraints/0/1']));
    expect((await api(fw.url, 'POST', '/v2/apps', { id: 'x', cmd: 'sleep 1', instances: 1e9 })).body.details[0].path).toBe('/instances');
    expect((await api(fw.url, 'POST', '/v2/apps', { id: 'x', cmd: 'sleep 1', cpus: 'NaN' })).status).toBe(422);
    for (const id of ['', '..', '/a/../b']) {
      const r = await api(fw.url, 'POST', '/v2/apps', { id, cmd: 'sleep 1' });
      expect(r.status, id).toBe(422);
      expect(r.body.details[0].path).toBe('/id');
    }
    const malformed = await api(fw.url, 'POST', '/v2/apps', undefined, '{"id": "x", "cmd": ');
    expect(malformed.status).toBe(400);
    expect(malformed.body.message).toBe('Invalid JSON');
    expect((await api(fw.url, 'GET', '/v2/apps')).body.apps).toEqual([]);
    expect((await api(fw.url, 'GET', '/v2/deployments')).body).toEqual([]);
    expect((await api(fw.url, 'GET', '/v2/apps/nope')).status).toBe(404);
  });

  it('apps-api - a locked app answers 409 unless force; an existing id answers 409', async () => {
    const master = await startMaster();
    const fw = await startApps(master); // no agent: the deployment stays running
    expect((await api(fw.url, 'POST', '/v2/apps', httpdApp('/locked'))).status).toBe(201);
    expect((await api(fw.url, 'POST', '/v2/apps', httpdApp('/locked'))).status).toBe(409);
    const locked = await api(fw.url, 'PUT', '/v2/apps/locked', { instances: 2 });
    expect(locked.status).toBe(409);
    expect(locked.body.deployments).toHaveLength(1);
    expect((await api(fw.url, 'PUT', '/v2/apps/locked?force=true', { instances: 2 })).status).toBe(200);
    const deployments = (await api(fw.url, 'GET', '/v2/deployments')).body;
    expect(deployments).toHaveLength(1);
    expect(deployments[0]).toMatchObject({ affectedApps: ['/locked'], currentStep: 1, totalSteps: 1 });
    expect((await api(fw.url, 'GET', '/ping')).body).toBe('pong');
    expect((await api(fw.url, 'GET', '/v2/leader')).body.leader).toMatch(/:\d+$/);
    expect((await api(fw.url, 'GET', '/v2/info')).body.name).toBe('marathon');
    expect((await api(fw.url, 'GET', '/metrics')).body).toMatch(/tandem_apps_http_requests_total/);
  });
});
