import { mkdtempSync, writeFileSync } from 'node:fs';
import { connect as netConnect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type ConnectionOptions, connect as tlsConnect, createServer as tlsServer } from 'node:tls';
import { main } from '@tandem/cli';
import { findMembers, NatsKvStore, natsConnectOptions } from '@tandem/store';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { cleanup, spawnTandem, type TandemProcess, tempDir, waitFor } from './support/cluster.js';
import { findNatsServer, freePort, NatsProcess } from './support/nats-process.js';
import { makePki, type Pki, request } from './support/pki.js';

// The link to NATS, the HA store (issue #11 item 1, "every link"): one real nats-server
// with JetStream, TLS with `verify: true` (a certificate from the cluster CA, for
// 127.0.0.1 only) and an `authorization { user, password }` block. `tandem master`
// processes with `--store tls://...` lead only with the CA, a certificate and the
// credentials; every other way in fails, naming why.

const USER = 'tandem';
const PASSWORD = 'n4ts-s3cret-pw';

let pki: Pki;
/** Another cluster's CA, with a master certificate from it. */
let other: Pki;
let nats: NatsProcess;
let port: number;
let credentialsFile: string;

beforeAll(async () => {
  [pki, other] = await Promise.all([makePki('tandem-nats-pki-'), makePki('tandem-nats-other-')]);
  await Promise.all([pki.tls('master', 'nats', ['127.0.0.1']), pki.tls('master', 'm1'), other.tls('master', 'm1')]);
  const dir = mkdtempSync(join(tmpdir(), 'tandem-nats-tls-'));
  port = await freePort();
  const file = (name: string): string => JSON.stringify(join(pki.dir, name));
  const conf = join(dir, 'nats.conf');
  writeFileSync(
    conf,
    [
      `listen: 127.0.0.1:${port}`,
      `jetstream { store_dir: ${JSON.stringify(join(dir, 'js'))} }`,
      `tls { cert_file: ${file('master-nats.crt')}, key_file: ${file('master-nats.key')}, ca_file: ${file('ca.crt')}, verify: true, timeout: 3 }`,
      `authorization { user: ${USER}, password: ${JSON.stringify(PASSWORD)} }`,
      '',
    ].join('\n'),
  );
  credentialsFile = join(dir, 'store-credentials');
  writeFileSync(credentialsFile, `# the NATS store\n${USER}:${PASSWORD}\n`, { mode: 0o600 });
  nats = new NatsProcess(findNatsServer(), ['-c', conf], port);
  await nats.start();
}, 30_000);
afterEach(cleanup);
afterAll(async () => {
  await cleanup();
  await nats?.stop();
});

const tlsStore = (host = '127.0.0.1'): string => `tls://${host}:${port}`;

function spawnMaster(store: string, extra: string[]): TandemProcess {
  return spawnTandem(['master', '--host', '127.0.0.1', '--port', '0', '--http-port', '0', '--store', store, '--lease-ttl', '2', ...extra]);
}

/** Waits for the process to exit; its exit code and everything it printed. */
async function exitOf(p: TandemProcess): Promise<{ code: number | null; out: string }> {
  if (p.child.exitCode === null && p.child.signalCode === null) await new Promise((resolve) => p.child.once('exit', resolve));
  return { code: p.child.exitCode, out: p.output() };
}

async function tandem(args: string[]): Promise<{ code: number; out: string; err: string }> {
  const out: string[] = [];
  const err: string[] = [];
  const io = { stdout: (s: string | Uint8Array) => void out.push(String(s)), stderr: (s: string | Uint8Array) => void err.push(String(s)) };
  const code = await main(['node', 'tandem', ...args], { io });
  return { code, out: out.join(''), err: err.join('') };
}

describe('store nats tls', () => {
  it('store-nats-tls - a master with the CA, its certificate and the credentials leads on a tls:// store, apps and jobs open their buckets there; the password is printed nowhere', async () => {
    const m1 = spawnMaster(tlsStore(), [...pki.args('master', 'm1'), '--store-credentials', credentialsFile]);
    // Apps and jobs take the same store flags: each opens its bucket over TLS with the credentials (or does not start).
    await Promise.all([pki.tls('framework', 'apps'), pki.tls('framework', 'jobs')]);
    const service = (name: 'apps' | 'jobs', store: string, extra: string[]): TandemProcess =>
      spawnTandem([name, 'serve', '--master', '127.0.0.1:1', '--host', '127.0.0.1', '--port', '0', '--store', store, ...pki.args('framework', name), ...extra]);
    const apps = service('apps', tlsStore(), ['--store-credentials', credentialsFile]);
    const jobs = service('jobs', `tls://${USER}:${encodeURIComponent(PASSWORD)}@127.0.0.1:${port}`, []);
    const m = await waitFor(() => /HTTPS 127\.0\.0\.1:(\d+) \(store (\S+) with credentials/.exec(m1.output()), 'the master to listen', 30_000);
    expect(m[2]).toBe(tlsStore());
    const base = `https://127.0.0.1:${m[1]}`;
    const tls = { ...(await pki.tls('master', 'm1')), ca: pki.ca };
    const view = await waitFor(
      async () => {
        const r = await request(base, 'GET', '/api/v1/leader', { tls }).catch(() => undefined);
        return r?.status === 200 && r.body.leading === true ? r.body : undefined;
      },
      'the master to lead',
      30_000,
    );
    expect(view.leader.grpc).toMatch(/^127\.0\.0\.1:\d+$/);
    // The roster over the same link: discovery finds the leader with TLS and the credentials, and not without them.
    const access = { tls: await pki.tls('master', 'm1'), auth: { user: USER, pass: PASSWORD } };
    expect(await findMembers([tlsStore()], 'tandem-master', 5_000, access)).toEqual([view.leader.grpc]);
    await expect(findMembers([`nats://127.0.0.1:${port}`], 'tandem-master', 5_000)).rejects.toThrow(/requires TLS/);
    // The CLI's `--master tls://...`: the masters are found over TLS with the command's own certificate and the URL's credentials.
    await pki.tls('operator', 'alice');
    const listed = await tandem(['agents', '--json', '--master', `tls://${USER}:${PASSWORD}@127.0.0.1:${port}`, ...pki.args('operator', 'alice')]);
    expect(listed.code, listed.err).toBe(0);
    expect(JSON.parse(listed.out)).toEqual({ agents: [] });
    const noTls = await tandem(['agents', '--master', tlsStore()]);
    expect(noTls.code).not.toBe(0);
    expect(noTls.err).toMatch(/--master \(TANDEM_MASTER\): a tls:\/\/ store needs --tls-ca/);
    expect(m1.output()).not.toContain(PASSWORD);
    for (const [name, p] of [
      ['apps', apps],
      ['jobs', jobs],
    ] as const) {
      await waitFor(
        () => new RegExp(`tandem ${name}: API https://127\\.0\\.0\\.1:\\d+ on master 127\\.0\\.0\\.1:1 \\(store ${tlsStore()},`).test(p.output()),
        `${name} to open its bucket`,
        30_000,
      );
      expect(p.output()).not.toContain(PASSWORD);
    }
  });

  it("store-nats-tls - without credentials, with a wrong password (in the URL), plaintext nats://, another CA, a host the certificate does not name, or a certificate not from the server's CA: the master does not start and says why", async () => {
    const own = pki.args('master', 'm1');
    const cases = {
      noCredentials: spawnMaster(tlsStore(), own),
      wrongPassword: spawnMaster(`tls://${USER}:not-${PASSWORD}@127.0.0.1:${port}`, own),
      plaintext: spawnMaster(`nats://127.0.0.1:${port}`, [...own, '--store-credentials', credentialsFile]),
      otherCa: spawnMaster(tlsStore(), [...other.args('master', 'm1'), '--store-credentials', credentialsFile]),
    };
    // The same checks in the store itself (no process each; run while the processes start): a host the certificate does not name, a certificate not from the server's CA.
    const auth = { user: USER, pass: PASSWORD };
    const open = (servers: string, tls: { cert: Buffer; key: Buffer; ca: Buffer }) =>
      NatsKvStore.open({ servers, access: { tls, auth }, bucket: 'tandem-tls-probe', timeoutMs: 3_000, maxReconnectAttempts: 0 });
    const mine = await pki.tls('master', 'm1');
    const hostRefused = expect(open(tlsStore('localhost'), mine)).rejects.toThrow(/TLS: the NATS server's certificate was not accepted \(.*localhost.*\)/);
    const foreign = { ...(await other.tls('master', 'm1')), ca: pki.ca };
    const certRefused = expect(open(tlsStore(), foreign)).rejects.toThrow(
      /the NATS server refused this process's certificate \(.*bad certificate.*\): is --tls-cert signed/,
    );
    const [noCredentials, wrongPassword, plaintext, otherCa] = await Promise.all(Object.values(cases).map(exitOf));
    for (const r of [noCredentials, wrongPassword, plaintext, otherCa]) {
      expect(r?.code, r?.out).not.toBe(0);
      expect(r?.out).not.toMatch(/master listening|standing by/);
      expect(r?.out).not.toContain(PASSWORD);
    }
    expect(noCredentials?.out).toMatch(/NATS refused the authorization \(no credentials were given\).*--store-credentials/);
    expect(wrongPassword?.out).toMatch(/NATS refused the authorization \(user 'tandem' was refused\)/);
    expect(wrongPassword?.out).toContain(`cannot connect to ${tlsStore()}:`);
    expect(plaintext?.out).toMatch(/the NATS store link is plaintext \(nats:\/\/\) though this process has TLS/);
    expect(plaintext?.out).toMatch(/requires TLS \(its INFO says tls_required\), and a nats:\/\/ store never upgrades/);
    expect(otherCa?.out).toMatch(/TLS: the NATS server's certificate was not accepted .*--tls-ca/);
    await Promise.all([hostRefused, certRefused]);
  });

  it('store-nats-tls - a tls:// store without the TLS flags, and credentials given twice, are ValidationErrors naming the flags', async () => {
    const noCa = await tandem(['master', '--port', '0', '--http-port', '-1', '--store', tlsStore()]);
    expect(noCa.code).not.toBe(0);
    expect(noCa.err).toMatch(/--store \(TANDEM_STORE\): a tls:\/\/ store needs --tls-ca \(TANDEM_TLS_CA\), --tls-cert \(TANDEM_TLS_CERT\) and --tls-key/);
    const twice = await tandem([
      'master',
      '--port',
      '0',
      '--http-port',
      '-1',
      '--store',
      `tls://${USER}:${PASSWORD}@127.0.0.1:${port}`,
      ...pki.args('master', 'm1'),
      '--store-credentials',
      credentialsFile,
    ]);
    expect(twice.code).not.toBe(0);
    expect(twice.err).toMatch(/--store-credentials \(TANDEM_STORE_CREDENTIALS\): the URL of --store \(TANDEM_STORE\) names credentials too/);
    const badFile = await tandem([
      'master',
      '--port',
      '0',
      '--http-port',
      '-1',
      '--store',
      tlsStore(),
      ...pki.args('master', 'm1'),
      '--store-credentials',
      tempDir(),
    ]);
    expect(badFile.err).toMatch(/--store-credentials \(TANDEM_STORE_CREDENTIALS\): cannot read/);
    expect(`${noCa.err}${twice.err}${badFile.err}`).not.toContain(PASSWORD);
  });

  it('store-nats-tls - a server given by IP address must have that address in its certificate (nats.js gives Node no name to check; the dialled address is checked)', async () => {
    const own = await pki.tls('master', 'm1');
    const { tls } = natsConnectOptions([tlsStore()], { tls: own });
    /** Upgrades a plain socket to 127.0.0.1 as nats.js does (no server name), with the options natsConnectOptions gives. */
    const handshake = async (cert: { cert: Buffer; key: Buffer }): Promise<string> => {
      const server = tlsServer({ cert: cert.cert, key: cert.key }, (s) => s.end());
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      const address = server.address();
      const serverPort = typeof address === 'object' && address ? address.port : 0;
      const socket = netConnect(serverPort, '127.0.0.1');
      await new Promise((resolve) => socket.once('connect', resolve));
      try {
        return await new Promise<string>((resolve) => {
          const t = tlsConnect({ socket, servername: '', rejectUnauthorized: true, ...(tls as ConnectionOptions) }, () => {
            t.end();
            resolve('verified');
          });
          t.once('error', (err) => resolve(err.message));
        });
      } finally {
        socket.destroy();
        server.close();
      }
    };
    expect(await handshake(await pki.tls('master', 'nats'))).toBe('verified');
    expect(await handshake(await pki.tls('master', 'elsewhere', ['127.0.0.2']))).toMatch(/IP: 127\.0\.0\.1 is not in the cert's list: 127\.0\.0\.2/);
  });
});
