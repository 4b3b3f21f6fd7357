import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Master } from '@tandem/master';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cleanup, spawnTandem, startAgent, startMaster, track, waitFor } from '../support/cluster.js';
import { openSse, type SseReader } from '../support/sse.js';

// The master's side of the web UI (issue #14, part 1) against a real master and agent
// (process containerizer) and tasks launched by `tandem execute`: the static UI with its
// headers, the paginated and filtered views, the SSE event stream, the followed task log.

let master: Master;
let base: string;
let events: SseReader;
let logTaskId: string;

interface Page {
  total: number;
  offset: number;
  limit: number;
  items: Record<string, unknown>[];
}
const get = async (path: string): Promise<{ status: number; body: Record<string, unknown> }> => {
  const res = await fetch(`${base}${path}`);
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
};
const page = async (path: string): Promise<Page> => {
  const res = await get(path);
  expect(res.status, path).toBe(200);
  return res.body as unknown as Page;
};

beforeAll(async () => {
  master = await startMaster();
  await startAgent(master, { containerizers: ['process'], hostname: 'ui-host' });
  base = `http://127.0.0.1:${master.httpPort}`;
  await waitFor(() => master.agents.size === 1, 'the agent registered');
  // Opened before the launches: the stream carries what happens from now on.
  events = await openSse(`${base}/api/v1/events`);
  spawnTandem(['execute', '--master', master.address, '--name', 'ui-log', '--', 'sh', '-c', 'echo first; sleep 1; echo second; sleep 1; echo third']);
  spawnTandem(['execute', '--master', master.address, '--name', 'ui-sleeper', '--', 'sleep', '60']);
  logTaskId = await waitFor(
    () => [...master.tasks.values(), ...master.completed.values()].find((t) => t.id.startsWith('ui-log.'))?.id,
    'ui-log launched',
    30_000,
  );
  await waitFor(() => [...master.tasks.values()].some((t) => t.id.startsWith('ui-sleeper.') && t.state === 'TASK_RUNNING'), 'ui-sleeper running', 30_000);
});

afterAll(async () => {
  events?.close();
  await cleanup();
});

describe('ui - master side', () => {
  it('ui - / serves the built UI with its CSP, never cached; its hashed bundles are cached for good', async () => {
    const res = await fetch(`${base}/`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/html/);
    expect(res.headers.get('cache-control')).toBe('no-cache');
    expect(res.headers.get('content-security-policy')).toMatch(/default-src 'none'.*script-src 'self'/);
    expect(res.headers.get('x-content-type-options')).toBe('nosniff');
    const html = await res.text();
    const script = /src="(\/assets\/[^"]+\.js)"/.exec(html)?.[1];
    expect(script, 'index.html names its bundle').toBeTruthy();
    const js = await fetch(`${base}${script}`);
    expect(js.status).toBe(200);
    expect(js.headers.get('content-type')).toMatch(/^text\/javascript/);
    expect(js.headers.get('cache-control')).toMatch(/immutable/);
    expect((await fetch(`${base}/assets/nothing-here.js`)).status).toBe(404);
  });

  it('ui - /api/v1/events streams task_added and task_updated of the launches as JSON, event: <kind>', async () => {
    expect(events.status).toBe(200);
    expect(events.headers.get('content-type')).toMatch(/^text\/event-stream/);
    expect(events.events[0]?.event).toBe('hello');
    const added = await waitFor(
      () => events.events.filter((e) => e.event === 'task_added').map((e) => JSON.parse(e.data) as { info: { taskId: string; name: string } }),
      'task_added events',
    );
    await waitFor(() => events.events.filter((e) => e.event === 'task_added').length >= 2, 'both launches added');
    expect(events.events.filter((e) => e.event === 'task_added').map((e) => (JSON.parse(e.data) as { info: { name: string } }).info.name)).toEqual(
      expect.arrayContaining(['ui-log', 'ui-sleeper']),
    );
    expect(added[0]?.info.taskId).toMatch(/^ui-(log|sleeper)\./);
    const running = await waitFor(
      () =>
        events.events
          .filter((e) => e.event === 'task_updated')
          .map((e) => JSON.parse(e.data) as { taskId: string; state: string })
          .find((u) => u.taskId.startsWith('ui-sleeper.') && u.state === 'TASK_RUNNING'),
      'ui-sleeper TASK_RUNNING on the stream',
    );
    expect(running.state).toBe('TASK_RUNNING');
  });

  it('ui - tasks are filtered by state, framework, agent and id, a page at a time; bad filters are 400s naming the field', async () => {
    const byName = await page('/api/v1/ui/tasks?q=ui-sleeper');
    expect(byName.total).toBe(1);
    expect(byName.items[0]).toMatchObject({ name: 'ui-sleeper', state: 'TASK_RUNNING', hostname: 'ui-host', framework: 'tandem-execute' });
    const running = await page('/api/v1/ui/tasks?state=running');
    expect(running.items.every((t) => t.state === 'TASK_RUNNING')).toBe(true);
    expect(running.items.some((t) => t.name === 'ui-sleeper')).toBe(true);
    const none = await page('/api/v1/ui/tasks?state=TASK_KILLING');
    expect(none.total).toBe(0);
    const all = await page('/api/v1/ui/tasks');
    expect(all.total).toBeGreaterThanOrEqual(2);
    const first = await page('/api/v1/ui/tasks?limit=1');
    const second = await page('/api/v1/ui/tasks?limit=1&offset=1');
    expect(first.items).toHaveLength(1);
    expect(second.items).toHaveLength(1);
    expect(first.items[0]?.id).not.toBe(second.items[0]?.id);
    const agentId = String(byName.items[0]?.agentId);
    const frameworkId = String(byName.items[0]?.frameworkId);
    expect((await page(`/api/v1/ui/tasks?agent=${agentId}&framework=${frameworkId}&q=ui-sleeper`)).total).toBe(1);
    expect((await page('/api/v1/ui/tasks?agent=no-such-agent')).total).toBe(0);

    for (const [query, field] of [
      ['state=sleepy', 'state'],
      ['limit=100000', 'limit'],
      ['offset=-1', 'offset'],
      ['completed=maybe', 'completed'],
      [`q=${'x'.repeat(300)}`, 'q'],
    ] as const) {
      const bad = await get(`/api/v1/ui/tasks?${query}`);
      expect(bad.status, query).toBe(400);
      expect(bad.body.field, query).toBe(field);
    }
    const task = await get(`/api/v1/ui/tasks/${byName.items[0]?.id}`);
    expect(task.body).toMatchObject({ name: 'ui-sleeper', state: 'TASK_RUNNING', terminal: false });
    expect(JSON.stringify(task.body.command)).toMatch(/sleep/);
    expect((await get('/api/v1/ui/tasks/no-such-task')).status).toBe(404);
  });

  it('ui - overview counts tasks by state and the cluster utilisation; agents page by page with what they hold', async () => {
    const o = (await get('/api/v1/ui/overview')).body as {
      agents: { total: number };
      tasks: { byState: Record<string, number> };
      utilisation: { total: { cpus: number }; allocated: { cpus: number } };
      history: unknown[];
    };
    expect(o.agents.total).toBe(1);
    expect(o.tasks.byState.TASK_RUNNING).toBeGreaterThanOrEqual(1);
    expect(o.utilisation.total.cpus).toBe(4);
    expect(o.utilisation.allocated.cpus).toBeGreaterThan(0);
    expect(o.history.length).toBeGreaterThanOrEqual(1);
    const agents = await page('/api/v1/ui/agents?q=ui-host');
    expect(agents.total).toBe(1);
    expect(agents.items[0]).toMatchObject({ hostname: 'ui-host', status: 'ACTIVE', total: { cpus: 4 } });
    expect((agents.items[0]!.allocated as { cpus: number }).cpus).toBeGreaterThan(0);
    expect((await page('/api/v1/ui/agents?q=elsewhere')).total).toBe(0);
    const detail = (await get(`/api/v1/ui/agents/${agents.items[0]?.id}`)).body as { taskList: { name: string }[] };
    expect(detail.taskList.some((t) => t.name === 'ui-sleeper')).toBe(true);
    const fw = (await get('/api/v1/ui/frameworks')).body as { frameworks: { name: string; share: number }[]; roles: { name: string }[] };
    expect(fw.frameworks.some((f) => f.name === 'tandem-execute' && f.share > 0)).toBe(true);
    expect(fw.roles.length).toBeGreaterThanOrEqual(1);
    const names = (await get('/api/v1/ui/frameworks?names=1')).body as { frameworks: Record<string, unknown>[] };
    expect(names.frameworks.find((f) => f.name === 'tandem-execute')).toEqual({ id: expect.any(String), name: 'tandem-execute' });
  });

  it('ui - a task log streams from its start as it is written, then eof once the task ended', async () => {
    const log = await openSse(`${base}/api/v1/tasks/${encodeURIComponent(logTaskId)}/logs/stream?offset=0`);
    expect(log.status).toBe(200);
    await log.ended;
    const text = log.events
      .filter((e) => e.event === 'data')
      .map((e) => (JSON.parse(e.data) as { text: string }).text)
      .join('');
    expect(text).toBe('first\nsecond\nthird\n');
    expect(log.events.at(-1)?.event).toBe('eof');
    const unknown = await fetch(`${base}/api/v1/tasks/no-such-task/logs/stream`);
    expect(unknown.status).toBe(404);
  });

  it('ui - a stopping master ends the event streams it serves', async () => {
    const other = await startMaster();
    const stream = await openSse(`http://127.0.0.1:${other.httpPort}/api/v1/events`);
    await waitFor(() => stream.events.length > 0, 'the hello event');
    await other.stop();
    await stream.ended;
    expect(stream.events[0]?.event).toBe('hello');
  });

  it('ui - /api/v1/ui/apps/* reaches the configured apps API (method, path, query, body, credentials) and nothing else; an unconfigured jobs API is a 404 naming its flag', async () => {
    // A stand-in for the apps API (the proxy is what is tested): it answers what it received.
    const seen: { method: string; url: string; body: string; authorization: string | undefined }[] = [];
    const fake = createServer((req, res) => {
      let body = '';
      req.on('data', (d: Buffer) => {
        body += d.toString();
      });
      req.on('end', () => {
        seen.push({ method: req.method ?? '', url: req.url ?? '', body, authorization: req.headers.authorization });
        res.writeHead(201, { 'content-type': 'application/json' }).end(JSON.stringify({ ok: true }));
      });
    });
    await new Promise<void>((resolve) => fake.listen(0, '127.0.0.1', resolve));
    track(() => new Promise<void>((resolve) => fake.close(() => resolve())));
    const appsUrl = `http://127.0.0.1:${(fake.address() as AddressInfo).port}`;
    const other = await startMaster({ uiLinks: { appsUrl } });
    const at = `http://127.0.0.1:${other.httpPort}`;
    expect(await (await fetch(`${at}/api/v1/ui/config`)).json()).toMatchObject({ appsUrl });

    const put = await fetch(`${at}/api/v1/ui/apps/v2/apps/web?force=true`, {
      method: 'PUT',
      headers: { 'content-type': 'application/json', authorization: 'Basic dTpw' },
      body: JSON.stringify({ instances: 3 }),
    });
    expect(put.status).toBe(201);
    expect(await put.json()).toEqual({ ok: true });
    expect(seen.at(-1)).toEqual({ method: 'PUT', url: '/v2/apps/web?force=true', body: '{"instances":3}', authorization: 'Basic dTpw' });
    // A path that would name another host stays on the apps API.
    await fetch(`${at}/api/v1/ui/apps//evil.example/v2/apps`);
    expect(seen.at(-1)?.url).toBe('/evil.example/v2/apps');

    const jobs = await fetch(`${at}/api/v1/ui/jobs/v1/jobs`);
    expect(jobs.status).toBe(404);
    expect(((await jobs.json()) as { field: string }).field).toBe('--jobs-url');
    // Set later (as tandem up does once the service is up): used from the next request on.
    other.uiLinks.jobsUrl = appsUrl;
    expect((await fetch(`${at}/api/v1/ui/jobs/v1/jobs`)).status).toBe(201);
    expect(seen.at(-1)).toMatchObject({ method: 'GET', url: '/v1/jobs' });
  });
});
