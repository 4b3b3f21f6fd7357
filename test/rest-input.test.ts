import { afterEach, describe, expect, it } from 'vitest';
import { api, startApps } from './support/apps.js';
import { cleanup, startMaster } from './support/cluster.js';
import { startJobs } from './support/jobs.js';

// What the apps and jobs REST APIs refuse before anything changes: bodies over the limit
// (413, the limit named), bodies that are not JSON by content type (415), resources
// beyond any agent, env names that are not POSIX names and cron expressions that never
// fire (422 naming the field). An empty body on a POST that takes none works whatever
// its content type. No agent: nothing here needs one.

afterEach(cleanup);

/** One request with a body as given and the content type as given (none: no header). */
async function send(
  url: string,
  method: string,
  body: string,
  contentType?: string,
): Promise<{ status: number; body: { message?: string; details?: { path: string }[] } }> {
  const res = await fetch(url, { method, headers: contentType === undefined ? {} : { 'content-type': contentType }, body: new TextEncoder().encode(body) });
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : {} };
}

const KIB = 1024;
const MIB = 1024 * KIB;

describe('REST input limits', () => {
  it('rest-input - apps: 413 over the body limit (1 MiB by default, configurable), 415 for a body that is not JSON, empty bodies of any type work', async () => {
    const master = await startMaster();
    const fw = await startApps(master);
    const over = await send(
      `${fw.url}/v2/apps`,
      'POST',
      JSON.stringify({ id: '/big', cmd: 'true', instances: 0, env: { PAD: 'x'.repeat(MIB) } }),
      'application/json',
    );
    expect(over.status).toBe(413);
    expect(over.body.message).toContain('1048576 bytes');
    const under = await api(fw.url, 'POST', '/v2/apps', { id: '/nearly', cmd: 'true', instances: 0, env: { PAD: 'x'.repeat(900 * KIB) } });
    expect(under.status).toBe(201);

    const small = await startApps(master, { maxBodyBytes: 2 * KIB });
    const app = (pad: number) => JSON.stringify({ id: '/s', cmd: 'true', instances: 0, labels: { pad: 'x'.repeat(pad) } });
    const refused = await send(`${small.url}/v2/apps`, 'POST', app(3 * KIB), 'application/json');
    expect(refused.status).toBe(413);
    expect(refused.body.message).toContain('2048 bytes');
    expect((await send(`${small.url}/v2/apps`, 'POST', app(KIB), 'application/json; charset=utf-8')).status).toBe(201);

    const body = JSON.stringify({ id: '/typed', cmd: 'true', instances: 0 });
    for (const type of ['text/plain', 'application/x-www-form-urlencoded', undefined]) {
      const r = await send(`${fw.url}/v2/apps`, 'POST', body, type);
      expect(r.status, String(type)).toBe(415);
      expect(r.body.message).toMatch(/Unsupported Media Type/);
    }
    expect((await send(`${fw.url}/v2/apps/nearly`, 'PUT', JSON.stringify({ instances: 1 }), 'text/plain')).status).toBe(415);
    expect((await send(`${fw.url}/v2/apps/nearly`, 'PATCH', JSON.stringify({ instances: 1 }), 'text/plain')).status).toBe(415);
    expect((await api(fw.url, 'GET', '/v2/apps/typed')).status).toBe(404);
    expect((await api(fw.url, 'GET', '/v2/apps/nearly')).body.app.instances).toBe(0);

    // POST /restart takes no body: an empty one is fine whatever its content type.
    for (const type of ['application/json', 'text/plain', undefined]) {
      const r = await send(`${fw.url}/v2/apps/nearly/restart?force=true`, 'POST', '', type);
      expect(r.status, String(type)).toBe(200);
    }
  });

  it('rest-input - apps: resources beyond any agent and env names that are not POSIX names are 422 naming the field; nothing changes', async () => {
    const master = await startMaster();
    const fw = await startApps(master);
    expect((await api(fw.url, 'POST', '/v2/apps', { id: '/keep', cmd: 'true', instances: 0 })).status).toBe(201);
    // At the bounds is fine (validation only; no agent needs to fit it).
    expect(
      (
        await api(fw.url, 'PUT', '/v2/apps/edge', {
          cmd: 'true',
          instances: 0,
          cpus: 4096,
          mem: 64 * 1024 * 1024,
          disk: 1024 * 1024 * 1024,
          env: { _OK_1: 'a' },
        })
      ).status,
    ).toBe(201);
    expect((await api(fw.url, 'DELETE', '/v2/apps/edge?force=true')).status).toBe(200);
    const snapshot = async () =>
      JSON.stringify([
        (await api(fw.url, 'GET', '/v2/apps')).body,
        (await api(fw.url, 'GET', '/v2/groups')).body,
        (await api(fw.url, 'GET', '/v2/apps/keep/versions')).body,
      ]);
    const before = await snapshot();
    const bad: [string, string, unknown, string][] = [
      ['POST', '/v2/apps', { id: '/x', cmd: 'true', cpus: 4097 }, '/cpus'],
      ['POST', '/v2/apps', { id: '/x', cmd: 'true', mem: 2 ** 40 }, '/mem'],
      ['POST', '/v2/apps', { id: '/x', cmd: 'true', disk: 2 ** 40 }, '/disk'],
      ['POST', '/v2/apps', { id: '/x', cmd: 'true', env: { '1ST': 'a' } }, '/env/1ST'],
      ['POST', '/v2/apps', { id: '/x', cmd: 'true', env: { 'MY-VAR': 'a' } }, '/env/MY-VAR'],
      ['POST', '/v2/apps', { id: '/x', cmd: 'true', env: { 'a/b': 'a' } }, '/env/a~1b'],
      ['PUT', '/v2/apps/keep', { cmd: 'true', cpus: 1e9 }, '/cpus'],
      ['PATCH', '/v2/apps/keep', { env: { '': 'a' } }, '/env/'],
      ['PUT', '/v2/apps', [{ id: '/keep', cmd: 'true', mem: 1e12 }], '/0/mem'],
      ['PUT', '/v2/groups/team', { apps: [{ id: 'a', cmd: 'true', env: { 'X Y': '1' } }] }, '/apps/0/env/X Y'],
    ];
    for (const [method, path, body, field] of bad) {
      const r = await api(fw.url, method, path, body);
      expect(r.status, `${method} ${path} ${JSON.stringify(body)}`).toBe(422);
      expect(r.body.message).toBe('Object is not valid');
      expect(r.body.details.map((d: { path: string }) => d.path)).toContain(field);
    }
    expect(await snapshot()).toBe(before);
  });
});

describe('jobs REST input limits', () => {
  it('rest-input - jobs: 413 over the body limit (configurable), 415 for a body that is not JSON, an empty POST /runs works with any content type', async () => {
    const master = await startMaster();
    const { jobs, api: call } = await startJobs(master);
    const job = (pad: number) => JSON.stringify({ id: 'big', labels: { pad: 'x'.repeat(pad) }, run: { cmd: 'true', cpus: 0.1, mem: 32 } });
    const over = await send(`${jobs.url}/v1/jobs`, 'POST', job(MIB), 'application/json');
    expect(over.status).toBe(413);
    expect(over.body.message).toContain('1048576 bytes');
    expect((await call('GET', '/v1/jobs/big')).status).toBe(404);

    const small = await startJobs(master, { maxBodyBytes: 2 * KIB });
    const refused = await send(`${small.jobs.url}/v1/jobs`, 'POST', job(3 * KIB), 'application/json');
    expect(refused.status).toBe(413);
    expect(refused.body.message).toContain('2048 bytes');
    expect((await send(`${small.jobs.url}/v1/jobs`, 'POST', job(KIB), 'application/json')).status).toBe(201);

    for (const type of ['text/plain', 'application/xml', undefined]) {
      const r = await send(`${jobs.url}/v1/jobs`, 'POST', JSON.stringify({ id: 'typed', run: { cmd: 'true' } }), type);
      expect(r.status, String(type)).toBe(415);
      expect(r.body.message).toMatch(/Unsupported Media Type/);
    }
    expect((await call('GET', '/v1/jobs/typed')).status).toBe(404);

    expect((await call('POST', '/v1/jobs', { id: 'once', run: { cmd: 'true', cpus: 0.1, mem: 32 } })).status).toBe(201);
    for (const type of ['application/json', 'text/plain', undefined]) {
      const r = await send(`${jobs.url}/v1/jobs/once/runs`, 'POST', '', type);
      expect(r.status, String(type)).toBe(201);
    }
    // A body that must be there still must be: an empty one is a 422, not a crash.
    expect((await send(`${jobs.url}/v1/jobs`, 'POST', '', 'application/json')).status).toBe(422);
  });

  it('rest-input - jobs: resources beyond any agent, env names that are not POSIX names and cron expressions that never fire are 422 naming the field; nothing changes', async () => {
    const master = await startMaster();
    const { api: call, store } = await startJobs(master);
    expect((await call('POST', '/v1/jobs', { id: 'keep', run: { cmd: 'true', cpus: 0.1, mem: 32 } })).status).toBe(201);
    const before = JSON.stringify(await store.list(''));
    const run = (extra: Record<string, unknown>) => ({ cmd: 'true', cpus: 0.1, mem: 32, ...extra });
    const bad: [string, string, unknown, string][] = [
      ['POST', '/v1/jobs', { id: 'x', run: run({ cpus: 4097 }) }, '/run/cpus'],
      ['POST', '/v1/jobs', { id: 'x', run: run({ mem: 2 ** 40 }) }, '/run/mem'],
      ['POST', '/v1/jobs', { id: 'x', run: run({ disk: 2 ** 40 }) }, '/run/disk'],
      ['POST', '/v1/jobs', { id: 'x', run: run({ env: { '9LIVES': 'a' } }) }, '/run/env/9LIVES'],
      ['POST', '/v1/jobs', { id: 'x', run: run({ env: { 'A=B': 'a' } }) }, '/run/env/A=B'],
      ['POST', '/v1/jobs', { id: 'x', run: run({}), schedules: [{ id: 's', cron: '0 0 30 2 *' }] }, '/schedules/0/cron'],
      ['PUT', '/v1/jobs/keep', { id: 'keep', run: run({ cpus: 1e6 }) }, '/run/cpus'],
      ['POST', '/v1/jobs/keep/schedules', { id: 's', cron: '0 12 31 4,6,9,11 *' }, '/cron'],
      ['PUT', '/v1/jobs/keep/schedules/s', { id: 's', cron: '0 0 30 2 *' }, '/cron'],
    ];
    for (const [method, path, body, field] of bad) {
      const r = await call(method, path, body);
      expect(r.status, `${method} ${path} ${JSON.stringify(body)}`).toBe(422);
      expect(r.body.message).toBe('Object is not valid');
      expect(r.body.details.map((d: { path: string }) => d.path)).toContain(field);
    }
    expect(JSON.stringify(await store.list(''))).toBe(before);
    expect((await call('GET', '/v1/jobs')).body.map((j: { id: string }) => j.id)).toEqual(['keep']);
    // A leap day fires (every four years): not refused.
    expect((await call('POST', '/v1/jobs/keep/schedules', { id: 'leap', cron: '0 0 29 2 *' })).status).toBe(201);
  });
});

describe('master HTTP API input limits', () => {
  it('rest-input - master: a weights or quota PUT over 1 MiB is 413 and changes nothing', async () => {
    const master = await startMaster();
    const url = `http://127.0.0.1:${master.httpPort}`;
    const weights = JSON.stringify({ weights: [{ role: 'web', weight: 2 }], pad: 'x'.repeat(MIB) });
    expect((await send(`${url}/api/v1/weights`, 'PUT', weights, 'application/json')).status).toBe(413);
    expect((await send(`${url}/api/v1/quota`, 'PUT', JSON.stringify({ quotas: [], pad: 'x'.repeat(MIB) }), 'application/json')).status).toBe(413);
    const listed = (await (await fetch(`${url}/api/v1/weights`)).json()) as { weights: { role: string }[] };
    expect(listed.weights.map((w) => w.role)).not.toContain('web');
  });
});
