import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { componentLogger, type HealthCheck } from '@tandem/protocol';
import { afterEach, describe, expect, it } from 'vitest';
import { HealthChecker } from './health-checker.js';
import { hostExec } from './probe.js';

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
  type: 'HTTP', delaySeconds: 0, intervalSeconds: 0.05, timeoutSeconds: 1, consecutiveFailures: 2, gracePeriodSeconds: 0,
  command: null, portIndex: 0, path: '/', ...over,
});

function run(c: HealthCheck, ports: number[]) {
  const health: boolean[] = [];
  let failed: string | undefined;
  const checker = new HealthChecker({
    check: c, target: { ports, exec: hostExec('/tmp', {}) }, logger: log,
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
    const cmdOk = run(check({ type: 'COMMAND', command: { shell: true, value: 'exit 0', arguments: [], environment: [], user: '' } }), []);
    await until(() => cmdOk.health.length > 0);
    expect(cmdOk.health[0]).toBe(true);
    cmdOk.checker.stop();
    const cmdBad = run(check({ type: 'COMMAND', command: { shell: true, value: 'exit 4', arguments: [], environment: [], user: '' } }), []);
    await until(() => cmdBad.failed() !== undefined);
    expect(cmdBad.failed()).toMatch(/status 4/);
  });

  it('health - a missing port index is a failure with a clear message', async () => {
    const r = run(check({ portIndex: 3 }), [31000]);
    await until(() => r.failed() !== undefined);
    expect(r.failed()).toMatch(/no port at index 3/);
  });
});
