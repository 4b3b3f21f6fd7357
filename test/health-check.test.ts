import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { type TaskInfoInit, taskInfo } from '@tandem/framework-sdk';
import type { HealthCheck } from '@tandem/protocol';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { cleanup, dockerAvailable, recorder, startAgent, startDriver, startMaster, TEST_IMAGE, tempDir, waitFor } from './support/cluster.js';

// Health checks run by the agent next to the task (as the Mesos executor does), on a
// real master and agent: health changes arrive as TASK_RUNNING updates with `healthy`,
// and a task that keeps failing its check is killed.

afterEach(cleanup);
let docker = false;
beforeAll(async () => {
  docker = await dockerAvailable();
});

const check = (over: Partial<HealthCheck>): HealthCheck => ({
  type: 'HTTP',
  delaySeconds: 0,
  intervalSeconds: 0.2,
  timeoutSeconds: 1,
  consecutiveFailures: 2,
  gracePeriodSeconds: 0,
  command: null,
  portIndex: 0,
  path: '/',
  reportOnly: false,
  ...over,
});

async function launch(task: (offer: Parameters<typeof taskInfo>[1]) => TaskInfoInit, containerizers: ('docker' | 'process')[] = ['process'], workDir?: string) {
  const master = await startMaster();
  await startAgent(master, { containerizers, ...(workDir ? { workDir } : {}) });
  const driver = await startDriver(master);
  const rec = recorder(driver);
  const offer = await waitFor(() => rec.offers[0], 'an offer');
  await driver.launch(offer, [task(offer)]);
  return rec;
}

describe('health checks', () => {
  it("health - an HTTP check against the task's port reports the task healthy", async () => {
    const rec = await launch((offer) => ({
      ...taskInfo({ id: 'web', cpus: 0.1, mem: 32, ports: 1, command: 'echo ok > index.html && exec busybox httpd -f -p 127.0.0.1:$PORT0 -h .' }, offer),
      // The grace period covers httpd's start-up: early failures do not count.
      healthChecks: [check({ gracePeriodSeconds: 5 })],
    }));
    const healthy = await waitFor(() => rec.updates.find((u) => u.taskId === 'web' && u.hasHealthy), 'a health update');
    expect(healthy).toMatchObject({ state: 'TASK_RUNNING', healthy: true });
    expect(healthy.message).toMatch(/HTTP GET \/ on port \d+ returned 200/);
  });

  it('health - a task that keeps failing its check is killed with REASON_TASK_HEALTH_CHECK_FAILED', async () => {
    const rec = await launch((offer) => ({
      ...taskInfo({ id: 'deaf', cpus: 0.1, mem: 32, ports: 1, argv: ['sleep', '1000'] }, offer),
      healthChecks: [check({ type: 'TCP' })],
    }));
    const unhealthy = await waitFor(() => rec.updates.find((u) => u.taskId === 'deaf' && u.hasHealthy), 'an unhealthy update');
    expect(unhealthy.healthy).toBe(false);
    const killed = await waitFor(() => rec.updates.find((u) => u.taskId === 'deaf' && u.state === 'TASK_KILLED'), 'the kill', 15_000);
    expect(killed.reason).toBe('REASON_TASK_HEALTH_CHECK_FAILED');
  });

  it('health - several checks: unhealthy while one fails; a report_only check that keeps failing is reported, not killed; healthy once all pass', async () => {
    const workDir = tempDir();
    // httpd serves /a on PORT0 at once; PORT1 opens only once the test creates `go` in the sandbox.
    const rec = await launch(
      (offer) => ({
        ...taskInfo(
          {
            id: 'pair',
            cpus: 0.1,
            mem: 32,
            ports: 2,
            command:
              'echo ok > a; busybox httpd -f -p 127.0.0.1:$PORT0 -h . & while [ ! -f go ]; do sleep 0.1; done; exec busybox httpd -f -p 127.0.0.1:$PORT1 -h .',
          },
          offer,
        ),
        healthChecks: [check({ path: '/a', gracePeriodSeconds: 5 }), check({ type: 'TCP', portIndex: 1, reportOnly: true })],
      }),
      ['process'],
      workDir,
    );
    const unhealthy = await waitFor(() => rec.updates.find((u) => u.taskId === 'pair' && u.hasHealthy), 'the first health update');
    expect(unhealthy).toMatchObject({ state: 'TASK_RUNNING', healthy: false });
    expect(unhealthy.message).toMatch(/^health check 2 of 2 \(TCP\): TCP connect to port \d+ failed/);
    const reported = await waitFor(
      () => rec.updates.find((u) => u.taskId === 'pair' && u.reason === 'REASON_TASK_HEALTH_CHECK_FAILED'),
      'the report-only failure',
    );
    expect(reported).toMatchObject({ state: 'TASK_RUNNING', hasHealthy: true, healthy: false });
    expect(reported.message).toMatch(/^health check 2 of 2 \(TCP\): health check failed 2 times in a row/);
    writeFileSync(join(workDir, 'sandboxes', reported.frameworkId, 'pair', 'go'), '');
    const healthy = await waitFor(() => rec.updates.find((u) => u.taskId === 'pair' && u.hasHealthy && u.healthy), 'healthy once both checks pass', 15_000);
    expect(healthy.message).toMatch(
      /^health check 1 of 2 \(HTTP\): HTTP GET \/a on port \d+ returned 200; health check 2 of 2 \(TCP\): TCP connect to port \d+ succeeded$/,
    );
    expect(rec.states('pair')).not.toContain('TASK_KILLING');
    expect(rec.states('pair')).not.toContain('TASK_KILLED');
  });

  it('health - a COMMAND check runs inside the Docker container', async () => {
    if (!docker) return;
    const rec = await launch(
      (offer) => ({
        ...taskInfo({ id: 'boxed', cpus: 0.1, mem: 32, argv: ['sh', '-c', 'touch /tmp/ready; sleep 1000'], image: TEST_IMAGE }, offer),
        // The file exists only inside the container: a check run on the host would fail.
        healthChecks: [
          check({
            type: 'COMMAND',
            command: { shell: true, value: 'test -f /tmp/ready', arguments: [], environment: [], user: '', uris: [] },
            gracePeriodSeconds: 5,
          }),
        ],
      }),
      ['docker'],
    );
    const healthy = await waitFor(() => rec.updates.find((u) => u.taskId === 'boxed' && u.hasHealthy), 'a health update', 30_000);
    expect(healthy.healthy).toBe(true);
  });
});
