import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { componentLogger } from '@tandem/protocol';
import { afterEach, describe, expect, it } from 'vitest';
import type { ReadinessCheckDefinition } from '../app/app-schema.js';
import { ReadinessChecker } from './readiness-checker.js';
import { probeReadiness, type ReadinessCheckResult, type ReadinessTarget } from './readiness-probe.js';

const log = componentLogger('readiness-test');
// A generous timeout: a 40 ms one made the probe tests fail on a loaded machine. Tests of
// the timeout itself set their own.
const check = (over: Partial<ReadinessCheckDefinition> = {}): ReadinessCheckDefinition => ({
  name: 'readinessCheck',
  protocol: 'HTTP',
  path: '/ready',
  portName: 'http',
  intervalSeconds: 0.05,
  timeoutSeconds: 2,
  httpStatusCodesForReady: [200],
  preserveLastResponse: false,
  ...over,
});

/** A local endpoint answering `status()` to every request; counts the requests. */
async function endpoint(status: () => number, delayMs = 0): Promise<{ url: string; hits: () => number; server: Server }> {
  let hits = 0;
  const server = createServer((_req, res) => {
    hits += 1;
    setTimeout(() => {
      res.writeHead(status(), { 'content-type': 'text/plain; charset=utf-8' });
      res.end(`status ${status()}`);
    }, delayMs);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  servers.push(server);
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/ready`, hits: () => hits, server };
}
const servers: Server[] = [];
afterEach(async () => {
  for (const s of servers.splice(0)) {
    s.closeAllConnections();
    await new Promise((r) => s.close(r));
  }
});

const until = async (cond: () => boolean, what: string): Promise<void> => {
  const end = Date.now() + 5_000;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
};

describe('readiness checks', () => {
  it('readiness-probe - ready only for httpStatusCodesForReady; the last response kept only with preserveLastResponse', async () => {
    let code = 503;
    const { url } = await endpoint(() => code);
    const target = (c: ReadinessCheckDefinition): ReadinessTarget => ({ taskId: 't1', appId: '/a', url, check: c });
    const signal = new AbortController().signal;
    expect(await probeReadiness(target(check()), signal)).toEqual({ name: 'readinessCheck', taskId: 't1', ready: false });
    expect(await probeReadiness(target(check({ preserveLastResponse: true })), signal)).toEqual({
      name: 'readinessCheck',
      taskId: 't1',
      ready: false,
      lastResponse: { status: 503, contentType: 'text/plain', body: 'status 503' },
    });
    expect((await probeReadiness(target(check({ httpStatusCodesForReady: [200, 503] })), signal)).ready).toBe(true);
    code = 200;
    expect((await probeReadiness(target(check()), signal)).ready).toBe(true);
  });

  it('readiness-probe - no answer within the timeout, or a refused connection, is not ready with status 504', async () => {
    const slow = await endpoint(() => 200, 500);
    const timedOut = await probeReadiness(
      { taskId: 't', appId: '/a', url: slow.url, check: check({ preserveLastResponse: true, timeoutSeconds: 0.05 }) },
      new AbortController().signal,
    );
    expect(timedOut).toMatchObject({ ready: false, lastResponse: { status: 504, contentType: 'text/plain' } });
    expect(timedOut.lastResponse?.body).toMatch(/could not query .*no answer within 0.05 s/);
    const closed = await endpoint(() => 200);
    await new Promise((r) => closed.server.close(r));
    const refused = await probeReadiness(
      { taskId: 't', appId: '/a', url: closed.url, check: check({ preserveLastResponse: true, httpStatusCodesForReady: [504] }) },
      new AbortController().signal,
    );
    expect(refused).toMatchObject({ ready: false, lastResponse: { status: 504 } });
    expect(refused.lastResponse?.body).toMatch(/ECONNREFUSED/);
  });

  it('readiness-checker - checks every interval until ready, then stops and reports once; results per app', async () => {
    let code = 503;
    const ep = await endpoint(() => code);
    const ready: ReadinessCheckResult[] = [];
    const checker = new ReadinessChecker((r) => ready.push(r), log);
    const target: ReadinessTarget = { taskId: 't1', appId: '/a', url: ep.url, check: check() };
    checker.sync(new Map([['t1', target]]));
    await until(() => ep.hits() >= 3, 'three checks');
    expect(checker.isReady('t1')).toBe(false);
    expect(checker.resultsOf('/a')).toEqual([{ name: 'readinessCheck', taskId: 't1', ready: false }]);
    expect(checker.resultsOf('/b')).toEqual([]);
    code = 200;
    await until(() => checker.isReady('t1'), 'ready');
    expect(ready.map((r) => r.taskId)).toEqual(['t1']);
    expect(checker.checking).toBe(0);
    const hits = ep.hits();
    // Still wanted but ready: not checked again.
    checker.sync(new Map([['t1', target]]));
    await new Promise((r) => setTimeout(r, 150));
    expect(ep.hits()).toBe(hits);
    expect(checker.resultsOf('/a')).toEqual([{ name: 'readinessCheck', taskId: 't1', ready: true }]);
    // No longer wanted (killed, or the deployment ended): forgotten.
    checker.sync(new Map());
    expect(checker.resultsOf('/a')).toEqual([]);
    checker.stop();
  });

  it('readiness-checker - a task that leaves the set, and stop(), abort the request in flight and leave no timer', async () => {
    const ep = await endpoint(() => 503, 300);
    const checker = new ReadinessChecker(() => undefined, log);
    const t = (id: string): ReadinessTarget => ({ taskId: id, appId: '/a', url: ep.url, check: check({ timeoutSeconds: 1, intervalSeconds: 2 }) });
    checker.sync(
      new Map([
        ['t1', t('t1')],
        ['t2', t('t2')],
      ]),
    );
    await until(() => ep.hits() === 2, 'both requests in flight');
    expect(checker.checking).toBe(2);
    checker.sync(new Map([['t2', t('t2')]]));
    expect(checker.checking).toBe(1);
    checker.stop();
    expect(checker.checking).toBe(0);
    // Nothing reports after stop, and nothing is checked again.
    await new Promise((r) => setTimeout(r, 400));
    expect(checker.resultsOf('/a')).toEqual([]);
    expect(ep.hits()).toBe(2);
    checker.sync(new Map([['t3', t('t3')]]));
    expect(checker.checking).toBe(0);
  });
});
