import { request as httpsRequest } from 'node:https';
import { join } from 'node:path';
import { type ClientReadableStream, status as GrpcStatus, type ServiceError } from '@grpc/grpc-js';
import { Agent, ProcessContainerizer } from '@tandem/agent';
import type { Master } from '@tandem/master';
import { type OperatorClient, type OperatorEvent, operatorClient, readTlsFiles, type TlsFiles } from '@tandem/protocol';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { initCa, issueCert } from '../../packages/cli/src/certs/cluster-ca.js';
import { cleanup, startMaster, tempDir, track, waitFor } from '../support/cluster.js';

// The master's caps per principal (open streams, connected agents) and its largest gRPC
// message: what is over is RESOURCE_EXHAUSTED naming the limit, and the master serves on.
// Principals are the OU/CN of certificates of the cluster CA (mutual TLS).

let dir: string;
const tls = (role: string, name: string): TlsFiles =>
  readTlsFiles({ cert: join(dir, `${role}-${name}.crt`), key: join(dir, `${role}-${name}.key`), ca: join(dir, 'ca.crt') });

beforeAll(async () => {
  dir = tempDir('tandem-limits-');
  await initCa(dir);
  await issueCert({ dir, role: 'master', name: 'm1' });
  await issueCert({ dir, role: 'operator', name: 'alice' });
  await issueCert({ dir, role: 'operator', name: 'bob' });
  await issueCert({ dir, role: 'agent', name: 'a1' });
});
afterEach(cleanup);
afterAll(cleanup);

function client(master: Master, name: string): OperatorClient {
  const c = operatorClient(master.address, { tls: tls('operator', name) });
  track(() => c.close());
  return c;
}

/** Opens a Watch: resolves with the stream once its first event came, or with the error that ended it. */
function watch(c: OperatorClient): Promise<{ stream: ClientReadableStream<OperatorEvent>; error?: ServiceError }> {
  return new Promise((resolve) => {
    const stream = c.Watch({});
    track(() => stream.cancel());
    stream.once('data', () => resolve({ stream }));
    stream.on('error', (error: ServiceError) => resolve({ stream, error }));
  });
}

describe('limits', () => {
  it('limits - a principal at its cap of open streams is refused RESOURCE_EXHAUSTED naming the flag; another principal is not; closing one frees a place', async () => {
    const master = await startMaster({ tls: tls('master', 'm1'), limits: { maxStreams: 2 } });
    const alice = client(master, 'alice');
    const first = await watch(alice);
    const second = await watch(alice);
    expect([first.error, second.error]).toEqual([undefined, undefined]);

    const third = await watch(alice);
    expect(third.error?.code).toBe(GrpcStatus.RESOURCE_EXHAUSTED);
    expect(third.error?.details).toMatch(/operator\/alice holds 2 open streams, the most allowed \(--max-streams-per-principal\)/);
    expect(third.error?.metadata.get('retry-after-ms')).toEqual(['1000']);

    const bob = await watch(client(master, 'bob'));
    expect(bob.error).toBeUndefined();
    expect(await master.metrics.registry.metrics()).toMatch(/^tandem_master_calls_shed_total\{limit="max_streams"\} 1$/m);

    first.stream.cancel();
    await waitFor(() => master.callLimits.openStreams('operator/alice') === 1, 'the cancelled stream no longer counts');
    const again = await watch(alice);
    expect(again.error).toBeUndefined();
  });

  it('limits - a second agent with the same principal over --max-agents-per-principal does not register; the first does', async () => {
    const master = await startMaster({ tls: tls('master', 'm1'), limits: { maxAgents: 1 } });
    const agents = ['first', 'second'].map((hostname) => {
      const agent = new Agent({
        master: master.address,
        workDir: join(tempDir(), 'agent'),
        hostname,
        resources: 'cpus:1;mem:256;disk:256;ports:[31000-31001]',
        containerizers: [new ProcessContainerizer()],
        reconnectBackoff: { initialMs: 100, maxMs: 300 },
        tls: tls('agent', 'a1'),
      });
      track(() => agent.stop({ killTasks: true }));
      return agent;
    });
    await agents[0]?.start();
    await waitFor(() => master.state().agents?.length === 1, 'the first agent registered');
    await agents[1]?.start();
    await waitFor(() => master.callLimits.shed >= 2, 'the second agent refused twice (it retries)');
    expect((master.state().agents ?? []).map((a) => a.info?.hostname)).toEqual(['first']);
  });

  it('limits - a gRPC message over the master’s largest is RESOURCE_EXHAUSTED, an HTTP body over 1 MiB is 413; neither changes anything and the master serves on', async () => {
    const master = await startMaster({ tls: tls('master', 'm1'), limits: { maxMessageBytes: 64 * 1024 } });
    const alice = client(master, 'alice');
    const big = await new Promise<ServiceError | null>((resolve) =>
      alice.UpdateWeights({ weights: [{ role: 'x'.repeat(100_000), weight: 2 }] }, (err) => resolve(err)),
    );
    expect(big?.code).toBe(GrpcStatus.RESOURCE_EXHAUSTED);
    const small = await new Promise<{ err: ServiceError | null; n: number }>((resolve) =>
      alice.UpdateWeights({ weights: [{ role: 'web', weight: 2 }] }, (err, res) => resolve({ err, n: res?.weights?.length ?? 0 })),
    );
    expect(small.err).toBeNull();
    expect(master.roleConfig.listWeights().map((w) => w.role)).toEqual(['web']);

    // The HTTP API: a body over 1 MiB is 413, nothing changes, /health answers on.
    const ca = tls('operator', 'alice').ca;
    const send = (method: string, path: string, body?: string): Promise<number> =>
      new Promise((resolve, reject) => {
        const req = httpsRequest(
          { host: '127.0.0.1', port: master.httpPort, method, path, ca, headers: body ? { 'content-type': 'application/json' } : {} },
          (res) => {
            res.resume();
            resolve(res.statusCode ?? 0);
          },
        );
        req.on('error', reject);
        req.end(body);
      });
    const huge = JSON.stringify({ weights: [{ role: 'y'.repeat(2 * 1024 * 1024), weight: 3 }] });
    expect(await send('PUT', '/api/v1/weights', huge)).toBe(413);
    expect(await send('GET', '/health')).toBe(200);
    expect(master.roleConfig.listWeights().map((w) => w.role)).toEqual(['web']);
  });

  it('limits - principals from credentials have their own buckets: one over its rate is shed naming it, another is not', async () => {
    const master = await startMaster({
      credentials: [
        { user: 'mallory', password: 'm-secret' },
        { user: 'alice', password: 'a-secret' },
      ],
      limits: { callRate: { count: 1, perMs: 60_000, burst: 3 } },
    });
    const as = (principal: string, secret: string): OperatorClient => {
      const c = operatorClient(master.address, { credential: { principal, secret } });
      track(() => c.close());
      return c;
    };
    const weights = (c: OperatorClient): Promise<ServiceError | null> => new Promise((resolve) => c.GetWeights({}, (err) => resolve(err)));
    const mallory = as('mallory', 'm-secret');
    const alice = as('alice', 'a-secret');
    const malloryErrors = [];
    for (let i = 0; i < 5; i += 1) malloryErrors.push(await weights(mallory));
    expect(malloryErrors.slice(0, 3)).toEqual([null, null, null]);
    expect(malloryErrors.slice(3).map((e) => e?.code)).toEqual([GrpcStatus.RESOURCE_EXHAUSTED, GrpcStatus.RESOURCE_EXHAUSTED]);
    expect(malloryErrors[3]?.details).toMatch(/^GetWeights refused: mallory is over its rate of calls \(1\/60s, burst 3; --rate-limit\)/);
    for (let i = 0; i < 3; i += 1) expect(await weights(alice)).toBeNull();
  });
});
