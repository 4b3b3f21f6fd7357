import { join } from 'node:path';
import { main } from '@tandem/cli';
import { HttpAuth } from '@tandem/protocol';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startApps } from './support/apps.js';
import { cleanup, spawnTandem, startMaster, tempDir, waitFor } from './support/cluster.js';
import { startJobs } from './support/jobs.js';
import { makePki, type Pki, request } from './support/pki.js';

// The CLI's side of HTTPS and HTTP authentication (issue #11, items 1 and 4): a `tandem
// master` process with TLS and --http-credentials, and the apps and jobs client commands
// with --tls-ca against HTTPS APIs. Real processes and servers.

let pki: Pki;
beforeAll(async () => {
  pki = await makePki();
});
afterEach(cleanup);
afterAll(cleanup);

async function tandem(args: string[]): Promise<{ code: number; out: string; err: string }> {
  const out: string[] = [];
  const err: string[] = [];
  const io = { stdout: (s: string | Uint8Array) => void out.push(String(s)), stderr: (s: string | Uint8Array) => void err.push(String(s)) };
  const code = await main(['node', 'tandem', ...args], { io });
  return { code, out: out.join(''), err: err.join('') };
}

describe('https cli', () => {
  it('https-cli - tandem master --tls-* --http-credentials serves HTTPS only, 401 without credentials, /health open', async () => {
    await pki.tls('master', 'm1');
    const p = spawnTandem([
      'master',
      '--host',
      '127.0.0.1',
      '--port',
      '0',
      '--http-port',
      '0',
      '--work-dir',
      join(tempDir(), 'master'),
      ...pki.args('master', 'm1'),
      '--http-credentials',
      'ops:s3cret',
    ]);
    const m = await waitFor(() => /HTTPS 127\.0\.0\.1:(\d+)/.exec(p.output()), 'the master to serve HTTPS', 30_000);
    const base = `https://127.0.0.1:${m[1]}`;
    const tls = { ca: pki.ca };
    expect((await request(base, 'GET', '/health', { tls })).status).toBe(200);
    expect((await request(base, 'GET', '/api/v1/state', { tls })).status).toBe(401);
    const state = await request(base, 'GET', '/api/v1/state', { tls, authorization: `Basic ${Buffer.from('ops:s3cret').toString('base64')}` });
    expect(state.status).toBe(200);
    expect(state.body.masterId).toBeDefined();
    await expect(request(`http://127.0.0.1:${m[1]}`, 'GET', '/health')).rejects.toThrow(/closed the connection/);
  });

  it('https-cli - tandem agent --tls-* --http-credentials serves its HTTP API over HTTPS with /health open; tandem up gives its credentials to its master', async () => {
    const master = await startMaster({ tls: await pki.tls('master', 'm3') });
    await pki.tls('agent', 'a1');
    const agent = spawnTandem(
      [
        'agent',
        '--master',
        master.address,
        '--port',
        '0',
        '--work-dir',
        join(tempDir(), 'agent'),
        '--containerizers',
        'process',
        ...pki.args('agent', 'a1'),
        '--http-credentials',
        'ops:s3cret',
      ],
      'info',
    );
    const m = await waitFor(() => /"httpPort":(\d+)/.exec(agent.output()), `the agent to start\n${agent.output()}`, 30_000);
    const base = `https://127.0.0.1:${m[1]}`;
    const tls = { ca: pki.ca };
    expect((await request(base, 'GET', '/health', { tls })).status).toBe(200);
    expect((await request(base, 'GET', '/api/v1/state', { tls })).status).toBe(401);
    expect((await request(base, 'GET', '/api/v1/state', { tls, authorization: `Basic ${Buffer.from('ops:s3cret').toString('base64')}` })).status).toBe(200);

    const up = spawnTandem([
      'up',
      '--work-dir',
      tempDir(),
      '--port',
      '0',
      '--http-port',
      '0',
      '--jobs-port',
      '-1',
      '--apps-port',
      '-1',
      '--agent-http-port',
      '0',
      '--http-credentials',
      'ops:s3cret',
    ]);
    const u = await waitFor(() => /^ {2}master API +http:\/\/127\.0\.0\.1:(\d+)\//m.exec(up.output()), `tandem up to start\n${up.output()}`, 60_000);
    const upBase = `http://127.0.0.1:${u[1]}`;
    expect((await request(upBase, 'GET', '/api/v1/state')).status).toBe(401);
    expect((await request(upBase, 'GET', '/health')).status).toBe(200);
    expect((await request(upBase, 'GET', '/api/v1/state', { authorization: `Basic ${Buffer.from('ops:s3cret').toString('base64')}` })).status).toBe(200);
  });

  it('https-cli - apps and jobs client commands reach HTTPS APIs with --tls-ca, refuse http:// with it and fail naming TLS without it', async () => {
    const master = await startMaster({ tls: await pki.tls('master', 'm2') });
    const fwTls = await pki.tls('framework', 'f1');
    const auth = new HttpAuth({ basic: [{ user: 'ops', password: 's3cret' }] });
    const apps = await startApps(master, { tls: fwTls, httpAuth: auth });
    const { jobs } = await startJobs(master, { tls: fwTls, httpAuth: auth });
    const ca = join(pki.dir, 'ca.crt');
    const creds = ['--http-credentials', 'ops:s3cret'];
    for (const [service, url] of [
      ['apps', apps.url],
      ['jobs', jobs.url],
    ] as const) {
      const ok = await tandem([service, 'list', '--url', url, '--tls-ca', ca, ...creds]);
      expect(ok.code, `${service}: ${ok.err}`).toBe(0);
      // By the name in the certificate too.
      expect((await tandem([service, 'list', '--url', url.replace('127.0.0.1', 'localhost'), '--tls-ca', ca, ...creds])).code, service).toBe(0);
      const plain = await tandem([service, 'list', '--url', url.replace('https:', 'http:'), '--tls-ca', ca, ...creds]);
      expect(plain.code, service).not.toBe(0);
      expect(plain.err, service).toMatch(/plaintext HTTP but TLS is configured/);
      const noCa = await tandem([service, 'list', '--url', url, ...creds]);
      expect(noCa.code, service).not.toBe(0);
      expect(noCa.err, service).toMatch(/over TLS: .*certificate/);
      const noCreds = await tandem([service, 'list', '--url', url, '--tls-ca', ca]);
      expect(noCreds.code, service).not.toBe(0);
      expect(noCreds.err, service).toMatch(/401 authentication required/);
      // A client certificate from the CA is a principal: no credentials needed.
      const byCert = await tandem([service, 'list', '--url', url, ...pki.args('framework', 'f1')]);
      expect(byCert.code, `${service}: ${byCert.err}`).toBe(0);
    }
    const half = await tandem(['apps', 'list', '--url', apps.url, '--tls-cert', join(pki.dir, 'framework-f1.crt'), '--tls-ca', ca]);
    expect(half.err).toMatch(/--tls-key \(TANDEM_TLS_KEY\).*together/);
  });

  it('https-cli - the flags are in --help', async () => {
    const help = async (args: string[]): Promise<string> => {
      const r = await tandem([...args, '--help']);
      return r.out + r.err;
    };
    for (const args of [['master'], ['agent']]) {
      const text = await help(args);
      for (const f of ['--http-credentials', '--http-credentials-file', '--http-tokens-file', '--cors-origin', '--tls-cert'])
        expect(text, `${args} ${f}`).toContain(f);
    }
    for (const args of [
      ['apps', 'serve'],
      ['jobs', 'serve'],
    ]) {
      const text = await help(args);
      for (const f of ['--acls', '--cors-origin', '--http-credentials', '--tls-ca']) expect(text, `${args} ${f}`).toContain(f);
    }
    for (const args of [
      ['apps', 'list'],
      ['jobs', 'run'],
    ]) {
      const text = await help(args);
      for (const f of ['--tls-ca', '--tls-cert', '--tls-key', '--http-credentials']) expect(text, `${args} ${f}`).toContain(f);
    }
  });
});
