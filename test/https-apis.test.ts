import { join } from 'node:path';
import { Agent, ProcessContainerizer, startAgentHttp } from '@tandem/agent';
import { main } from '@tandem/cli';
import { basicAuthorization, Code, fetchJson, HttpAuth, type TlsFiles } from '@tandem/protocol';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startApps } from './support/apps.js';
import { cleanup, startMaster, tempDir, track, waitFor } from './support/cluster.js';
import { startJobs } from './support/jobs.js';
import { makePki, type Pki, request } from './support/pki.js';

// HTTPS on every HTTP API (issue #11, item 1, the HTTP part) and authentication of the
// master's and agent's HTTP APIs (item 4): a real master, agent, apps and jobs framework,
// certificates from the `tandem certs` code, requests over real sockets.

let pki: Pki;
let otherPki: Pki;
beforeAll(async () => {
  pki = await makePki();
  otherPki = await makePki('tandem-pki-other-');
});
afterEach(cleanup);
afterAll(cleanup);

function newAgent(masterAddress: string, tls?: TlsFiles): Agent {
  const agent = new Agent({
    master: masterAddress,
    workDir: join(tempDir(), 'agent'),
    resources: 'cpus:2;mem:1024;disk:1024;ports:[31000-31010]',
    containerizers: [new ProcessContainerizer()],
    reconnectBackoff: { initialMs: 100, maxMs: 300 },
    ...(tls ? { tls } : {}),
  });
  track(() => agent.stop({ killTasks: true }));
  return agent;
}

async function agentHttp(agent: Agent, options: Parameters<typeof startAgentHttp>[3]): Promise<string> {
  const http = await startAgentHttp(agent, '127.0.0.1', 0, options);
  track(() => http.close());
  return `127.0.0.1:${http.port}`;
}

describe('https', () => {
  it('https - with TLS the master, agent, apps and jobs APIs answer HTTPS with the CA and refuse plaintext, another CA and an http:// URL', async () => {
    const master = await startMaster({ tls: await pki.tls('master', 'm1') });
    const agent = newAgent(master.address, await pki.tls('agent', 'a1'));
    await agent.start();
    await waitFor(() => (master.state().agents ?? []).length === 1, 'the TLS agent registered');
    const agentAt = await agentHttp(agent, { tls: await pki.tls('agent', 'a1') });
    const fwTls = await pki.tls('framework', 'f1');
    const apps = await startApps(master, { tls: fwTls });
    const { jobs } = await startJobs(master, { tls: fwTls });
    expect(apps.url).toMatch(/^https:\/\//);
    expect(jobs.url).toMatch(/^https:\/\//);

    const apis = [
      { name: 'master', at: `127.0.0.1:${master.httpPort}`, path: '/health' },
      { name: 'agent', at: agentAt, path: '/health' },
      { name: 'apps', at: new URL(apps.url).host, path: '/v2/info' },
      { name: 'jobs', at: new URL(jobs.url).host, path: '/v1/jobs' },
    ];
    for (const api of apis) {
      // A client with the CA (curl --cacert) is answered, by host name too (the certificates name localhost).
      const ok = await request(`https://${api.at}`, 'GET', api.path, { tls: { ca: pki.ca } });
      expect(ok.status, api.name).toBe(200);
      const port = api.at.split(':')[1];
      expect((await request(`https://localhost:${port}`, 'GET', api.path, { tls: { ca: pki.ca } })).status, api.name).toBe(200);
      // Plaintext is not served: the connection is dropped, and fetchJson says why.
      await expect(request(`http://${api.at}`, 'GET', api.path), api.name).rejects.toMatchObject({ code: Code.Unavailable });
      await expect(fetchJson(`http://${api.at}`, api.path), api.name).rejects.toThrow(/drops plaintext clients: use an https:\/\/ URL and --tls-ca/);
      // A client given TLS never dials http://.
      await expect(fetchJson(`http://${api.at}`, api.path, { tls: { ca: pki.ca } }), api.name).rejects.toMatchObject({
        code: Code.InvalidArgument,
        message: expect.stringMatching(/plaintext HTTP but TLS is configured/),
      });
      // A client trusting another CA refuses the server's certificate.
      await expect(fetchJson(`https://${api.at}`, api.path, { tls: { ca: otherPki.ca } }), api.name).rejects.toThrow(/over TLS: .*certificate/);
    }
    // Marathon's /v2/info says the API is HTTPS on its port, and not plaintext on any.
    const info = (await request(apps.url, 'GET', '/v2/info', { tls: { ca: pki.ca } })).body;
    expect(info.http_config).toEqual({ http_port: 0, https_port: Number(new URL(apps.url).port) });
  });
});

describe('http auth - master and agent', () => {
  const auth = (): HttpAuth => new HttpAuth({ basic: [{ user: 'ops', password: 's3cret' }], tokens: [{ principal: 'ci', token: 'tok-1' }] });
  const RIGHT = basicAuthorization('ops:s3cret');

  it('http auth - the master and agent HTTP APIs are 401 without credentials (/health open), answer with Basic, Bearer or a client certificate', async () => {
    const master = await startMaster({ httpAuth: auth() });
    const base = `http://127.0.0.1:${master.httpPort}`;
    for (const path of ['/api/v1/state', '/api/v1/leader', '/metrics', '/api/v1/weights']) {
      const r = await request(base, 'GET', path);
      expect(r.status, path).toBe(401);
      expect(r.headers['www-authenticate']).toBe('Basic realm="tandem"');
      expect((await request(base, 'GET', path, { authorization: basicAuthorization('ops:wrong') })).status, path).toBe(401);
    }
    expect((await request(base, 'GET', '/health')).status).toBe(200);
    expect((await request(base, 'GET', '/api/v1/state', { authorization: RIGHT })).status).toBe(200);
    expect((await request(base, 'GET', '/api/v1/state', { authorization: 'Bearer tok-1' })).status).toBe(200);
    // A refused change changes nothing.
    const put = await request(base, 'PUT', '/api/v1/weights', { body: { weights: [{ role: 'eng', weight: 3 }] } });
    expect(put.status).toBe(401);
    expect((await request(base, 'GET', '/api/v1/weights', { authorization: RIGHT })).body.weights).toEqual([]);
    // fetchJson (the CLI's client): UNAUTHENTICATED with the API's message.
    await expect(fetchJson(base, '/api/v1/state')).rejects.toMatchObject({
      code: Code.Unauthenticated,
      message: expect.stringMatching(/401 authentication required/),
    });

    const agent = newAgent(master.address);
    await agent.start();
    const agentBase = `http://${await agentHttp(agent, { auth: auth() })}`;
    expect((await request(agentBase, 'GET', '/api/v1/state')).status).toBe(401);
    expect((await request(agentBase, 'GET', '/metrics')).status).toBe(401);
    expect((await request(agentBase, 'GET', '/metrics', { authorization: RIGHT })).status).toBe(200);
    expect((await request(agentBase, 'GET', '/health')).status).toBe(200);
    const state = await request(agentBase, 'GET', '/api/v1/state', { authorization: RIGHT });
    expect(state.status).toBe(200);
    expect(state.body.state).toBeDefined();

    // Over TLS, a client certificate signed by the CA proves a principal: no credentials needed.
    const tlsMaster = await startMaster({ tls: await pki.tls('master', 'm3'), httpAuth: auth() });
    const tlsBase = `https://127.0.0.1:${tlsMaster.httpPort}`;
    const operator = await pki.tls('operator', 'alice');
    expect((await request(tlsBase, 'GET', '/api/v1/state', { tls: { ca: pki.ca } })).status).toBe(401);
    expect((await request(tlsBase, 'GET', '/api/v1/state', { tls: operator })).status).toBe(200);
    // A certificate from another CA proves nothing (the handshake passes: certificates are optional on HTTP).
    const foreign = await otherPki.tls('operator', 'alice');
    expect((await request(tlsBase, 'GET', '/api/v1/state', { tls: { ...foreign, ca: pki.ca } })).status).toBe(401);
    // A wrong credential is 401 even with a good certificate.
    expect((await request(tlsBase, 'GET', '/api/v1/state', { tls: operator, authorization: basicAuthorization('ops:wrong') })).status).toBe(401);
  });
});

describe('cors', () => {
  it('cors - off unless configured; with --cors-origin a listed origin gets its headers and a preflight without credentials, others none', async () => {
    const auth = new HttpAuth({ basic: [{ user: 'ops', password: 's3cret' }] });
    const ui = 'https://ui.example';
    const preflight = { origin: ui, 'access-control-request-method': 'PUT', 'access-control-request-headers': 'authorization, content-type' };

    // Today's default: no CORS headers at all, and a preflight is just an unauthenticated OPTIONS.
    const plain = await startMaster({ httpAuth: auth });
    const plainBase = `http://127.0.0.1:${plain.httpPort}`;
    const off = await request(plainBase, 'OPTIONS', '/api/v1/weights', { headers: preflight });
    expect(off.status).toBe(401);
    expect(off.headers['access-control-allow-origin']).toBeUndefined();
    expect((await request(plainBase, 'GET', '/health', { headers: { origin: ui } })).headers['access-control-allow-origin']).toBeUndefined();

    const master = await startMaster({ httpAuth: auth, corsOrigins: [ui] });
    const base = `http://127.0.0.1:${master.httpPort}`;
    const ok = await request(base, 'OPTIONS', '/api/v1/weights', { headers: preflight });
    expect(ok.status).toBe(204);
    expect(ok.headers['access-control-allow-origin']).toBe(ui);
    expect(ok.headers['access-control-allow-methods']).toMatch(/PUT/);
    expect(ok.headers['access-control-allow-headers']).toMatch(/authorization/);
    // The real request is authenticated as any other, and carries the header.
    const get = await request(base, 'GET', '/api/v1/weights', { headers: { origin: ui }, authorization: basicAuthorization('ops:s3cret') });
    expect(get.status).toBe(200);
    expect(get.headers['access-control-allow-origin']).toBe(ui);
    expect((await request(base, 'GET', '/api/v1/weights', { headers: { origin: ui } })).status).toBe(401);
    // Another origin gets no CORS header and no preflight answer.
    const other = await request(base, 'OPTIONS', '/api/v1/weights', { headers: { ...preflight, origin: 'https://evil.example' } });
    expect(other.status).toBe(401);
    expect(other.headers['access-control-allow-origin']).toBeUndefined();

    // The apps API the same way.
    const apps = await startApps(plain, { httpAuth: auth, corsOrigins: [ui] });
    const appsPreflight = await request(apps.url, 'OPTIONS', '/v2/apps', { headers: preflight });
    expect(appsPreflight.status).toBe(204);
    expect(appsPreflight.headers['access-control-allow-origin']).toBe(ui);
  });

  it('cors - a bad --cors-origin stops the master naming the flag', async () => {
    const err: string[] = [];
    const io = { stdout: () => undefined, stderr: (s: string | Uint8Array) => void err.push(String(s)) };
    const code = await main(
      ['node', 'tandem', 'master', '--port', '0', '--http-port', '0', '--work-dir', tempDir(), '--cors-origin', 'https://ui.example/path'],
      { io },
    );
    expect(code).not.toBe(0);
    expect(err.join('')).toMatch(/--cors-origin \(TANDEM_CORS_ORIGIN\).*not an origin/);
  });
});
