import { afterEach, describe, expect, it } from 'vitest';
import { api, deploymentsDone, httpdApp, startAppsAgent } from './support/apps.js';
import { sigkillApps, spawnApps } from './support/apps-process.js';
import { cleanup, startMaster, tempDir, waitFor } from './support/cluster.js';

// SIGKILL of `tandem apps serve` (a real child process) in the middle of a deployment,
// then a restart on the same work dir: the deployment, the apps and the launch intent
// come back from the Store; running tasks are adopted through reconciliation.

afterEach(cleanup);

/** Every task id of an app the master has seen, running or completed. */
const taskIdsOnMaster = (master: Awaited<ReturnType<typeof startMaster>>, prefix: string): string[] => {
  const s = master.state();
  return [...(s.tasks ?? []), ...(s.completedTasks ?? [])].map((t) => t.info?.taskId ?? '').filter((id) => id.startsWith(prefix));
};

describe('apps restart', () => {
  it('apps-restart - SIGKILL mid-deployment, then restart: the deployment finishes with exactly the requested instances, none launched twice, none killed', async () => {
    const master = await startMaster();
    // Room for two of the four instances: the deployment is certainly mid-way when the framework dies.
    await startAppsAgent(master, { hostname: 'small', cpus: 0.25 });
    const dir = tempDir('tandem-apps-kill-');
    const first = await spawnApps(master.address, dir);
    const frameworkId = (await api(first.url, 'GET', '/v2/info')).body.frameworkId as string;
    const created = await api(first.url, 'POST', '/v2/apps', httpdApp('/svc', { instances: 4 }));
    expect(created.status).toBe(201);
    const deploymentId = created.headers.get('marathon-deployment-id');
    const before = await waitFor(
      async () => {
        const app = (await api(first.url, 'GET', '/v2/apps/svc?embed=tandem')).body.app;
        return app.tasksRunning === 2 && app.waiting?.count === 2 ? app : undefined;
      },
      'two running and two waiting',
      20_000,
      100,
    );
    const survivors = before.tasks.map((t: { id: string }) => t.id).sort();
    expect((await api(first.url, 'GET', '/v2/deployments')).body.map((d: { id: string }) => d.id)).toEqual([deploymentId]);

    await sigkillApps(first);
    // Capacity for the rest arrives while the framework is down.
    await startAppsAgent(master, { hostname: 'big', cpus: 1 });
    const second = await spawnApps(master.address, dir);
    expect((await api(second.url, 'GET', '/v2/info')).body.frameworkId).toBe(frameworkId);
    await deploymentsDone(second.url);

    const app = (await api(second.url, 'GET', '/v2/apps/svc')).body.app;
    expect(app).toMatchObject({ instances: 4, tasksRunning: 4, tasksStaged: 0, deployments: [] });
    const ids = app.tasks.map((t: { id: string }) => t.id).sort();
    // The two tasks started before the kill still run: adopted, not killed and relaunched.
    expect(ids).toEqual(expect.arrayContaining(survivors));
    // The master saw exactly the four tasks: nothing was launched twice, nothing ended.
    const seen = taskIdsOnMaster(master, 'svc.');
    expect(seen.sort()).toEqual(ids);
    expect(master.state().completedTasks ?? []).toEqual([]);
    expect(
      master
        .state()
        .frameworks?.filter((f) => f.info?.name === 'tandem-apps')
        .map((f) => f.info?.id),
    ).toEqual([frameworkId]);

    // Again, killed as soon as the API accepted a scale-up (usually before its launches
    // went out; the timing is not forced): the restart converges to exactly six.
    expect((await api(second.url, 'PATCH', '/v2/apps/svc', { instances: 6 })).status).toBe(200);
    await sigkillApps(second);
    const third = await spawnApps(master.address, dir);
    await deploymentsDone(third.url);
    const scaled = (await api(third.url, 'GET', '/v2/apps/svc')).body.app;
    expect(scaled).toMatchObject({ instances: 6, tasksRunning: 6, tasksStaged: 0 });
    const scaledIds = scaled.tasks.map((t: { id: string }) => t.id).sort();
    expect(scaledIds).toEqual(expect.arrayContaining(ids));
    expect(taskIdsOnMaster(master, 'svc.').sort()).toEqual(scaledIds);
    expect(master.state().completedTasks ?? []).toEqual([]);
  });
});
