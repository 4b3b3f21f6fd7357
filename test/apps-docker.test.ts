import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { api, deploymentsDone, startApps, startAppsAgent } from './support/apps.js';
import { cleanup, dockerAvailable, startMaster, TEST_IMAGE, waitFor } from './support/cluster.js';

// The headline: a Marathon app JSON, unchanged, on a real master, a real agent and real
// Docker. The agent runs the HTTP health check next to each container; the deployment
// ends only when every instance is healthy, and the app reads as Marathon reports it.

afterEach(cleanup);
let docker = false;
beforeAll(async () => {
  docker = await dockerAvailable();
});

/** What a Marathon user would POST (field names and shapes as Marathon's docs show them). */
const marathonApp = (id: string, instances: number) => ({
  id,
  cmd: 'echo ok > /tmp/index.html && exec httpd -f -p 127.0.0.1:$PORT0 -h /tmp',
  cpus: 0.1,
  mem: 32,
  instances,
  container: { type: 'DOCKER', docker: { image: TEST_IMAGE, forcePullImage: false } },
  portDefinitions: [{ port: 0, protocol: 'tcp', name: 'http' }],
  healthChecks: [
    // delaySeconds 0 and a 1 s interval keep the test short; the grace period covers container start-up.
    {
      protocol: 'MESOS_HTTP',
      path: '/index.html',
      portIndex: 0,
      gracePeriodSeconds: 30,
      intervalSeconds: 1,
      timeoutSeconds: 2,
      maxConsecutiveFailures: 3,
      delaySeconds: 0,
    },
  ],
  upgradeStrategy: { minimumHealthCapacity: 1, maximumOverCapacity: 1 },
  labels: { team: 'web' },
});

describe('apps in Docker', () => {
  it('apps-docker - a Marathon app JSON for busybox httpd in Docker with an HTTP health check becomes N healthy instances, reported as Marathon does', async () => {
    if (!docker) return;
    const n = 3;
    const master = await startMaster();
    const agent = await startAppsAgent(master, { containerizers: ['docker'] });
    const fw = await startApps(master);
    const created = await api(fw.url, 'POST', '/v2/apps', marathonApp('/shop/web', n));
    expect(created.status).toBe(201);
    await deploymentsDone(fw.url, 45_000);

    // The deployment waited for health: when it is gone, every instance is healthy.
    const { status, body } = await api(fw.url, 'GET', '/v2/apps/shop/web');
    expect(status).toBe(200);
    const app = body.app;
    expect(app).toMatchObject({
      id: '/shop/web',
      instances: n,
      tasksStaged: 0,
      tasksRunning: n,
      tasksHealthy: n,
      tasksUnhealthy: 0,
      deployments: [],
      container: { type: 'DOCKER', docker: { image: TEST_IMAGE } },
      labels: { team: 'web' },
    });
    expect(app.healthChecks[0]).toMatchObject({ protocol: 'MESOS_HTTP', path: '/index.html', portIndex: 0 });
    expect(app.tasks).toHaveLength(n);
    const ports = new Set<number>();
    for (const t of app.tasks) {
      expect(t).toMatchObject({ appId: '/shop/web', state: 'TASK_RUNNING', version: app.version, slaveId: agent.agentId });
      expect(t.startedAt).toEqual(expect.any(String));
      expect(t.ports).toHaveLength(1);
      ports.add(t.ports[0]);
      expect(t.healthCheckResults).toHaveLength(1);
      expect(t.healthCheckResults[0]).toMatchObject({ alive: true, consecutiveFailures: 0, instanceId: t.id.split('.')[1] });
      expect(t.healthCheckResults[0].lastSuccess).toEqual(expect.any(String));
      // The server is the container's: its page answers on the host port Marathon reports.
      const page = await fetch(`http://127.0.0.1:${t.ports[0]}/index.html`).then((r) => r.text());
      expect(page.trim()).toBe('ok');
    }
    expect(ports.size).toBe(n);
    // Each task is a Docker container on the agent (not a process on the host).
    for (const t of app.tasks) expect(agent.tasks().find((a) => a.taskId === t.id)?.containerId).toMatch(/^[0-9a-f]{12,}$/);

    // The same instances through /v2/tasks, and the app in the list with the health counts.
    const all = (await api(fw.url, 'GET', '/v2/tasks?status=running')).body.tasks as { appId: string }[];
    expect(all.filter((t) => t.appId === '/shop/web')).toHaveLength(n);
    const listed = (await api(fw.url, 'GET', '/v2/apps')).body.apps.find((a: { id: string }) => a.id === '/shop/web');
    expect(listed).toMatchObject({ tasksHealthy: n, tasksRunning: n });

    await api(fw.url, 'DELETE', '/v2/apps/shop/web');
    await waitFor(() => master.state().tasks?.length === 0, 'every container gone', 30_000);
  });
});
