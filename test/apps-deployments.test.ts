import { EventSource } from 'eventsource';
import { afterEach, describe, expect, it } from 'vitest';
import { api, deploymentsDone, httpdApp, startApps, startAppsAgent } from './support/apps.js';
import { cleanup, startMaster, track, waitFor } from './support/cluster.js';

// Deployments and keeping instances alive, on a real master and agents (process containerizer).

afterEach(cleanup);

describe('apps deployments', () => {
  it('apps-rolling - an env change rolls within minimumHealthCapacity and maximumOverCapacity; only the new version remains', async () => {
    const master = await startMaster();
    await startAppsAgent(master);
    const fw = await startApps(master);
    const n = 4;
    const strategy = { minimumHealthCapacity: 0.5, maximumOverCapacity: 0.5 };
    await api(fw.url, 'POST', '/v2/apps', httpdApp('/roll', { instances: n, upgradeStrategy: strategy, env: { V: '1' } }));
    await deploymentsDone(fw.url);
    const put = await api(fw.url, 'PUT', '/v2/apps/roll', { env: { V: '2' } });
    expect(put.status).toBe(200);
    let minRunning = Number.POSITIVE_INFINITY;
    let maxLive = 0;
    for (;;) {
      const tasks = (await api(fw.url, 'GET', '/v2/apps/roll/tasks')).body.tasks as { state: string }[];
      minRunning = Math.min(minRunning, tasks.filter((t) => t.state === 'TASK_RUNNING').length);
      maxLive = Math.max(maxLive, master.state().tasks?.filter((t) => t.frameworkId === fw.scheduler.frameworkId).length ?? 0);
      if ((await api(fw.url, 'GET', '/v2/deployments')).body.length === 0) break;
      await new Promise((r) => setTimeout(r, 20));
    }
    expect(minRunning).toBeGreaterThanOrEqual(Math.ceil(n * strategy.minimumHealthCapacity));
    expect(maxLive).toBeLessThanOrEqual(Math.floor(n * (1 + strategy.maximumOverCapacity)));
    const app = (await api(fw.url, 'GET', '/v2/apps/roll')).body.app;
    expect(app.tasks).toHaveLength(n);
    expect(app.tasks.every((t: { version: string }) => t.version === app.version)).toBe(true);
  });

  it('apps-replace - a killed task is replaced; a failing command is relaunched with growing delay shown in /v2/queue', async () => {
    const master = await startMaster();
    const agent = await startAppsAgent(master);
    const fw = await startApps(master);
    await api(fw.url, 'POST', '/v2/apps', httpdApp('/keep'));
    await deploymentsDone(fw.url);
    const [first] = (await api(fw.url, 'GET', '/v2/apps/keep/tasks')).body.tasks;
    const containerId = agent.tasks().find((t) => t.taskId === first.id)?.containerId;
    expect(containerId).toBeDefined();
    process.kill(-Number(containerId), 'SIGKILL'); // the process group, by hand
    await waitFor(
      async () => {
        const tasks = (await api(fw.url, 'GET', '/v2/apps/keep/tasks')).body.tasks;
        return tasks.length === 1 && tasks[0].id !== first.id && tasks[0].state === 'TASK_RUNNING';
      },
      'a replacement running',
      20_000,
      100,
    );

    await api(fw.url, 'POST', '/v2/apps', { id: '/crash', cmd: 'exit 3', cpus: 0.1, mem: 16, backoffSeconds: 1, backoffFactor: 3 });
    const delays: number[] = [];
    await waitFor(
      async () => {
        const q = (await api(fw.url, 'GET', '/v2/queue')).body.queue.find((e: { app: { id: string } }) => e.app.id === '/crash');
        const left = q?.delay.timeLeftSeconds ?? 0;
        if (left > 0 && (delays.length === 0 || left > delays[delays.length - 1]!)) delays.push(left);
        return delays.length >= 2 && delays[delays.length - 1]! >= 3;
      },
      'the launch delay to grow',
      30_000,
      100,
    );
    const app = (await api(fw.url, 'GET', '/v2/apps/crash')).body.app;
    expect(app.lastTaskFailure).toMatchObject({ state: 'TASK_FAILED', appId: '/crash' });
  });

  it('apps-constraints - UNIQUE hostname spreads over three agents; an impossible constraint waits and says why', async () => {
    const master = await startMaster();
    // One machine, three agents with distinct --hostname and distinct port ranges (or the httpd servers would collide).
    for (const hostname of ['node-a', 'node-b', 'node-c']) await startAppsAgent(master, { hostname, cpus: 1, mem: 512 });
    const fw = await startApps(master);
    await api(fw.url, 'POST', '/v2/apps', httpdApp('/spread', { instances: 3, constraints: [['hostname', 'UNIQUE']] }));
    await deploymentsDone(fw.url);
    const hosts = (await api(fw.url, 'GET', '/v2/apps/spread/tasks')).body.tasks.map((t: { host: string }) => t.host).sort();
    expect(hosts).toEqual(['node-a', 'node-b', 'node-c']);

    await api(fw.url, 'POST', '/v2/apps', httpdApp('/nowhere', { constraints: [['hostname', 'IS', 'node-z']] }));
    await api(fw.url, 'POST', '/v2/apps', httpdApp('/huge', { cpus: 64 }));
    const why = await waitFor(
      async () => {
        const queue = (await api(fw.url, 'GET', '/v2/queue?embed=tandem')).body.queue as {
          app: { id: string };
          lastUnusedOffers: { reason: string[]; details: string[] }[];
        }[];
        const nowhere = queue.find((q) => q.app.id === '/nowhere');
        const huge = queue.find((q) => q.app.id === '/huge');
        return nowhere && huge && nowhere.lastUnusedOffers.length > 0 && huge.lastUnusedOffers.length > 0 ? { nowhere, huge } : undefined;
      },
      'diagnostics in /v2/queue',
      20_000,
      100,
    );
    expect(why.nowhere.lastUnusedOffers[0]!.reason).toContain('UnfulfilledConstraint');
    expect(why.nowhere.lastUnusedOffers[0]!.details.join()).toMatch(/hostname IS node-z/);
    expect(why.huge.lastUnusedOffers[0]!.reason).toContain('InsufficientCpus');
    expect(why.huge.lastUnusedOffers[0]!.details.join()).toMatch(/cpus: needs 64/);
    const app = (await api(fw.url, 'GET', '/v2/apps/huge?embed=tandem')).body.app;
    expect(app.waiting.instances[0].lastUnusedOffers[0].reason).toContain('InsufficientCpus');
    expect(app.deployments).toHaveLength(1);
  });

  it('apps-timeout - a deployment that cannot finish within its timeout fails and rolls back to the previous version', async () => {
    const master = await startMaster();
    await startAppsAgent(master);
    const fw = await startApps(master);
    const failed: string[] = [];
    fw.events.subscribe((e) => failed.push(String(e.id)), new Set(['deployment_failed']));
    await api(
      fw.url,
      'POST',
      '/v2/apps',
      httpdApp('/tmo', { instances: 2, env: { V: '1' }, upgradeStrategy: { minimumHealthCapacity: 1, maximumOverCapacity: 0, deploymentTimeoutSeconds: 2 } }),
    );
    await deploymentsDone(fw.url);
    const good = (await api(fw.url, 'GET', '/v2/apps/tmo')).body.app;
    const before = good.tasks.map((t: { id: string }) => t.id).sort();
    // The new version asks for more than any agent has: it never starts.
    const put = await api(fw.url, 'PUT', '/v2/apps/tmo', { env: { V: '2' }, cpus: 64 });
    await waitFor(() => failed.includes(put.body.deploymentId), 'deployment_failed', 20_000, 100);
    await deploymentsDone(fw.url);
    const after = (await api(fw.url, 'GET', '/v2/apps/tmo')).body.app;
    expect(after.env).toEqual({ V: '1' });
    expect(after.cpus).toBe(0.1);
    await waitFor(async () => (await api(fw.url, 'GET', '/v2/apps/tmo')).body.app.tasksRunning === 2, 'two running');
    // maximumOverCapacity 0 with minimumHealthCapacity 1 killed one old instance to make room; the other kept running.
    const ids = (await api(fw.url, 'GET', '/v2/apps/tmo/tasks')).body.tasks.map((t: { id: string }) => t.id);
    expect(ids.filter((id: string) => before.includes(id)).length).toBeGreaterThanOrEqual(1);
  });

  it('apps-events - /v2/events streams status_update_event and deployment_success to an SSE client', async () => {
    const master = await startMaster();
    await startAppsAgent(master);
    const fw = await startApps(master);
    const es = new EventSource(`${fw.url}/v2/events?event_type=status_update_event&event_type=deployment_success`);
    track(() => es.close());
    const seen: { type: string; data: Record<string, unknown> }[] = [];
    for (const type of ['status_update_event', 'deployment_success', 'api_post_event']) {
      es.addEventListener(type, (m) => seen.push({ type, data: JSON.parse(m.data) as Record<string, unknown> }));
    }
    await new Promise<void>((resolve, reject) => {
      es.onopen = () => resolve();
      es.onerror = (e) => reject(e);
    });
    const created = await api(fw.url, 'POST', '/v2/apps', httpdApp('/sse'));
    await waitFor(
      () => seen.some((s) => s.type === 'deployment_success' && s.data.id === created.headers.get('marathon-deployment-id')),
      'deployment_success',
      20_000,
    );
    const running = seen.find((s) => s.type === 'status_update_event' && s.data.taskStatus === 'TASK_RUNNING');
    expect(running?.data).toMatchObject({ eventType: 'status_update_event', appId: '/sse' });
    expect(seen.some((s) => s.type === 'api_post_event')).toBe(false); // filtered out
  });
});
