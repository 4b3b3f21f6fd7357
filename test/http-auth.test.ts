import { basicAuthorization, HttpAuth } from '@tandem/protocol';
import { afterEach, describe, expect, it } from 'vitest';
import { startApps } from './support/apps.js';
import { cleanup, startMaster } from './support/cluster.js';
import { startJobs } from './support/jobs.js';

// HTTP authentication of the apps and jobs REST APIs (issue #11, item 4): real frameworks
// on a real master, requests over real HTTP with and without credentials.

afterEach(cleanup);

const auth = (): HttpAuth => new HttpAuth({ basic: [{ user: 'alice', password: 'wonder:land' }], tokens: [{ principal: 'ci', token: 'tok-123' }] });
const RIGHT = basicAuthorization('alice:wonder:land');
const WRONG = [basicAuthorization('alice:wonderland'), basicAuthorization('mallory:wonder:land'), 'Bearer tok-124', 'Basic !!'];

// biome-ignore lint/suspicious/noExplicitAny: reply bodies are checked by assertion
type Reply = { status: number; body: any; headers: Headers };

async function call(base: string, method: string, path: string, authorization?: string, body?: unknown): Promise<Reply> {
  const headers: Record<string, string> = {};
  if (authorization) headers.authorization = authorization;
  if (body !== undefined) headers['content-type'] = 'application/json';
  const res = await fetch(`${base}${path}`, { method, headers, ...(body !== undefined ? { body: JSON.stringify(body) } : {}) });
  const text = await res.text();
  let parsed: unknown = text;
  try {
    parsed = JSON.parse(text);
  } catch {
    // text (/ping)
  }
  return { status: res.status, body: parsed, headers: res.headers };
}

function expectRefused(r: Reply): void {
  expect(r.status).toBe(401);
  expect(r.headers.get('www-authenticate')).toBe('Basic realm="tandem"');
  expect(typeof r.body.message).toBe('string');
}

describe('http auth', () => {
  it('http auth - apps: no or wrong credentials are 401 and change nothing; Basic and Bearer work; /ping is open', async () => {
    const master = await startMaster();
    const fw = await startApps(master, { httpAuth: auth() });
    const base = fw.url;
    const app = { id: '/web', cmd: 'sleep 100', cpus: 0.1, mem: 16, instances: 0 };
    expectRefused(await call(base, 'GET', '/v2/apps'));
    expectRefused(await call(base, 'POST', '/v2/apps', undefined, app));
    for (const wrong of WRONG) {
      expectRefused(await call(base, 'GET', '/v2/info', wrong));
      expectRefused(await call(base, 'POST', '/v2/apps', wrong, app));
    }
    expect((await call(base, 'GET', '/ping')).status).toBe(200);
    // Nothing was created by the refused POSTs.
    expect((await call(base, 'GET', '/v2/apps/web', RIGHT)).status).toBe(404);
    expect((await call(base, 'GET', '/v2/apps', 'Bearer tok-123')).body.apps).toEqual([]);
    expect((await call(base, 'POST', '/v2/apps', RIGHT, app)).status).toBe(201);
    expect((await call(base, 'GET', '/v2/apps/web', 'Bearer tok-123')).body.app.id).toBe('/web');
  });

  it('http auth - jobs: no or wrong credentials are 401 and change nothing; Basic and Bearer work; /ping is open', async () => {
    const master = await startMaster();
    const { api, store, jobs } = await startJobs(master, { httpAuth: auth() });
    const base = jobs.url;
    const job = { id: 'nightly', run: { cmd: 'true', cpus: 0.1, mem: 32 } };
    // The framework id is written once subscribed, whenever that is; the rest must not move.
    const records = async (): Promise<string> => JSON.stringify((await store.list('')).filter((r) => r.key !== 'jobs-framework/id'));
    const before = await records();
    expect((await api('GET', '/v1/jobs')).status).toBe(401);
    expectRefused(await call(base, 'POST', '/v1/jobs', undefined, job));
    for (const wrong of WRONG) expectRefused(await call(base, 'POST', '/v1/jobs', wrong, job));
    expectRefused(await call(base, 'GET', '/info'));
    expect((await call(base, 'GET', '/ping')).status).toBe(200);
    // Not one store write from the refused requests.
    expect(await records()).toBe(before);
    expect((await call(base, 'GET', '/v1/jobs/nightly', RIGHT)).status).toBe(404);
    expect((await call(base, 'POST', '/v1/jobs', 'Bearer tok-123', job)).status).toBe(201);
    expect((await call(base, 'GET', '/v1/jobs', RIGHT)).body.map((j: { id: string }) => j.id)).toEqual(['nightly']);
  });
});
