import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { componentLogger, type HealthCheck } from '@tandem/protocol';
import { afterEach, describe, expect, it } from 'vitest';
import { HealthChecker } from './health-checker.js';
import { hostExec } from './probe.js';
import { TaskHealth } from './task-health.js';

const log = componentLogger('health-test');
const servers: Server[] = [];
afterEach(() => {
  for (const s of servers.splice(0)) s.close();
});

async function server(status: () => number): Promise<number> {
  const s = createServer((_req, res) => {
    res.writeHead(status());
    res.end();
  });
  servers.push(s);
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  return (s.address() as AddressInfo).port;
}

const check = (over: Partial<HealthCheck>): HealthCheck => ({
  type: 'HTTP',
  delaySeconds: 0,
  intervalSeconds: 0.05,
  timeoutSeconds: 1,
  consecutiveFailures: 2,
  gracePeriodSeconds: 0,
  command: null,
  portIndex: 0,
  path: '/',
  reportOnly: false,
  ...over,
});

function run(c: HealthCheck, ports: number[]) {
  const health: boolean[] = [];
  let failed: string | undefined;
  const checker = new HealthChecker({
    check: c,
    target: { ports, exec: hostExec('/tmp', {}) },
    logger: log,
    onHealth: (h) => health.push(h),
    onFailed: (m) => {
      failed = m;
    },
  });
  checker.start();
  return { checker, health, failed: () => failed };
}

const until = async (fn: () => boolean, ms = 3000): Promise<void> => {
  const end = Date.now() + ms;
  while (!fn()) {
    if (Date.now() > end) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 10));
  }
};

describe('HealthChecker', () => {
  it('health - reports healthy, then unhealthy, then fails after consecutive failures', async () => {
    let code = 200;
    const port = await server(() => code);
    const r = run(check({}), [port]);
    await until(() => r.health.length === 1);
    expect(r.health).toEqual([true]);
    code = 500;
    await until(() => r.failed() !== undefined);
    expect(r.health).toEqual([true, false]);
    expect(r.failed()).toMatch(/2 times in a row: HTTP GET \/ on port \d+ returned 500/);
    r.checker.stop();
  });

  it('health - failures inside the grace period do not count', async () => {
    const port = await server(() => 503);
    const r = run(check({ gracePeriodSeconds: 0.4 }), [port]);
    await new Promise((res) => setTimeout(res, 300));
    expect(r.health).toEqual([]);
    expect(r.failed()).toBeUndefined();
    await until(() => r.failed() !== undefined);
    r.checker.stop();
  });

  it('health - TCP checks connect to the task port, COMMAND checks use the exit status', async () => {
    const port = await server(() => 200);
    const tcp = run(check({ type: 'TCP' }), [port]);
    await until(() => tcp.health.length > 0);
    expect(tcp.health[0]).toBe(true);
    tcp.checker.stop();
    const closed = run(check({ type: 'TCP' }), [1]);
    await until(() => closed.failed() !== undefined);
    expect(closed.failed()).toMatch(/TCP connect to port 1 failed/);
    const cmdOk = run(check({ type: 'COMMAND', command: { shell: true, value: 'exit 0', arguments: [], environment: [], user: '', uris: [] } }), []);
    await until(() => cmdOk.health.length > 0);
    expect(cmdOk.health[0]).toBe(true);
    cmdOk.checker.stop();
    const cmdBad = run(check({ type: 'COMMAND', command: { shell: true, value: 'exit 4', arguments: [], environment: [], user: '', uris: [] } }), []);
    await until(() => cmdBad.failed() !== undefined);
    expect(cmdBad.failed()).toMatch(/status 4/);
  });

  it('health - a missing port index is a failure with a clear message', async () => {
    const r = run(check({ portIndex: 3 }), [31000]);
    await until(() => r.failed() !== undefined);
    expect(r.failed()).toMatch(/no port at index 3/);
  });

  it('health - a report_only check reports each run of failures once, keeps probing and sees the recovery', async () => {
    let code = 500;
    const port = await server(() => code);
    const failures: string[] = [];
    const health: boolean[] = [];
    const checker = new HealthChecker({
      check: check({ reportOnly: true }),
      target: { ports: [port], exec: hostExec('/tmp', {}) },
      logger: log,
      onHealth: (h) => health.push(h),
      onFailed: (m) => failures.push(m),
    });
    checker.start();
    await until(() => failures.length === 1);
    code = 200;
    await until(() => health.length === 2);
    expect(health).toEqual([false, true]);
    expect(failures).toHaveLength(1);
    code = 503;
    await until(() => failures.length === 2);
    expect(failures[1]).toMatch(/2 times in a row: HTTP GET \/ on port \d+ returned 503/);
    checker.stop();
  });
});

describe('TaskHealth', () => {
  function runAll(checks: HealthCheck[], ports: number[]) {
    const health: { healthy: boolean; message: string }[] = [];
    const failed: { kill: boolean; message: string }[] = [];
    const th = new TaskHealth({
      checks,
      target: { ports, exec: hostExec('/tmp', {}) },
      logger: log,
      onHealth: (healthy, message) => health.push({ healthy, message }),
      onFailed: (kill, message) => failed.push({ kill, message }),
    });
    th.start();
    return { th, health, failed };
  }

  it('health - several checks: healthy only while all pass, unhealthy when one fails, the failing one named', async () => {
    let a = 200;
    const port = await server(() => a);
    const r = runAll([check({ path: '/a' }), check({ type: 'TCP', reportOnly: true })], [port]);
    await until(() => r.health.length === 1);
    expect(r.health[0]).toMatchObject({ healthy: true });
    expect(r.health[0]?.message).toMatch(/^health check 1 of 2 \(HTTP\): HTTP GET \/a .* returned 200; health check 2 of 2 \(TCP\): TCP connect/);
    a = 404;
    await until(() => r.failed.length === 1);
    expect(r.health.map((h) => h.healthy)).toEqual([true, false]);
    expect(r.health[1]?.message).toMatch(/^health check 1 of 2 \(HTTP\): HTTP GET \/a on port \d+ returned 404/);
    // The HTTP check is not report_only: its failure asks for the kill.
    expect(r.failed[0]).toMatchObject({ kill: true });
    r.th.stop();
  });

  it('health - a report_only check that fails makes the task unhealthy and asks for no kill; the task is healthy again once it passes', async () => {
    const a = await server(() => 200);
    let bCode = 500;
    const b = await server(() => bCode);
    const r = runAll([check({}), check({ path: '/b', portIndex: 1, reportOnly: true })], [a, b]);
    await until(() => r.failed.length === 1);
    expect(r.failed[0]).toMatchObject({ kill: false });
    expect(r.failed[0]?.message).toMatch(/^health check 2 of 2 \(HTTP\): health check failed 2 times in a row: HTTP GET \/b on port \d+ returned 500/);
    expect(r.health.map((h) => h.healthy)).toEqual([false]);
    bCode = 200;
    await until(() => r.health.length === 2);
    expect(r.health.map((h) => h.healthy)).toEqual([false, true]);
    expect(r.failed).toHaveLength(1);
    r.th.stop();
  });
});
