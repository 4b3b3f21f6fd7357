import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { AppsEvent } from '@tandem/apps';
import { afterEach, describe, expect, it } from 'vitest';
import { api, deploymentsDone, startApps, startAppsAgent } from './support/apps.js';
import { cleanup, startMaster, tempDir, waitFor } from './support/cluster.js';

// Health on a real master and agent (process containerizer, busybox httpd, the agent's
// health checks): every check counts, rolling upgrades are gated on health, and an
// instance that turns unhealthy is replaced before it is killed.

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
  healthChecks: [
    {
      protocol: 'HTTP',
      path: '/index.html',
      portIndex: 0,
      gracePeriodSeconds: 20,
      intervalSeconds: 0.5,
      timeoutSeconds: 1,
      maxConsecutiveFailures: 3,
      delaySeconds: 0,
    },
  ],
  upgradeStrategy: strategy,
});

/** busybox httpd serving the file /a on $PORT0; nothing listens on $PORT1. */
const twoPortApp = (id: string, tcpPortIndex: number) => ({
  id,
  cmd: 'echo ok > a && exec busybox httpd -f -p 127.0.0.1:$PORT0 -h .',
  cpus: 0.1,
  mem: 32,
  instances: 1,
  portDefinitions: [
    { port: 0, name: 'http' },
    { port: 0, name: 'spare' },
  ],
  healthChecks: [
    {
      protocol: 'MESOS_HTTP',
      path: '/a',
      portIndex: 0,
      gracePeriodSeconds: 20,
      intervalSeconds: 0.3,
      timeoutSeconds: 1,
      maxConsecutiveFailures: 3,
      delaySeconds: 0,
    },
    // maxConsecutiveFailures 0: Marathon never acts on its failures, so the instance stays, unhealthy.
    // The grace covers httpd's start on PORT0; a closed PORT1 fails for good once it ends.
    {
      protocol: 'MESOS_TCP',
      portIndex: tcpPortIndex,
      gracePeriodSeconds: 2,
      intervalSeconds: 0.3,
      timeoutSeconds: 1,
      maxConsecutiveFailures: 0,
      delaySeconds: 0,
    },
  ],
});

/** busybox httpd serving index.html from its sandbox on $PORT0, with one HTTP check on it. */
const servedApp = (id: string, instances: number, check: Record<string, number>, extra: Record<string, unknown> = {}) => ({
  id,
  cmd: 'echo ok > index.html && exec busybox httpd -f -p 127.0.0.1:$PORT0 -h .',
  cpus: 0.1,
  mem: 32,
  instances,
  healthChecks: [{ protocol: 'MESOS_HTTP', path: '/index.html', portIndex: 0, timeoutSeconds: 1, delaySeconds: 0, ...check }],
  ...extra,
});

/** Index of the first event matching `match`; -1 when none. */
const indexOf = (events: readonly AppsEvent[], type: string, match: (e: AppsEvent) => boolean): number =>
  events.findIndex((e) => e.eventType === type && match(e));

describe('apps health', () => {
  it('apps-health-all-checks - an instance is healthy only when every health check passes: HTTP /a and TCP on the served port pass, TCP on a closed port makes it unhealthy', async () => {
    const master = await startMaster();
    await startAppsAgent(master);
    const fw = await startApps(master);
    const failed: Record<string, unknown>[] = [];
    fw.events.subscribe((e) => failed.push(e), new Set(['failed_health_check_event']));
    expect((await api(fw.url, 'POST', '/v2/apps', twoPortApp('/both', 0))).status).toBe(201);
    expect((await api(fw.url, 'POST', '/v2/apps', twoPortApp('/onefails', 1))).status).toBe(201);
    const both = await waitFor(
      async () => {
        const app = (await api(fw.url, 'GET', '/v2/apps/both')).body.app;
        return app.tasksHealthy === 1 ? app : undefined;
      },
      'both checks passing',
      45_000,
      100,
    );
    expect(both.tasks[0].healthCheckResults[0]).toMatchObject({ alive: true });
    const oneFails = await waitFor(
      async () => {
        const app = (await api(fw.url, 'GET', '/v2/apps/onefails')).body.app;
        return app.tasksUnhealthy === 1 ? app : undefined;
      },
      'the instance unhealthy',
      45_000,
      100,
    );
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
      const live =
        master
          .state()
          .tasks?.filter(
            (t) =>
              t.frameworkId === frameworkId &&
              (t.state === 'TASK_STAGING' || t.state === 'TASK_STARTING' || t.state === 'TASK_RUNNING' || t.state === 'TASK_KILLING'),
          ).length ?? 0;
      maxSeenRunning = Math.max(maxSeenRunning, live);
      if (tasks.some((t) => t.version === app.version && t.state === 'TASK_RUNNING' && t.healthCheckResults?.[0]?.alive !== true))
        sawRunningUnhealthyNew = true;
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

  it('apps-health-replace - an instance that turns unhealthy gets a replacement that is RUNNING and healthy before it is KILLED; the app ends with exactly `instances` healthy', async () => {
    const master = await startMaster();
    const workDir = tempDir();
    await startAppsAgent(master, { workDir });
    const fw = await startApps(master);
    const events: AppsEvent[] = [];
    fw.events.subscribe((e) => events.push(e));
    // Bound: grace 30 + 0.3 x 3 s, far beyond what the replacement needs to start.
    const check = { gracePeriodSeconds: 30, intervalSeconds: 0.3, maxConsecutiveFailures: 3 };
    expect((await api(fw.url, 'POST', '/v2/apps', servedApp('/heal', 2, check))).status).toBe(201);
    await deploymentsDone(fw.url);
    const before = await waitFor(
      async () => {
        const app = (await api(fw.url, 'GET', '/v2/apps/heal')).body.app;
        return app.tasksHealthy === 2 ? app : undefined;
      },
      'two healthy instances',
      20_000,
      100,
    );
    const [victim, other] = before.tasks as TaskJson[];
    const frameworkId = fw.scheduler.frameworkId!;
    // The served file disappears: the victim's check gets 404 from now on.
    rmSync(join(workDir, 'sandboxes', frameworkId, victim!.id, 'index.html'));

    const after = await waitFor(
      async () => {
        const app = (await api(fw.url, 'GET', '/v2/apps/heal')).body.app;
        const ids = (app.tasks as TaskJson[]).map((t) => t.id);
        return app.tasksHealthy === 2 && ids.length === 2 && !ids.includes(victim!.id) ? app : undefined;
      },
      'the victim replaced',
      30_000,
      100,
    );
    const replacement = (after.tasks as TaskJson[]).find((t) => t.id !== other!.id)!;
    expect((after.tasks as TaskJson[]).map((t) => t.id)).toContain(other!.id);
    await waitFor(
      () => indexOf(events, 'status_update_event', (e) => e.taskId === victim!.id && e.taskStatus === 'TASK_KILLED') >= 0,
      'the victim KILLED',
      10_000,
    );

    const failedCheck = indexOf(events, 'failed_health_check_event', (e) => e.taskId === victim!.id);
    const replacementRunning = indexOf(events, 'status_update_event', (e) => e.taskId === replacement.id && e.taskStatus === 'TASK_RUNNING');
    const replacementHealthy = indexOf(events, 'health_status_changed_event', (e) => e.taskId === replacement.id && e.alive === true);
    const killEvent = indexOf(events, 'unhealthy_instance_kill_event', (e) => e.taskId === victim!.id);
    const victimKilling = indexOf(
      events,
      'status_update_event',
      (e) => e.taskId === victim!.id && (e.taskStatus === 'TASK_KILLING' || e.taskStatus === 'TASK_KILLED'),
    );
    expect(failedCheck).toBeGreaterThanOrEqual(0);
    expect(replacementRunning).toBeGreaterThan(failedCheck);
    expect(replacementHealthy).toBeGreaterThan(replacementRunning);
    expect(killEvent).toBeGreaterThan(replacementHealthy);
    expect(victimKilling).toBeGreaterThan(killEvent);
    expect(events[killEvent]).toMatchObject({ appId: '/heal', instanceId: victim!.id.split('.')[1], host: 'it-host' });
    expect(String(events[killEvent]?.reason)).toMatch(/HTTP GET \/index\.html on port \d+ returned 404; replaced by the healthy instance/);
    // Exactly `instances` left running on the master: the two healthy ones.
    const live = master.state().tasks?.filter((t) => t.frameworkId === frameworkId && t.state !== 'TASK_KILLED') ?? [];
    expect(live.map((t) => t.info?.taskId).sort()).toEqual([other!.id, replacement.id].sort());
  }, 60_000);

  it('apps-health-replace-bound - with no room for a replacement (hostname UNIQUE, one agent) the unhealthy instance is killed once the bound passes, then replaced where it ran', async () => {
    const master = await startMaster();
    const workDir = tempDir();
    await startAppsAgent(master, { workDir });
    const fw = await startApps(master);
    const events: AppsEvent[] = [];
    fw.events.subscribe((e) => events.push(e));
    // Bound: grace 1 + 0.3 x 3 = 1.9 s.
    const check = { gracePeriodSeconds: 1, intervalSeconds: 0.3, maxConsecutiveFailures: 3 };
    expect((await api(fw.url, 'POST', '/v2/apps', servedApp('/solo', 1, check, { constraints: [['hostname', 'UNIQUE']] }))).status).toBe(201);
    await deploymentsDone(fw.url);
    const before = await waitFor(
      async () => {
        const app = (await api(fw.url, 'GET', '/v2/apps/solo')).body.app;
        return app.tasksHealthy === 1 ? app : undefined;
      },
      'one healthy instance',
      20_000,
      100,
    );
    const victim = (before.tasks as TaskJson[])[0]!;
    const victimInstance = victim.id.split('.')[1];
    rmSync(join(workDir, 'sandboxes', fw.scheduler.frameworkId!, victim.id, 'index.html'));

    const after = await waitFor(
      async () => {
        const app = (await api(fw.url, 'GET', '/v2/apps/solo')).body.app;
        return app.tasksHealthy === 1 && app.tasks.length === 1 && app.tasks[0].id !== victim.id ? app : undefined;
      },
      'the victim replaced',
      30_000,
      100,
    );
    const replacement = (after.tasks as TaskJson[])[0]!;
    const replacementInstance = replacement.id.split('.')[1];
    const scheduled = indexOf(events, 'instance_changed_event', (e) => e.instanceId === replacementInstance && e.condition === 'Scheduled');
    const killEvent = indexOf(events, 'unhealthy_instance_kill_event', (e) => e.taskId === victim.id);
    const victimGone = indexOf(events, 'instance_changed_event', (e) => e.instanceId === victimInstance && e.condition === 'Killed');
    const provisioned = indexOf(events, 'instance_changed_event', (e) => e.instanceId === replacementInstance && e.condition === 'Provisioned');
    // The replacement was asked for first, could not be placed next to the victim, and launched only once the victim was gone.
    expect(scheduled).toBeGreaterThanOrEqual(0);
    expect(killEvent).toBeGreaterThan(scheduled);
    expect(String(events[killEvent]?.reason)).toMatch(/returned 404; no healthy replacement within 1\.9 s/);
    expect(victimGone).toBeGreaterThan(killEvent);
    expect(provisioned).toBeGreaterThan(victimGone);
    // One replacement, no other instance.
    expect(
      events.filter((e) => e.eventType === 'instance_changed_event' && e.condition === 'Scheduled' && e.instanceId !== victimInstance).map((e) => e.instanceId),
    ).toEqual([replacementInstance]);
  }, 60_000);

  it('apps-health-replace-recover - an unhealthy instance that recovers before its replacement could start keeps running; the queued replacement is dropped', async () => {
    const master = await startMaster();
    const workDir = tempDir();
    await startAppsAgent(master, { workDir });
    const fw = await startApps(master);
    const events: AppsEvent[] = [];
    fw.events.subscribe((e) => events.push(e));
    // hostname UNIQUE on one agent: the replacement waits in the queue. Bound: 30.9 s.
    const check = { gracePeriodSeconds: 30, intervalSeconds: 0.3, maxConsecutiveFailures: 3 };
    expect((await api(fw.url, 'POST', '/v2/apps', servedApp('/back', 1, check, { constraints: [['hostname', 'UNIQUE']] }))).status).toBe(201);
    const before = await waitFor(
      async () => {
        const app = (await api(fw.url, 'GET', '/v2/apps/back')).body.app;
        return app.tasksHealthy === 1 ? app : undefined;
      },
      'one healthy instance',
      20_000,
      100,
    );
    const victim = (before.tasks as TaskJson[])[0]!;
    const victimInstance = victim.id.split('.')[1];
    const served = join(workDir, 'sandboxes', fw.scheduler.frameworkId!, victim.id, 'index.html');
    rmSync(served);
    const waiting = await waitFor(async () => (await api(fw.url, 'GET', '/v2/apps/back?embed=tandem')).body.app.waiting, 'the replacement queued', 20_000, 100);
    expect(waiting.count).toBe(1);
    const unhealthyAt = indexOf(events, 'health_status_changed_event', (e) => e.taskId === victim.id && e.alive === false);
    expect(unhealthyAt).toBeGreaterThanOrEqual(0);
    writeFileSync(served, 'ok\n');
    await waitFor(
      () => indexOf(events.slice(unhealthyAt), 'health_status_changed_event', (e) => e.taskId === victim.id && e.alive === true) >= 0,
      'the victim healthy again',
      10_000,
    );
    const after = await waitFor(
      async () => {
        const app = (await api(fw.url, 'GET', '/v2/apps/back?embed=tandem')).body.app;
        return app.waiting === undefined ? app : undefined;
      },
      'the queued replacement dropped',
      10_000,
      100,
    );
    expect(after).toMatchObject({ tasksHealthy: 1, tasksRunning: 1 });
    expect(after.tasks.map((t: TaskJson) => t.id)).toEqual([victim.id]);
    expect(fw.repo.instancesOf('/back').map((i) => i.instanceId)).toEqual([victimInstance]);
    expect(indexOf(events, 'unhealthy_instance_kill_event', () => true)).toBe(-1);
    expect(master.state().completedTasks ?? []).toEqual([]);
  }, 60_000);
});
