import * as grpc from '@grpc/grpc-js';
import { afterEach, describe, expect, it } from 'vitest';
import { startApps } from '../support/apps.js';
import { cleanup, recorder, startAgent, startDriver, startMaster, waitFor } from '../support/cluster.js';
import { startJobs } from '../support/jobs.js';
import { encode, RawGrpc } from './grpc-probe.js';
import { send } from './http-probe.js';

// Oversized messages: gRPC messages over the master's largest (a small configured limit on
// the streams, and the 64 MiB default on a unary call) are RESOURCE_EXHAUSTED; HTTP bodies
// over the APIs' limit are 413 naming it, over-long URLs and headers are refused by the
// HTTP server; after each the server serves on (a real agent registers and a framework gets
// offers; /health and /ping answer). limits.test.ts has the unary call over a small limit.

afterEach(cleanup);

const KIB = 1024;
const MIB = 1024 * KIB;

describe('oversized messages', () => {
  it('oversized - Agent.Connect and Scheduler.Subscribe messages over the limit are RESOURCE_EXHAUSTED; then a real agent registers and a framework gets offers', async () => {
    const master = await startMaster({ limits: { maxMessageBytes: 256 * KIB } });
    const raw = new RawGrpc(master.address);
    try {
      const register = encode('AgentMessage', {
        register: { agentInfo: { hostname: 'h'.repeat(300 * KIB), resources: [{ name: 'cpus', scalar: 1 }] }, tasks: [], frameworks: [] },
      });
      const agentCall = await raw.bidi('/tandem.v1.Agent/Connect', [register!], 10_000);
      expect(grpc.status[agentCall.code]).toBe('RESOURCE_EXHAUSTED');
      const subscribe = encode('SubscribeRequest', { frameworkInfo: { name: 'n'.repeat(300 * KIB), roles: ['*'] } });
      const frameworkCall = await raw.serverStream('/tandem.v1.Scheduler/Subscribe', subscribe!, 10_000);
      expect(grpc.status[frameworkCall.code]).toBe('RESOURCE_EXHAUSTED');
      expect(master.state().agents ?? []).toEqual([]);
      expect(master.state().frameworks ?? []).toEqual([]);
    } finally {
      raw.close();
    }
    const agent = await startAgent(master, { containerizers: ['process'] });
    const driver = await startDriver(master);
    const rec = recorder(driver);
    await waitFor(() => rec.offers.find((o) => o.agentId === agent.agentId), 'an offer from the real agent');
    expect((await fetch(`http://127.0.0.1:${master.httpPort}/health`)).status).toBe(200);
  });

  it('oversized - a 64 MiB + 1 KiB call to a master with the default limit is RESOURCE_EXHAUSTED; the next call is answered', async () => {
    const master = await startMaster();
    const raw = new RawGrpc(master.address);
    try {
      const huge = await raw.unary('/tandem.v1.Scheduler/Call', Buffer.alloc(64 * MIB + KIB, 0x0a), 30_000);
      expect(grpc.status[huge.code]).toBe('RESOURCE_EXHAUSTED');
      expect(huge.details).toMatch(/larger than|message/i);
      const next = await raw.unary('/tandem.v1.Operator/GetWeights', encode('GetWeightsRequest', {})!);
      expect(grpc.status[next.code]).toBe('OK');
    } finally {
      raw.close();
    }
    expect((await fetch(`http://127.0.0.1:${master.httpPort}/health`)).status).toBe(200);
  });

  it('oversized - HTTP bodies over the limit are 413 naming it (master, apps, jobs), a 32 MiB body too; over-long URLs and headers are refused; every server serves on', async () => {
    const master = await startMaster();
    const apps = await startApps(master);
    const { jobs } = await startJobs(master);
    const masterUrl = `http://127.0.0.1:${master.httpPort}`;
    const pad = (n: number): string => 'x'.repeat(n);
    const cases: [string, string, string, string][] = [
      [masterUrl, 'PUT', '/api/v1/weights', JSON.stringify({ weights: [{ role: pad(2 * MIB), weight: 2 }] })],
      [apps.url, 'POST', '/v2/apps', JSON.stringify({ id: '/big', cmd: 'true', instances: 0, labels: { l: pad(2 * MIB) } })],
      [apps.url, 'POST', '/v2/apps', JSON.stringify({ id: '/huge', cmd: 'true', instances: 0, labels: { l: pad(32 * MIB) } })],
      [jobs.url, 'POST', '/v1/jobs', JSON.stringify({ id: 'big', run: { cmd: pad(2 * MIB) } })],
    ];
    for (const [base, method, path, body] of cases) {
      const r = await send(base, method, path, body).catch((err: Error) => {
        throw new Error(`${method} ${base}${path} (${body.length} bytes): ${err.message}`);
      });
      expect(r.status, `${method} ${path} ${body.length}`).toBe(413);
      expect(typeof r.json?.message).toBe('string');
    }
    expect(master.roleConfig.listWeights()).toEqual([]);
    expect((await send(apps.url, 'GET', '/v2/apps')).json.apps).toEqual([]);
    expect((await send(jobs.url, 'GET', '/v1/jobs')).json).toEqual([]);

    // Node's HTTP server answers 431 (or 414) and closes; a client still writing may see the reset first.
    const refusedOrReset = (status: number | string): boolean => status === 414 || status === 431 || status === 'ECONNRESET' || status === 'EPIPE';
    const statusOf = (p: Promise<{ status: number }>): Promise<number | string> =>
      p.then(
        (r) => r.status,
        (err: NodeJS.ErrnoException) => err.code ?? err.message,
      );
    for (const base of [masterUrl, apps.url, jobs.url]) {
      const longUrl = await statusOf(send(base, 'GET', `/v2/apps/${pad(200 * KIB)}`));
      expect(refusedOrReset(longUrl), `${base} long URL: ${longUrl}`).toBe(true);
      const bigHeader = await statusOf(send(base, 'GET', '/ping', undefined, { 'x-pad': pad(100 * KIB) }));
      expect(refusedOrReset(bigHeader), `${base} big header: ${bigHeader}`).toBe(true);
    }
    expect((await send(masterUrl, 'GET', '/health')).status).toBe(200);
    expect((await send(apps.url, 'GET', '/ping')).status).toBe(200);
    expect((await send(jobs.url, 'GET', '/ping')).status).toBe(200);
  });
});
