import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { api, deploymentsDone, startApps, startAppsAgent } from './support/apps.js';
import { cleanup, dockerAvailable, startMaster, TEST_IMAGE, waitFor } from './support/cluster.js';

// Readiness checks on a real master, a real agent and real Docker: the apps framework
// itself queries each new task's /ready on the task's host and the host port named by
// portName. The task serves /ready only once the test asks it to (a CGI script of the
// task's own busybox httpd writes the file), so the moment a task becomes ready is the
// test's to choose, not a timer's.

afterEach(cleanup);
let docker = false;
beforeAll(async () => {
  docker = await dockerAvailable();
});

interface ReadinessResult {
  name: string;
  taskId: string;
  ready: boolean;
  lastResponse?: { status: number; contentType: string; body: string };
}
interface TaskJson {
  id: string;
  state: string;
  version: string;
  ports: number[];
}

/** busybox httpd in Docker on $PORT0 (named "http"); GET /cgi-bin/make-ready creates /ready; READY=1 creates it at start. */
const readyApp = (id: string, instances: number, env: Record<string, string>) => ({
  id,
  cmd: [
    'mkdir -p /tmp/srv/cgi-bin && cd /tmp/srv && echo ok > index.html',
    // A CGI script; its headers end in CRLF, which fetch insists on.
    "printf '%s\\n' '#!/bin/sh' 'echo ok > /tmp/srv/ready' 'printf \"Content-Type: text/plain\\r\\n\\r\\nmade ready\\n\"' > cgi-bin/make-ready && chmod +x cgi-bin/make-ready",
    'if [ "$READY" = 1 ]; then echo ok > ready; fi',
    'exec httpd -f -p 127.0.0.1:$PORT0 -h /tmp/srv',
  ].join(' && '),
  cpus: 0.1,
  mem: 32,
  instances,
  env,
  container: { type: 'DOCKER', docker: { image: TEST_IMAGE } },
  portDefinitions: [{ port: 0, protocol: 'tcp', name: 'http' }],
  readinessChecks: [
    {
      name: 'warm',
      protocol: 'HTTP',
      path: '/ready',
      portName: 'http',
      intervalSeconds: 0.3,
      timeoutSeconds: 0.25,
      httpStatusCodesForReady: [200],
      preserveLastResponse: true,
    },
  ],
  upgradeStrategy: { minimumHealthCapacity: 1, maximumOverCapacity: 1 },
});

async function makeReady(port: number): Promise<void> {
  // RUNNING means the container started, not that httpd listens yet: poll, as a client would.
  const body = await waitFor(
    () =>
      fetch(`http://127.0.0.1:${port}/cgi-bin/make-ready`).then(
        (r) => (r.ok ? r.text() : ''),
        () => '',
      ),
    `make-ready on ${port}`,
    10_000,
    50,
  );
  expect(body.trim()).toBe('made ready');
}

async function deploymentResults(base: string): Promise<{ action: string; results: ReadinessResult[] } | undefined> {
  const [d] = (await api(base, 'GET', '/v2/deployments')).body as { currentActions: { action: string; readinessCheckResults: ReadinessResult[] }[] }[];
  const a = d?.currentActions[0];
  return a ? { action: a.action, results: a.readinessCheckResults } : undefined;
}

describe('apps readiness checks', () => {
  it('apps-readiness - a deployment stays in progress with ready:false results in /v2/deployments until the tasks answer /ready, then succeeds', async () => {
    if (!docker) return;
    const master = await startMaster();
    // The framework queries the task's host: the agent's hostname must reach it.
    await startAppsAgent(master, { containerizers: ['docker'], hostname: '127.0.0.1' });
    const fw = await startApps(master);
    expect((await api(fw.url, 'POST', '/v2/apps', readyApp('/warm', 2, {}))).status).toBe(201);

    // Both tasks RUNNING and checked, neither ready: /ready answers 404.
    const pending = await waitFor(
      async () => {
        const r = await deploymentResults(fw.url);
        return r && r.results.length === 2 && r.results.every((x) => !x.ready && x.lastResponse?.status === 404) ? r : undefined;
      },
      'two not-ready results',
      30_000,
      100,
    );
    expect(pending.action).toBe('StartApplication');
    expect(pending.results[0]).toMatchObject({ name: 'warm', ready: false, lastResponse: { status: 404, contentType: 'text/html' } });
    const tasks = (await api(fw.url, 'GET', '/v2/apps/warm/tasks')).body.tasks as TaskJson[];
    expect(tasks.map((t) => t.state)).toEqual(['TASK_RUNNING', 'TASK_RUNNING']);
    expect(pending.results.map((r) => r.taskId).sort()).toEqual(tasks.map((t) => t.id).sort());
    const embedded = (await api(fw.url, 'GET', '/v2/apps/warm?embed=app.readiness')).body.app;
    expect(embedded.deployments).toHaveLength(1);
    expect(embedded.readinessCheckResults.map((r: ReadinessResult) => r.ready)).toEqual([false, false]);

    // One task ready: the deployment still waits for the other.
    const [first, second] = tasks as [TaskJson, TaskJson];
    await makeReady(first.ports[0]!);
    const half = await waitFor(
      async () => {
        const r = await deploymentResults(fw.url);
        return r?.results.find((x) => x.taskId === first.id)?.ready ? r : undefined;
      },
      'the first task ready',
      10_000,
      50,
    );
    expect(half.results.find((x) => x.taskId === first.id)?.lastResponse).toMatchObject({ status: 200, body: 'ok\n' });
    expect(half.results.find((x) => x.taskId === second.id)?.ready).toBe(false);

    await makeReady(second.ports[0]!);
    await deploymentsDone(fw.url, 10_000);
    const app = (await api(fw.url, 'GET', '/v2/apps/warm')).body.app;
    expect(app).toMatchObject({ tasksRunning: 2, deployments: [] });
    expect(app.readinessChecks[0]).toMatchObject({ name: 'warm', portName: 'http', path: '/ready' });
    // The checks stopped with the deployment.
    expect(fw.scheduler.readiness.checking).toBe(0);
  }, 60_000);

  it('apps-readiness-rolling - a rolling upgrade kills no old instance until a new one is ready', async () => {
    if (!docker) return;
    const master = await startMaster();
    await startAppsAgent(master, { containerizers: ['docker'], hostname: '127.0.0.1' });
    const fw = await startApps(master);
    await api(fw.url, 'POST', '/v2/apps', readyApp('/roll', 2, { READY: '1' }));
    await deploymentsDone(fw.url, 30_000);
    const oldTasks = ((await api(fw.url, 'GET', '/v2/apps/roll/tasks')).body.tasks as TaskJson[]).map((t) => t.id);
    expect(oldTasks).toHaveLength(2);
    const oldRunning = async (): Promise<number> =>
      ((await api(fw.url, 'GET', '/v2/apps/roll/tasks')).body.tasks as TaskJson[]).filter((t) => oldTasks.includes(t.id) && t.state === 'TASK_RUNNING').length;

    expect((await api(fw.url, 'PUT', '/v2/apps/roll', readyApp('/roll', 2, { READY: '0' }))).status).toBe(200);
    // Until both new tasks have been checked and found not ready, every sample still has both old ones.
    let samples = 0;
    let pending: { action: string; results: ReadinessResult[] } | undefined;
    for (;;) {
      expect(await oldRunning(), 'an old instance was killed before any new one was ready').toBe(2);
      samples += 1;
      pending = await deploymentResults(fw.url);
      if (pending && pending.results.length === 2 && pending.results.every((r) => !r.ready)) break;
      expect(samples, 'the new tasks were never checked').toBeLessThan(1_500);
      await new Promise((r) => setTimeout(r, 20));
    }
    expect(pending.action).toBe('RestartApplication');
    expect(await oldRunning()).toBe(2);
    const newTasks = ((await api(fw.url, 'GET', '/v2/apps/roll/tasks')).body.tasks as TaskJson[]).filter((t) => !oldTasks.includes(t.id));
    expect(newTasks.map((t) => t.state)).toEqual(['TASK_RUNNING', 'TASK_RUNNING']);

    // One new instance ready: exactly one old one may go (minimumHealthCapacity 1 keeps 2 counted).
    await makeReady(newTasks[0]!.ports[0]!);
    await waitFor(async () => (await oldRunning()) === 1, 'one old instance killed', 10_000, 50);
    const mid = await deploymentResults(fw.url);
    expect(mid?.results.find((r) => r.taskId === newTasks[1]!.id)?.ready).toBe(false);
    expect(await oldRunning()).toBe(1);

    await makeReady(newTasks[1]!.ports[0]!);
    await deploymentsDone(fw.url, 20_000);
    const app = (await api(fw.url, 'GET', '/v2/apps/roll')).body.app;
    expect((app.tasks as TaskJson[]).map((t) => t.id).sort()).toEqual(newTasks.map((t) => t.id).sort());
    expect((app.tasks as TaskJson[]).every((t) => t.version === app.version)).toBe(true);
  }, 60_000);
});
