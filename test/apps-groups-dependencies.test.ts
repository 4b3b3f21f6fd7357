import { chmodSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { api, deploymentsDone, httpdApp, startApps, startAppsAgent } from './support/apps.js';
import { cleanup, startMaster, tempDir, waitFor } from './support/cluster.js';

// Group dependencies order deployments, on a real master and agent (process
// containerizer, busybox httpd). The database's readiness check reads /ready from a
// directory of the test's, so the moment it becomes ready is the test's to choose: until
// then the web app, whose group depends on the database's group, must not be started.

afterEach(cleanup);

interface DeploymentJson {
  steps: { actions: { action: string; app: string }[] }[];
  currentStep: number;
  currentActions: { app: string; readinessCheckResults: { ready: boolean; lastResponse?: { status: number } }[] }[];
}

describe('apps group dependencies', () => {
  it('apps-groups-dependencies - an app starts only once the apps its group depends on are ready; cycles are refused; unknown targets accepted', async () => {
    const master = await startMaster();
    // The framework's readiness probe connects to the task's host.
    await startAppsAgent(master, { hostname: '127.0.0.1' });
    const fw = await startApps(master);
    const www = tempDir('tandem-apps-ready-');
    // Tasks run as the agent's task user (nobody), not root: the directory it serves must be readable by it.
    chmodSync(www, 0o755);
    const db = httpdApp('db', {
      cmd: `exec busybox httpd -f -p 127.0.0.1:$PORT0 -h ${www}`,
      portDefinitions: [{ port: 0, protocol: 'tcp', name: 'http' }],
      readinessChecks: [
        {
          name: 'up',
          protocol: 'HTTP',
          path: '/ready',
          portName: 'http',
          intervalSeconds: 0.2,
          timeoutSeconds: 0.15,
          httpStatusCodesForReady: [200],
          preserveLastResponse: true,
        },
      ],
    });
    const posted = await api(fw.url, 'POST', '/v2/groups', {
      id: '/stack',
      groups: [
        { id: 'front', dependencies: ['../back'], apps: [httpdApp('web')] },
        { id: 'back', apps: [db] },
      ],
    });
    expect(posted.status).toBe(201);

    // The plan: the back group's app first, then the front's (one step without the group dependency).
    const [d] = (await api(fw.url, 'GET', '/v2/deployments')).body as DeploymentJson[];
    expect(d?.steps.map((s) => s.actions.map((a) => `${a.action} ${a.app}`))).toEqual([
      ['StartApplication /stack/back/db'],
      ['StartApplication /stack/front/web'],
    ]);

    // db runs and was checked, not ready (404): web has no task and nothing queued.
    await waitFor(
      async () => {
        const [now] = (await api(fw.url, 'GET', '/v2/deployments')).body as DeploymentJson[];
        const results = now?.currentActions[0]?.readinessCheckResults ?? [];
        return results.length === 1 && results[0]?.ready === false && results[0].lastResponse?.status === 404;
      },
      'db running and not ready',
      20_000,
      100,
    );
    expect((await api(fw.url, 'GET', '/v2/apps/stack/front/web/tasks')).body.tasks).toEqual([]);
    expect((await api(fw.url, 'GET', '/v2/queue')).body.queue.map((q: { app: { id: string } }) => q.app.id)).not.toContain('/stack/front/web');
    expect(((await api(fw.url, 'GET', '/v2/deployments')).body as DeploymentJson[])[0]?.currentStep).toBe(1);

    // db ready: web starts, the deployment ends with both running.
    writeFileSync(join(www, 'ready'), 'ok\n');
    await deploymentsDone(fw.url, 20_000);
    const running = async (id: string) => ((await api(fw.url, 'GET', `/v2/apps${id}/tasks`)).body.tasks as { state: string }[]).map((t) => t.state);
    expect(await running('/stack/front/web')).toEqual(['TASK_RUNNING']);
    expect(await running('/stack/back/db')).toEqual(['TASK_RUNNING']);

    // A cycle (back -> front -> back) is a 422 naming the field; nothing changes.
    const cycle = await api(fw.url, 'PUT', '/v2/groups/stack/back', { dependencies: ['/stack/front'] });
    expect(cycle.status).toBe(422);
    expect(cycle.body.details[0]).toMatchObject({ path: '/dependencies', errors: [expect.stringMatching(/cycle/)] });
    expect((await api(fw.url, 'GET', '/v2/groups/stack/back')).body.dependencies).toEqual([]);
    const viaApp = await api(fw.url, 'PUT', '/v2/apps/stack/back/db', { dependencies: ['/stack/front/web'] });
    expect(viaApp.status).toBe(422);
    expect((await api(fw.url, 'GET', '/v2/deployments')).body).toEqual([]);

    // A dependency on nothing that exists is accepted (as Marathon) and orders nothing.
    const lonely = await api(fw.url, 'POST', '/v2/groups', { id: '/lonely', dependencies: ['/nowhere'] });
    expect(lonely.status).toBe(201);
    await deploymentsDone(fw.url);
    expect((await api(fw.url, 'GET', '/v2/groups/lonely')).body.dependencies).toEqual(['/nowhere']);
  });
});
