import { mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { api } from './support/apps.js';
import { cleanup, runCli, spawnTandem, type TandemProcess, tempDir, track, waitFor } from './support/cluster.js';
import { api as jobsApi, waitRunDone } from './support/jobs.js';
import { freePort } from './support/nats-process.js';

// Issue #11, item 7: "A secret reaches the task's environment and appears nowhere in
// state, REST, events or logs". Real `tandem master`, `tandem agent --secrets-dir` and
// `tandem apps serve` processes, logging at trace level; an app whose env references a
// Marathon secret prints it. The value must show up in the task's stdout and nowhere else.

// One cluster for both tests (three processes take a while to start on a loaded machine).
afterAll(cleanup);

let started: Promise<Cluster> | undefined;
const cluster = (): Promise<Cluster> => {
  started ??= startCluster();
  return started;
};

const SECRET = 'sEcReT-v4lue-9c1e-7b2d';

/** Every file under `dir` as [path, text], skipping the tasks' own stdout and stderr. */
function filesUnder(dir: string): [string, string][] {
  const out: [string, string][] = [];
  for (const name of readdirSync(dir, { recursive: true, encoding: 'utf8' })) {
    const path = join(dir, name);
    if (/(^|\/)(stdout|stderr)$/.test(name) || !statSync(path).isFile()) continue;
    out.push([path, readFileSync(path, 'latin1')]);
  }
  return out;
}

/** The stdout files of the tasks under an agent's work dir. */
function taskStdouts(agentDir: string): string[] {
  return readdirSync(agentDir, { recursive: true, encoding: 'utf8' })
    .filter((n) => /(^|\/)stdout$/.test(n))
    .map((n) => join(agentDir, n));
}

/** Collects a server-sent event stream until the test ends. */
function collectSse(url: string): { text(): string } {
  const abort = new AbortController();
  let text = '';
  track(() => abort.abort());
  void (async () => {
    const res = await fetch(url, { signal: abort.signal, headers: { accept: 'text/event-stream' } });
    const reader = res.body?.getReader();
    if (!reader) return;
    const decoder = new TextDecoder();
    for (;;) {
      const { done, value } = await reader.read();
      if (done) return;
      text += decoder.decode(value, { stream: true });
    }
  })().catch(() => undefined);
  return { text: () => text };
}

interface Cluster {
  master: TandemProcess;
  agent: TandemProcess;
  apps: TandemProcess;
  address: string;
  masterHttp: string;
  agentHttp: string;
  appsUrl: string;
  dirs: { master: string; agent: string; apps: string; secrets: string };
}

async function startCluster(): Promise<Cluster> {
  const root = tempDir('tandem-secrets-');
  const dirs = { master: join(root, 'master'), agent: join(root, 'agent'), apps: join(root, 'apps'), secrets: join(root, 'secrets') };
  mkdirSync(dirs.secrets);
  writeFileSync(join(dirs.secrets, 'db-password'), `${SECRET}\n`, { mode: 0o600 });
  const master = spawnTandem(['master', '--host', '127.0.0.1', '--port', '0', '--http-port', '0', '--work-dir', dirs.master], 'trace');
  const [, grpc, http] = await waitFor(
    () => /tandem master: gRPC 127\.0\.0\.1:(\d+), HTTP 127\.0\.0\.1:(\d+)/.exec(master.output()),
    `the master\n${master.output()}`,
    30_000,
  );
  const address = `127.0.0.1:${grpc}`;
  const agentPort = await freePort();
  const agent = spawnTandem(
    [
      'agent',
      '--master',
      address,
      '--work-dir',
      dirs.agent,
      '--port',
      String(agentPort),
      '--containerizers',
      'process',
      '--resources',
      'cpus:2;mem:1024;disk:1024;ports:[31400-31450]',
      '--secrets-dir',
      dirs.secrets,
    ],
    'trace',
  );
  await waitFor(() => /tandem agent: \S+ on master/.test(agent.output()), `the agent\n${agent.output()}`, 30_000);
  const apps = spawnTandem(['apps', 'serve', '--master', address, '--host', '127.0.0.1', '--port', '0', '--work-dir', dirs.apps], 'trace');
  const appsPort = await waitFor(() => /tandem apps: API http:\/\/127\.0\.0\.1:(\d+)/.exec(apps.output())?.[1], `the apps API\n${apps.output()}`, 30_000);
  const appsUrl = `http://127.0.0.1:${appsPort}`;
  await waitFor(async () => (await api(appsUrl, 'GET', '/v2/info')).body.frameworkId, 'the apps framework to subscribe', 30_000);
  return { master, agent, apps, address, masterHttp: `http://127.0.0.1:${http}`, agentHttp: `http://127.0.0.1:${agentPort}`, appsUrl, dirs };
}

describe('secrets', () => {
  it('secrets - a secret reaches the task environment and appears nowhere in state, REST, events, logs or checkpoints', async () => {
    const c = await cluster();
    const events = collectSse(`${c.appsUrl}/v2/events`);
    const app = {
      id: '/db-client',
      cmd: 'echo "DB_PASS=$DB_PASS"; sleep 600',
      cpus: 0.1,
      mem: 32,
      instances: 1,
      env: { DB_PASS: { secret: 'db' }, MODE: 'prod' },
      secrets: { db: { source: 'db-password' } },
    };
    const created = await api(c.appsUrl, 'POST', '/v2/apps', app);
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    expect(created.body.env).toEqual(app.env);
    expect(created.body.secrets).toEqual(app.secrets);

    // The task has the value: it printed it to its sandbox's stdout.
    const printed = await waitFor(
      () => taskStdouts(c.dirs.agent).find((p) => readFileSync(p, 'utf8').includes(`DB_PASS=${SECRET}`)),
      `the task to print the secret\n${c.agent.output().slice(-3000)}`,
      30_000,
    );
    expect(readFileSync(printed, 'utf8')).toContain(`DB_PASS=${SECRET}\n`);
    await waitFor(async () => (await api(c.appsUrl, 'GET', '/v2/apps/db-client')).body.app?.tasksRunning === 1, 'the app to be running', 30_000);

    // Everything the cluster shows or keeps, with the references where they belong.
    const shown: Record<string, string> = {};
    const get = async (name: string, url: string): Promise<void> => {
      const res = await fetch(url);
      expect(res.status, `${name} ${url}`).toBe(200);
      shown[name] = await res.text();
    };
    await get('master /api/v1/state', `${c.masterHttp}/api/v1/state`);
    await get('agent /api/v1/state', `${c.agentHttp}/api/v1/state`);
    await get('apps /v2/apps', `${c.appsUrl}/v2/apps?embed=apps.tasks`);
    await get('apps /v2/apps/db-client', `${c.appsUrl}/v2/apps/db-client?embed=app.tasks`);
    await get('apps /v2/apps/db-client/versions', `${c.appsUrl}/v2/apps/db-client/versions`);
    await get('apps /v2/tasks', `${c.appsUrl}/v2/tasks`);
    await get('apps /v2/groups', `${c.appsUrl}/v2/groups?embed=group.apps`);
    await get('apps /v2/deployments', `${c.appsUrl}/v2/deployments`);
    expect(shown['master /api/v1/state']).toContain('db-client');
    expect(shown['apps /v2/apps']).toContain('"secrets":{"db":{"source":"db-password"}}');
    expect(shown['agent /api/v1/state']).toContain('db-client');
    await waitFor(() => events.text().includes('status_update_event'), 'a status_update_event on /v2/events', 20_000);
    shown['apps /v2/events'] = events.text();
    shown['master log'] = c.master.output();
    shown['agent log'] = c.agent.output();
    shown['apps log'] = c.apps.output();
    // The logs are not empty: trace level, with the task and its deployment in them.
    expect(shown['agent log']).toContain('db-client');
    expect(shown['apps log']).toContain('deployment ended');
    for (const [name, text] of Object.entries(shown)) expect(text.includes(SECRET), `${name} holds the secret`).toBe(false);

    const files = [...filesUnder(c.dirs.master), ...filesUnder(c.dirs.agent), ...filesUnder(c.dirs.apps)];
    expect(files.some(([p, text]) => p.endsWith('task.json') && text.includes('"secret":"db-password"'))).toBe(true);
    for (const [path, text] of files) expect(text.includes(SECRET), `${path} holds the secret`).toBe(false);
  });

  it('secrets - a missing secret fails the task naming it and the flag; a bad source or an undefined secret is a 422 naming the field', async () => {
    const c = await cluster();
    const bad = await api(c.appsUrl, 'POST', '/v2/apps', { id: '/bad', cmd: 'true', env: { X: { secret: 's' } }, secrets: { s: { source: '../etc/passwd' } } });
    expect(bad.status).toBe(422);
    expect(JSON.stringify(bad.body)).toContain('/secrets/s/source');
    const undefinedRef = await api(c.appsUrl, 'POST', '/v2/apps', { id: '/undef', cmd: 'true', env: { X: { secret: 'nope' } } });
    expect(undefinedRef.status).toBe(422);
    expect(JSON.stringify(undefinedRef.body)).toMatch(/\/env\/X.*undefined secret \\"nope\\"/);
    expect((await api(c.appsUrl, 'GET', '/v2/apps')).body.apps.map((a: { id: string }) => a.id)).not.toContain('/bad');
    expect((await api(c.appsUrl, 'GET', '/v2/apps/undef')).status).toBe(404);

    const created = await api(c.appsUrl, 'POST', '/v2/apps', {
      id: '/needs-missing',
      cmd: 'echo needs-missing-ran; sleep 600',
      cpus: 0.1,
      mem: 32,
      env: { TOKEN: { secret: 'tok' } },
      secrets: { tok: { source: 'not-there' } },
      backoffSeconds: 60,
    });
    expect(created.status).toBe(201);
    const failure = await waitFor(
      async () => (await api(c.appsUrl, 'GET', '/v2/apps/needs-missing?embed=app.lastTaskFailure')).body.app?.lastTaskFailure,
      'the task to fail',
      30_000,
    );
    expect(failure.state).toBe('TASK_FAILED');
    expect(failure.message).toContain('secret "not-there": no such file in --secrets-dir');
    expect(taskStdouts(c.dirs.agent).some((p) => readFileSync(p, 'utf8').includes('needs-missing-ran'))).toBe(false);
  });

  it('secrets - tandem execute --secret-env NAME=SOURCE gives the task the secret; a bad source is refused naming the flag', async () => {
    const c = await cluster();
    const run = await runCli(['execute', '--master', c.address, '--secret-env', 'DB_PASS=db-password', '--', 'sh', '-c', 'echo "execute:$DB_PASS"']);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toContain(`execute:${SECRET}`);
    const bad = await runCli(['execute', '--master', c.address, '--secret-env', 'DB_PASS=../x', '--', 'true']);
    expect(bad.code).not.toBe(0);
    expect(bad.stderr).toContain('--secret-env');
    expect(bad.stderr).toContain('not contain ".."');
  });

  it('secrets - a job (Metronome run.secrets) gets its secret; the jobs API, log and store show only the reference', async () => {
    const c = await cluster();
    const dir = join(c.dirs.master, '..', 'jobs');
    const jobs = spawnTandem(['jobs', 'serve', '--master', c.address, '--host', '127.0.0.1', '--port', '0', '--work-dir', dir], 'trace');
    const port = await waitFor(() => /"port":(\d+),"msg":"jobs API listening"/.exec(jobs.output())?.[1], `the jobs API\n${jobs.output()}`, 30_000);
    await waitFor(() => /jobs framework subscribed/.test(jobs.output()), 'the jobs framework to subscribe', 30_000);
    const call = jobsApi(`http://127.0.0.1:${port}`);
    const job = {
      id: 'backup',
      run: { cmd: 'echo "job:$DB_PASS"', cpus: 0.1, mem: 32, env: { DB_PASS: { secret: 'db' } }, secrets: { db: { source: 'db-password' } } },
    };
    const created = await call('POST', '/v1/jobs', job);
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    const undefinedRef = await call('POST', '/v1/jobs', { id: 'undef', run: { cmd: 'true', env: { X: { secret: 'nope' } } } });
    expect(undefinedRef.status).toBe(422);
    expect(JSON.stringify(undefinedRef.body)).toContain('/run/env/X');
    const run = await call('POST', '/v1/jobs/backup/runs');
    const finished = await waitRunDone(call, 'backup', run.body.id, 30_000);
    expect(finished.status).toBe('SUCCESS');
    expect(taskStdouts(c.dirs.agent).some((p) => readFileSync(p, 'utf8').includes(`job:${SECRET}`))).toBe(true);
    const shown = await call('GET', '/v1/jobs/backup?embed=history');
    expect(shown.body.run.secrets).toEqual(job.run.secrets);
    expect(shown.body.run.env).toEqual(job.run.env);
    expect(JSON.stringify(shown.body)).not.toContain(SECRET);
    expect(jobs.output()).toContain('backup');
    expect(jobs.output().includes(SECRET), 'the jobs log holds the secret').toBe(false);
    for (const [path, text] of filesUnder(dir)) expect(text.includes(SECRET), `${path} holds the secret`).toBe(false);
  });
});
