import { Agent as HttpAgent, request as httpRequest } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';
import { join } from 'node:path';
import { status as GrpcStatus, type ServiceError } from '@grpc/grpc-js';
import type { Master } from '@tandem/master';
import { basicAuthorization, HttpAuth, type OperatorClient, operatorClient, readTlsFiles, type TlsFiles } from '@tandem/protocol';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { initCa, issueCert } from '../../packages/cli/src/certs/cluster-ca.js';
import { startApps } from '../support/apps.js';
import { cleanup, startMaster, tempDir, track } from '../support/cluster.js';
import { startJobs } from '../support/jobs.js';

// The issue's flood line: 10,000 calls at concurrency 200 from one principal are shed with
// RESOURCE_EXHAUSTED (gRPC) or 429 (HTTP) while another principal's calls and the master's
// /health keep answering. A real master with mutual TLS: the principals are the OU/CN of
// certificates of the cluster CA. The limits are set low (100 calls a second), so that the
// flood is shed however fast or slow the machine runs it.

let dir: string;
const tls = (role: string, name: string): TlsFiles =>
  readTlsFiles({ cert: join(dir, `${role}-${name}.crt`), key: join(dir, `${role}-${name}.key`), ca: join(dir, 'ca.crt') });

beforeAll(async () => {
  dir = tempDir('tandem-flood-');
  await initCa(dir);
  await issueCert({ dir, role: 'master', name: 'm1' });
  await issueCert({ dir, role: 'operator', name: 'mallory' });
  await issueCert({ dir, role: 'operator', name: 'alice' });
});
afterEach(cleanup);
afterAll(cleanup);

interface Outcome {
  ok: number;
  shed: number;
  /** Anything else: code and message. */
  other: string[];
  /** The trailer and message of the first shed call. */
  firstShed?: { retryAfterMs: string | undefined; message: string };
}

function client(master: Master, role: string, name: string): OperatorClient {
  const c = operatorClient(master.address, { tls: tls(role, name) });
  track(() => c.close());
  return c;
}

function getWeights(c: OperatorClient): Promise<ServiceError | null> {
  return new Promise((resolve) => c.GetWeights({}, (err) => resolve(err)));
}

/** `total` GetWeights calls, `concurrency` in flight at once. */
async function flood(c: OperatorClient, total: number, concurrency: number): Promise<Outcome> {
  const out: Outcome = { ok: 0, shed: 0, other: [] };
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < total) {
      next += 1;
      const err = await getWeights(c);
      if (!err) out.ok += 1;
      else if (err.code === GrpcStatus.RESOURCE_EXHAUSTED) {
        out.shed += 1;
        out.firstShed ??= { retryAfterMs: err.metadata.get('retry-after-ms')[0]?.toString(), message: err.details };
      } else out.other.push(`${err.code} ${err.details}`);
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  return out;
}

/** GET `path` of the master's HTTP API (HTTPS with the cluster CA when the API serves TLS). */
function get(master: Master, path: string, secure: boolean, agent: HttpAgent | false = false): Promise<{ status: number; retryAfter: string | undefined }> {
  return new Promise((resolve, reject) => {
    const options = { host: '127.0.0.1', port: master.httpPort, path, method: 'GET', agent };
    const onReply = (res: import('node:http').IncomingMessage): void => {
      res.resume();
      res.on('end', () => resolve({ status: res.statusCode ?? 0, retryAfter: res.headers['retry-after'] }));
    };
    const req = secure ? httpsRequest({ ...options, ca: tls('operator', 'alice').ca }, onReply) : httpRequest(options, onReply);
    req.on('error', reject);
    req.end();
  });
}

/** Whether the master's HTTP API serves TLS (it does once the HTTP APIs take the gRPC port's files). */
async function servesTls(master: Master): Promise<boolean> {
  try {
    const r = await get(master, '/health', false);
    return r.status === 0;
  } catch {
    return true;
  }
}

/** Probes `/health` one after another until `until` resolves; every status seen. */
async function probeHealth(master: Master, secure: boolean, until: Promise<unknown>): Promise<number[]> {
  const seen: number[] = [];
  let done = false;
  void until.finally(() => {
    done = true;
  });
  while (!done) seen.push((await get(master, '/health', secure).catch(() => ({ status: -1 }))).status);
  return seen;
}

describe('flood', () => {
  it('flood - 10,000 gRPC calls at concurrency 200 from one principal are shed with RESOURCE_EXHAUSTED; another principal and /health keep answering', async () => {
    const master = await startMaster({ tls: tls('master', 'm1'), limits: { callRate: { count: 100, perMs: 1000, burst: 100 } } });
    const secure = await servesTls(master);
    const mallory = client(master, 'operator', 'mallory');
    const alice = client(master, 'operator', 'alice');

    const flooding = flood(mallory, 10_000, 200);
    const health = probeHealth(master, secure, flooding);
    // Alice's 50 calls, one after another while the flood runs: within her own burst of 100.
    const aliceErrors: string[] = [];
    for (let i = 0; i < 50; i += 1) {
      const err = await getWeights(alice);
      if (err) aliceErrors.push(`${err.code} ${err.details}`);
    }
    const flooded = await flooding;
    const probes = await health;

    expect(flooded.other).toEqual([]);
    expect(flooded.ok + flooded.shed).toBe(10_000);
    // At most the burst and 100 a second were let through: most of the flood was shed.
    expect(flooded.shed).toBeGreaterThan(5_000);
    expect(flooded.firstShed?.message).toMatch(/operator\/mallory is over its rate of calls \(100\/1s, burst 100; --rate-limit\)/);
    expect(Number(flooded.firstShed?.retryAfterMs)).toBeGreaterThan(0);
    expect(aliceErrors).toEqual([]);
    expect(probes.length).toBeGreaterThan(0);
    expect(probes.filter((s) => s !== 200)).toEqual([]);
    expect(master.callLimits.shed).toBe(flooded.shed);
  }, 60_000);

  it('flood - HTTP requests beyond the rate from one address are 429 with Retry-After; /health stays 200', async () => {
    const master = await startMaster({ tls: tls('master', 'm1'), limits: { httpRate: { count: 10, perMs: 1000, burst: 10 } } });
    const secure = await servesTls(master);
    // Kept-alive connections: the flood is requests, not TLS handshakes.
    const agent = secure
      ? new HttpsAgent({ keepAlive: true, maxSockets: 50, ca: tls('operator', 'alice').ca })
      : new HttpAgent({ keepAlive: true, maxSockets: 50 });
    track(() => agent.destroy());
    const statuses = new Map<number, number>();
    let retryAfter: string | undefined;
    let next = 0;
    const worker = async (): Promise<void> => {
      while (next < 1_000) {
        next += 1;
        const r = await get(master, '/api/v1/weights', secure, agent);
        statuses.set(r.status, (statuses.get(r.status) ?? 0) + 1);
        if (r.status === 429) retryAfter ??= r.retryAfter;
      }
    };
    const flooding = Promise.all(Array.from({ length: 50 }, worker));
    const probes = await probeHealth(master, secure, flooding);
    await flooding;

    expect([...statuses.keys()].sort()).toEqual([200, 429]);
    // At most the burst and 10 a second were answered: most of the flood was shed.
    expect(statuses.get(429)).toBeGreaterThan(700);
    expect(Number(retryAfter)).toBeGreaterThanOrEqual(1);
    expect(probes.length).toBeGreaterThan(0);
    expect(probes.filter((s) => s !== 200)).toEqual([]);
  }, 60_000);

  it('flood - apps and jobs: one principal beyond the rate is 429 with Retry-After; another principal, and /ping, are answered', async () => {
    const master = await startMaster();
    const rate = { count: 5, perMs: 1000, burst: 5 };
    const httpAuth = new HttpAuth({
      basic: [
        { user: 'alice', password: 'a-secret' },
        { user: 'bob', password: 'b-secret' },
      ],
    });
    const apps = await startApps(master, { httpRateLimit: rate, httpAuth });
    const { jobs } = await startJobs(master, { httpRateLimit: rate, httpAuth });
    const as = (user: string, password: string) => ({ headers: { authorization: basicAuthorization(`${user}:${password}`) } });
    for (const [base, path] of [
      [apps.url, '/v2/apps'],
      [jobs.url, '/v1/jobs'],
    ] as const) {
      const replies = await Promise.all(Array.from({ length: 60 }, () => fetch(`${base}${path}`, as('alice', 'a-secret'))));
      const shed = replies.filter((r) => r.status === 429);
      expect(new Set(replies.map((r) => r.status))).toEqual(new Set([200, 429]));
      // At most the burst of 5 and 5 a second: most of the 60 were shed.
      expect(shed.length).toBeGreaterThan(40);
      const first = shed[0] as Response;
      expect(Number(first.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
      expect(((await first.json()) as { message: string }).message).toMatch(/too many requests from principal alice: the limit is 5\/1s, burst 5/);
      // Bob's requests have their own bucket (his 5 are within its burst), whatever alice does.
      const bob = await Promise.all(Array.from({ length: 5 }, () => fetch(`${base}${path}`, as('bob', 'b-secret'))));
      expect(bob.map((r) => r.status)).toEqual(Array(5).fill(200));
      const pings = await Promise.all(Array.from({ length: 20 }, () => fetch(`${base}/ping`)));
      expect(pings.map((r) => r.status)).toEqual(Array(20).fill(200));
    }
  });
});
