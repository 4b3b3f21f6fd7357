import { afterEach, describe, expect, it } from 'vitest';
import { api, deploymentsDone, httpdApp, startApps, startAppsAgent } from './support/apps.js';
import { cleanup, startMaster, waitFor } from './support/cluster.js';
import { startJobs } from './support/jobs.js';

// Marathon's lenient parsing on a real master (and, where tasks must run, a real agent with
// the process containerizer): query booleans in any case, label selectors on GET /v2/apps,
// an app PUT back as GET returned it (ports beside equal portDefinitions), the embeds of
// apps and groups (taskStats, counts, deployments, readiness, lastTaskFailure, group.*),
// /metrics as Marathon's JSON when asked for JSON, and empty POST bodies sent as JSON.

afterEach(cleanup);

/** A POST with `content-type: application/json` and no body at all, as curl -XPOST -H sends it. */
async function emptyJsonPost(url: string): Promise<{ status: number; body: Record<string, unknown> }> {
  const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' } });
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : {} };
}

const ids = (apps: { id: string }[]): string[] => apps.map((a) => a.id);

describe('apps API lenient parsing', () => {
  it('apps-lenient - force=True, scale=TRUE and the like are true; a value that is no boolean is a 400 naming the parameter; a locked app is deleted with ?force=True', async () => {
    const master = await startMaster();
    const fw = await startApps(master); // no agent: the deployment stays, the app stays locked
    expect((await api(fw.url, 'POST', '/v2/apps', httpdApp('/locked'))).status).toBe(201);
    expect((await api(fw.url, 'PATCH', '/v2/apps/locked', { instances: 2 })).status).toBe(409);
    expect((await api(fw.url, 'PATCH', '/v2/apps/locked?force=TRUE', { instances: 2 })).status).toBe(200);
    const maybe = await api(fw.url, 'PATCH', '/v2/apps/locked?force=maybe', { instances: 3 });
    expect(maybe.status).toBe(400);
    expect(maybe.body.message).toBe('force: "maybe" is not a boolean (true or false, in any case)');
    expect((await api(fw.url, 'GET', '/v2/apps/locked')).body.app.instances).toBe(2);
    // A POST that takes no body, sent with content-type: application/json and nothing else.
    const restarted = await emptyJsonPost(`${fw.url}/v2/apps/locked/restart?force=True`);
    expect(restarted.status).toBe(200);
    expect(restarted.body.deploymentId).toEqual(expect.any(String));
    expect((await api(fw.url, 'DELETE', '/v2/apps/locked')).status).toBe(409);
    expect((await api(fw.url, 'DELETE', '/v2/apps/locked?force=False')).status).toBe(409);
    const deleted = await api(fw.url, 'DELETE', '/v2/apps/locked?force=True');
    expect(deleted.status).toBe(200);
    await waitFor(async () => (await api(fw.url, 'GET', '/v2/apps/locked')).status === 404, 'the locked app gone');
  });

  it('apps-lenient - label selectors on GET /v2/apps: ==, !=, in, notin, existence and comma as AND; a bad selector is a 422 naming label', async () => {
    const master = await startMaster();
    const fw = await startApps(master);
    const labelled: [string, Record<string, string>][] = [
      ['/web', { team: 'web', env: 'prod' }],
      ['/web-canary', { team: 'web', env: 'qa', canary: 'yes' }],
      ['/db', { team: 'db', env: 'prod' }],
      ['/bare', {}],
    ];
    for (const [id, labels] of labelled) expect((await api(fw.url, 'POST', '/v2/apps', httpdApp(id, { instances: 0, labels }))).status).toBe(201);
    const select = async (selector: string): Promise<string[]> => {
      const r = await api(fw.url, 'GET', `/v2/apps?label=${encodeURIComponent(selector)}`);
      expect(r.status, selector).toBe(200);
      return ids(r.body.apps);
    };
    expect(await select('team==web')).toEqual(['/web', '/web-canary']);
    expect(await select('team!=web')).toEqual(['/db']);
    expect(await select('env in (qa, staging)')).toEqual(['/web-canary']);
    expect(await select('env notin (qa)')).toEqual(['/db', '/web']);
    expect(await select('canary')).toEqual(['/web-canary']);
    expect(await select('team==web,env==prod')).toEqual(['/web']);
    expect(await select('team, env notin (qa)')).toEqual(['/db', '/web']);
    expect(await select('')).toEqual(['/bare', '/db', '/web', '/web-canary']);
    // The label filter composes with id and cmd.
    expect(ids((await api(fw.url, 'GET', '/v2/apps?label=team==web&id=canary')).body.apps)).toEqual(['/web-canary']);
    const bad = await api(fw.url, 'GET', `/v2/apps?label=${encodeURIComponent('team=web')}`);
    expect(bad.status).toBe(422);
    expect(bad.body.details[0].path).toBe('label');
    expect(bad.body.message).toMatch(/^label: Can not parse label selector "team=web": .* at position 4/);
  });

  it('apps-lenient - an app PUT back exactly as GET returned it (ports beside equal portDefinitions) is accepted; unequal ports and portDefinitions are a 422 naming both', async () => {
    const master = await startMaster();
    const fw = await startApps(master);
    const created = await api(fw.url, 'POST', '/v2/apps', httpdApp('/round', { instances: 0, portDefinitions: [{ port: 0, name: 'http' }, { port: 0 }] }));
    expect(created.status).toBe(201);
    await deploymentsDone(fw.url);
    const shown = (await api(fw.url, 'GET', '/v2/apps/round')).body.app;
    // Service ports are given to the app (as Marathon does): GET shows them in both fields.
    expect(shown.ports).toHaveLength(2);
    expect(shown.portDefinitions.map((p: { port: number }) => p.port)).toEqual(shown.ports);
    const put = await api(fw.url, 'PUT', '/v2/apps/round', { ...shown, env: { CHANGED: '1' } });
    expect(put.status).toBe(200);
    await deploymentsDone(fw.url);
    const after = (await api(fw.url, 'GET', '/v2/apps/round')).body.app;
    expect(after.env).toEqual({ CHANGED: '1' });
    expect(after.portDefinitions.map((p: { name?: string }) => p.name)).toEqual(['http', undefined]);
    // The whole list as GET /v2/apps showed it, PUT back at once.
    const listed = (await api(fw.url, 'GET', '/v2/apps')).body.apps;
    expect((await api(fw.url, 'PUT', '/v2/apps', listed)).status).toBe(200);
    await deploymentsDone(fw.url);
    // Both given and different: neither is guessed, nothing changes.
    const before = (await api(fw.url, 'GET', '/v2/apps/round')).body.app;
    const unequal = await api(fw.url, 'PUT', '/v2/apps/round', { ...before, ports: [12_345, before.ports[1]] });
    expect(unequal.status).toBe(422);
    expect(unequal.body.details.map((d: { path: string }) => d.path)).toEqual(expect.arrayContaining(['/ports', '/portDefinitions']));
    expect(unequal.body.details[0].errors[0]).toMatch(/cannot specify both ports and port definitions unless they are equal: ports is \[12345, \d+\]/);
    expect((await api(fw.url, 'GET', '/v2/apps/round')).body.app.version).toBe(before.version);
    // A new app given both, equal, is created with them.
    const both = await api(fw.url, 'POST', '/v2/apps', httpdApp('/both', { instances: 0, ports: [10_002], portDefinitions: [{ port: 10_002, name: 'web' }] }));
    expect(both.status).toBe(201);
    expect(both.body.portDefinitions).toEqual([expect.objectContaining({ port: 10_002, name: 'web' })]);
  });

  it('apps-lenient - embeds: app.taskStats (by version), counts, deployments, readiness, lastTaskFailure, tasks on apps; group.apps, group.groups and group.apps.* on groups; a kill with scale=TRUE', async () => {
    const master = await startMaster();
    await startAppsAgent(master);
    const fw = await startApps(master);
    // A task that binds no port: nothing another suite on this machine does can end it.
    expect((await api(fw.url, 'POST', '/v2/apps', { id: '/g/web', cmd: 'sleep 1000', cpus: 0.1, mem: 32, instances: 1 })).status).toBe(201);
    expect((await api(fw.url, 'POST', '/v2/apps', { id: '/g/fails', cmd: 'exit 3', cpus: 0.1, mem: 16, instances: 1, backoffSeconds: 60 })).status).toBe(201);
    await waitFor(async () => (await api(fw.url, 'GET', '/v2/apps/g/web')).body.app.tasksRunning === 1, 'web running');
    const failure = await waitFor(async () => (await api(fw.url, 'GET', '/v2/apps/g/fails')).body.app.lastTaskFailure, 'the failing app to fail');
    expect(failure.state).toBe('TASK_FAILED');

    // taskStats: one task, launched with the current version.
    const stats = (await api(fw.url, 'GET', '/v2/apps/g/web?embed=app.taskStats')).body.app.taskStats;
    expect(Object.keys(stats).sort()).toEqual(['startedAfterLastScaling', 'totalSummary', 'withLatestConfig']);
    expect(stats.totalSummary.stats.counts).toEqual({ staged: 0, running: 1, healthy: 0, unhealthy: 0 });
    expect(stats.totalSummary.stats.lifeTime.averageSeconds).toBeGreaterThanOrEqual(0);
    expect(stats.totalSummary.stats.lifeTime.medianSeconds).toBe(stats.totalSummary.stats.lifeTime.averageSeconds);
    // Scaled to two: the first task was not started after the last scaling, both run the latest config.
    expect((await api(fw.url, 'PATCH', '/v2/apps/g/web', { instances: 2 })).status).toBe(200);
    await waitFor(async () => (await api(fw.url, 'GET', '/v2/apps/g/web')).body.app.tasksRunning === 2, 'web scaled to two');
    const scaled = (await api(fw.url, 'GET', '/v2/apps/g/web?embed=app.taskStats')).body.app.taskStats;
    expect(scaled.startedAfterLastScaling.stats.counts.running).toBe(1);
    expect(scaled.withLatestConfig.stats.counts.running).toBe(2);
    expect(scaled.totalSummary.stats.counts.running).toBe(2);
    expect(scaled.withOutdatedConfig).toBeUndefined();

    // GET /v2/apps: counts and deployments always; tasks, lastTaskFailure, readiness and taskStats when embedded, with or without a prefix.
    const plain = (await api(fw.url, 'GET', '/v2/apps')).body.apps;
    for (const a of plain) {
      expect(a).toHaveProperty('tasksRunning');
      expect(a).toHaveProperty('deployments');
      for (const k of ['tasks', 'lastTaskFailure', 'readinessCheckResults', 'taskStats']) expect(a, k).not.toHaveProperty(k);
    }
    const byId = async (query: string): Promise<Record<string, Record<string, unknown>>> =>
      Object.fromEntries((await api(fw.url, 'GET', `/v2/apps?${query}`)).body.apps.map((a: { id: string }) => [a.id, a]));
    const embedded = await byId('embed=apps.tasks&embed=apps.lastTaskFailure&embed=app.readiness&embed=taskStats&embed=apps.counts&embed=apps.deployments');
    expect(embedded['/g/web']!.tasks).toHaveLength(2);
    expect(embedded['/g/web']!.readinessCheckResults).toEqual([]);
    expect(embedded['/g/web']!).toHaveProperty('taskStats.totalSummary.stats.counts.running', 2);
    expect(embedded['/g/fails']!).toHaveProperty('lastTaskFailure.state', 'TASK_FAILED');
    // The deprecated apps.failures: tasks and lastTaskFailure.
    const failures = await byId('embed=apps.failures');
    expect(failures['/g/fails']!).toHaveProperty('lastTaskFailure');
    expect(failures['/g/web']!.tasks).toHaveLength(2);

    // Groups: by default apps, groups and pods, each app its definition alone.
    const root = (await api(fw.url, 'GET', '/v2/groups')).body;
    const g = root.groups.find((x: { id: string }) => x.id === '/g');
    expect(ids(g.apps).sort()).toEqual(['/g/fails', '/g/web']);
    for (const k of ['tasksRunning', 'deployments', 'tasks', 'taskStats']) expect(g.apps[0], k).not.toHaveProperty(k);
    expect(root).toHaveProperty('pods');
    // group.apps with group.apps.counts and group.apps.taskStats: the apps carry them; no groups asked, none shown.
    const withCounts = (await api(fw.url, 'GET', '/v2/groups/g?embed=group.apps&embed=group.apps.counts&embed=group.apps.taskStats')).body;
    expect(withCounts).not.toHaveProperty('groups');
    expect(withCounts).not.toHaveProperty('pods');
    const web = withCounts.apps.find((a: { id: string }) => a.id === '/g/web');
    expect(web.tasksRunning).toBe(2);
    expect(web.taskStats.totalSummary.stats.counts.running).toBe(2);
    expect(web).not.toHaveProperty('deployments');
    // group.groups alone: the tree without apps, at every depth.
    const tree = (await api(fw.url, 'GET', '/v2/groups?embed=group.groups')).body;
    expect(tree).not.toHaveProperty('apps');
    expect(tree.groups.map((x: { id: string }) => x.id)).toEqual(['/g']);
    expect(tree.groups[0]).not.toHaveProperty('apps');

    // Marathon's /v2/apps/<group>/*: every app under the group as GET /v2/apps/{id} shows it.
    const star = (await api(fw.url, 'GET', '/v2/apps/g/*')).body['*'];
    expect(ids(star)).toEqual(['/g/fails', '/g/web']);
    expect(star[1].tasks).toHaveLength(2);
    expect(ids((await api(fw.url, 'GET', '/v2/apps/*')).body['*'])).toEqual(['/g/fails', '/g/web']);
    expect((await api(fw.url, 'GET', '/v2/apps/nope/*')).status).toBe(404);

    // scale=TRUE on a task kill: the app is scaled down by the task killed.
    const [victim] = (await api(fw.url, 'GET', '/v2/apps/g/web/tasks')).body.tasks;
    expect((await api(fw.url, 'DELETE', `/v2/apps/g/web/tasks/${victim.id}?scale=TRUE`)).status).toBe(200);
    await waitFor(async () => (await api(fw.url, 'GET', '/v2/apps/g/web')).body.app.instances === 1, 'web scaled down by the kill');
  });

  it('apps-lenient - /metrics is Marathon JSON when the client asks for JSON, Prometheus text for text/plain or no Accept, and always on /metrics/prometheus', async () => {
    const master = await startMaster();
    const fw = await startApps(master);
    expect((await api(fw.url, 'POST', '/v2/apps', httpdApp('/m', { instances: 0 }))).status).toBe(201);
    const get = async (path: string, accept?: string): Promise<{ type: string; text: string }> => {
      const res = await fetch(`${fw.url}${path}`, accept === undefined ? {} : { headers: { accept } });
      expect(res.status, `${path} ${accept}`).toBe(200);
      return { type: res.headers.get('content-type') ?? '', text: await res.text() };
    };
    const json = await get('/metrics', 'application/json');
    expect(json.type).toMatch(/^application\/json/);
    const doc = JSON.parse(json.text);
    expect(Object.keys(doc)).toEqual(['version', 'gauges', 'counters', 'histograms', 'meters', 'timers']);
    expect(doc.gauges['marathon.apps.active.gauge']).toEqual({ value: 1 });
    expect(doc.counters['tandem_apps_http_requests_total.method.POST.status.201']).toEqual({ count: 1 });
    for (const [path, accept] of [
      ['/metrics', 'text/plain'],
      ['/metrics', undefined],
      ['/metrics', '*/*'],
      ['/metrics/prometheus', 'application/json'],
    ] as const) {
      const text = await get(path, accept);
      expect(text.type, `${path} ${accept}`).toMatch(/^text\/plain/);
      expect(text.text).toMatch(/^# HELP /m);
      expect(text.text).toMatch(/^tandem_apps_apps 1$/m);
    }
  });

  it('apps-lenient - jobs: POST /v1/jobs/{id}/runs and .../actions/stop with content-type: application/json and no body start and stop a run', async () => {
    const master = await startMaster();
    const { jobs, api: call } = await startJobs(master); // no agent: the run waits for an offer
    expect((await call('POST', '/v1/jobs', { id: 'curl', run: { cmd: 'sleep 60', cpus: 0.1, mem: 32 } })).status).toBe(201);
    const started = await emptyJsonPost(`${jobs.url}/v1/jobs/curl/runs`);
    expect(started.status).toBe(201);
    expect(started.body.id).toEqual(expect.any(String));
    expect((await call('GET', '/v1/jobs/curl/runs')).body.map((r: { id: string }) => r.id)).toEqual([started.body.id]);
    const stopped = await emptyJsonPost(`${jobs.url}/v1/jobs/curl/runs/${started.body.id}/actions/stop`);
    expect(stopped.status).toBe(200);
    await waitFor(async () => (await call('GET', '/v1/jobs/curl/runs')).body.length === 0, 'the run stopped');
  });
});
