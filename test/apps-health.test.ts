import { afterEach, describe, expect, it } from 'vitest';
import { api, deploymentsDone, startApps, startAppsAgent } from './support/apps.js';
import { cleanup, startMaster, waitFor } from './support/cluster.js';

// A rolling upgrade gated on health, on a real master and agent (process containerizer,
// busybox httpd, the agent's HTTP health check).

afterEach(cleanup);

interface TaskJson {
  id: string;
  state: string;
  version: string;
  healthCheckResults?: { alive: boolean }[];
}

/** busybox httpd on $PORT0, serving only after $DELAY seconds (so a new task runs a while before it is healthy). */
const healthApp = (id: string, instances: number, env: Record<string, string>, strategy: Record<string, number>) => ({
  id,
  cmd: 'sleep $DELAY; echo ok > index.html && exec busybox httpd -f -p 127.0.0.1:$PORT0 -h .',
  cpus: 0.1,
  mem: 32,
  instances,
  env,
  portDefinitions: [{ port: 0, protocol: 'tcp', name: 'http' }],
  // The grace period covers the delay: no failure is counted (and no task killed) while the new httpd is not up yet.
  healthChecks: [{ protocol: 'HTTP', path: '/index.html', portIndex: 0, gracePeriodSeconds: 20, intervalSeconds: 0.5, timeoutSeconds: 1, maxConsecutiveFailures: 3, delaySeconds: 0 }],
  upgradeStrategy: strategy,
});

/** busybox httpd serving the file /a on $PORT0; nothing listens on $PORT1. */
const twoPortApp = (id: string, tcpPortIndex: number) => ({
  id,
  cmd: 'echo ok > a && exec busybox httpd -f -p 127.0.0.1:$PORT0 -h .',
  cpus: 0.1,
  mem: 32,
  instances: 1,
  portDefinitions: [{ port: 0, name: 'http' }, { port: 0, name: 'spare' }],
  healthChecks: [
    { protocol: 'MESOS_HTTP', path: '/a', portIndex: 0, gracePeriodSeconds: 20, intervalSeconds: 0.3, timeoutSeconds: 1, maxConsecutiveFailures: 3, delaySeconds: 0 },
    // maxConsecutiveFailures 0: Marathon never acts on its failures, so the instance stays, unhealthy.
    { protocol: 'MESOS_TCP', portIndex: tcpPortIndex, gracePeriodSeconds: 0, intervalSeconds: 0.3, timeoutSeconds: 1, maxConsecutiveFailures: 0, delaySeconds: 0 },
  ],
});

describe('apps health', () => {
  it('apps-health-all-checks - an instance is healthy only when every health check passes: HTTP /a and TCP on the served port pass, TCP on a closed port makes it unhealthy', async () => {
    const master = await startMaster();
    await startAppsAgent(master);
    const fw = await startApps(master);
    const failed: Record<string, unknown>[] = [];
    fw.events.subscribe((e) => failed.push(e), new Set(['failed_health_check_event']));
    expect((await api(fw.url, 'POST', '/v2/apps', twoPortApp('/both', 0))).status).toBe(201);
    expect((await api(fw.url, 'POST', '/v2/apps', twoPortApp('/onefails', 1))).status).toBe(201);
    const both = await waitFor(async () => {
      const app = (await api(fw.url, 'GET', '/v2/apps/both')).body.app;
      return app.tasksHealthy === 1 ? app : undefined;
    }, 'both checks passing', 20_000, 100);
    expect(both.tasks[0].healthCheckResults[0]).toMatchObject({ alive: true });
    const oneFails = await waitFor(async () => {
      const app = (await api(fw.url, 'GET', '/v2/apps/onefails')).body.app;
      return app.tasksUnhealthy === 1 ? app : undefined;
    }, 'the instance unhealthy', 20_000, 100);
    expect(oneFails).toMatchObject({ tasksRunning: 1, tasksHealthy: 0 });
    const result = oneFails.tasks[0].healthCheckResults[0];
    expect(result.alive).toBe(false);
    expect(result.lastFailureCause).toMatch(/^health check 2 of 2 \(TCP\): TCP connect to port \d+ failed/);
    expect(failed.some((e) => e.appId === '/onefails' && e.taskId === oneFails.tasks[0].id)).toBe(true);
    expect(failed.some((e) => e.appId === '/both')).toBe(false);
  });


  it('apps-health-rolling - an env change rolls gated on health: never fewer healthy than minimumHealthCapacity x n, never more running than (1+maximumOverCapacity) x n; only the new version remains', async () => {
    const master = await startMaster();
    await startAppsAgent(master);
    const fw = await startApps(master);
    const n = 4;
    const strategy = { minimumHealthCapacity: 0.5, maximumOverCapacity: 0.5 };
    const minHealthy = Math.ceil(n * strategy.minimumHealthCapacity);
    const maxRunning = Math.floor(n * (1 + strategy.maximumOverCapacity));
    expect((await api(fw.url, 'POST', '/v2/apps', healthApp('/hc', n, { V: '1', DELAY: '0' }, strategy))).status).toBe(201);
    await deploymentsDone(fw.url, 60_000);
    await waitFor(async () => (await api(fw.url, 'GET', '/v2/apps/hc')).body.app.tasksHealthy === n, 'all instances healthy', 30_000, 100);

    // The new version's httpd answers only 2 s after its task is RUNNING: a scheduler that
    // counted RUNNING instead of HEALTHY would kill old instances during that window.
    const put = await api(fw.url, 'PUT', '/v2/apps/hc', healthApp('/hc', n, { V: '2', DELAY: '2' }, strategy));
    expect(put.status).toBe(200);
    const frameworkId = fw.scheduler.frameworkId;
    let minSeenHealthy = Number.POSITIVE_INFINITY;
    let maxSeenRunning = 0;
    let sawRunningUnhealthyNew = false;
    let samples = 0;
    const started = Date.now();
    for (;;) {
      const app = (await api(fw.url, 'GET', '/v2/apps/hc')).body.app;
      const tasks = app.tasks as TaskJson[];
      // tasksHealthy, cross-checked against the tasks' own healthCheckResults.
      const healthyByResults = tasks.filter((t) => t.state === 'TASK_RUNNING' && t.healthCheckResults?.[0]?.alive === true).length;
      expect(healthyByResults).toBe(app.tasksHealthy);
      minSeenHealthy = Math.min(minSeenHealthy, app.tasksHealthy);
      const live = master.state().tasks?.filter((t) => t.frameworkId === frameworkId && (t.state === 'TASK_STAGING' || t.state === 'TASK_STARTING' || t.state === 'TASK_RUNNING' || t.state === 'TASK_KILLING')).length ?? 0;
      maxSeenRunning = Math.max(maxSeenRunning, live);
      if (tasks.some((t) => t.version === app.version && t.state === 'TASK_RUNNING' && t.healthCheckResults?.[0]?.alive !== true)) sawRunningUnhealthyNew = true;
      samples += 1;
      if ((await api(fw.url, 'GET', '/v2/deployments')).body.length === 0) break;
      expect(Date.now() - started, 'the rolling upgrade took too long').toBeLessThan(60_000);
      await new Promise((r) => setTimeout(r, 20));
    }
    expect(samples).toBeGreaterThan(10);
    expect(sawRunningUnhealthyNew, 'a new task was sampled RUNNING but not yet healthy').toBe(true);
    expect(minSeenHealthy).toBeGreaterThanOrEqual(minHealthy);
    expect(maxSeenRunning).toBeLessThanOrEqual(maxRunning);

    const app = (await api(fw.url, 'GET', '/v2/apps/hc')).body.app;
    expect(app.tasksHealthy).toBe(n);
    expect(app.tasks).toHaveLength(n);
    expect(app.tasks.every((t: TaskJson) => t.version === app.version && t.healthCheckResults?.[0]?.alive === true)).toBe(true);
    const live = master.state().tasks?.filter((t) => t.frameworkId === frameworkId && t.state === 'TASK_RUNNING') ?? [];
    expect(live.map((t) => t.info?.taskId).sort()).toEqual(app.tasks.map((t: TaskJson) => t.id).sort());
  }, 120_000);
});
