import { type TaskInfoInit, taskInfo } from '@tandem/framework-sdk';
import type { HealthCheck } from '@tandem/protocol';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { cleanup, dockerAvailable, recorder, startAgent, startDriver, startMaster, TEST_IMAGE, waitFor } from './support/cluster.js';

// Health checks run by the agent next to the task (as the Mesos executor does), on a
// real master and agent: health changes arrive as TASK_RUNNING updates with `healthy`,
// and a task that keeps failing its check is killed.

afterEach(cleanup);
let docker = false;
beforeAll(async () => {
  docker = await dockerAvailable();
});

const check = (over: Partial<HealthCheck>): HealthCheck => ({
  type: 'HTTP', delaySeconds: 0, intervalSeconds: 0.2, timeoutSeconds: 1, consecutiveFailures: 2, gracePeriodSeconds: 0,
  command: null, portIndex: 0, path: '/', ...over,
});

async function launch(task: (offer: Parameters<typeof taskInfo>[1]) => TaskInfoInit, containerizers: ('docker' | 'process')[] = ['process']) {
  const master = await startMaster();
  await startAgent(master, { containerizers });
  const driver = await startDriver(master);
  const rec = recorder(driver);
  const offer = await waitFor(() => rec.offers[0], 'an offer');
  await driver.launch(offer, [task(offer)]);
  return rec;
}

describe('health checks', () => {
  it('health - an HTTP check against the task\'s port reports the task healthy', async () => {
    const rec = await launch((offer) => ({
      ...taskInfo({ id: 'web', cpus: 0.1, mem: 32, ports: 1, command: 'echo ok > index.html && exec busybox httpd -f -p 127.0.0.1:$PORT0 -h .' }, offer),
      // The grace period covers httpd's start-up: early failures do not count.
      healthCheck: check({ gracePeriodSeconds: 5 }),
    }));
    const healthy = await waitFor(() => rec.updates.find((u) => u.taskId === 'web' && u.hasHealthy), 'a health update');
    expect(healthy).toMatchObject({ state: 'TASK_RUNNING', healthy: true });
    expect(healthy.message).toMatch(/HTTP GET \/ on port \d+ returned 200/);
  });

  it('health - a task that keeps failing its check is killed with REASON_TASK_HEALTH_CHECK_FAILED', async () => {
    const rec = await launch((offer) => ({
      ...taskInfo({ id: 'deaf', cpus: 0.1, mem: 32, ports: 1, argv: ['sleep', '1000'] }, offer),
      healthCheck: check({ type: 'TCP' }),
    }));
    const unhealthy = await waitFor(() => rec.updates.find((u) => u.taskId === 'deaf' && u.hasHealthy), 'an unhealthy update');
    expect(unhealthy.healthy).toBe(false);
    const killed = await waitFor(() => rec.updates.find((u) => u.taskId === 'deaf' && u.state === 'TASK_KILLED'), 'the kill', 15_000);
    expect(killed.reason).toBe('REASON_TASK_HEALTH_CHECK_FAILED');
  });

  it('health - a COMMAND check runs inside the Docker container', async () => {
    if (!docker) return;
    const rec = await launch(
      (offer) => ({
        ...taskInfo({ id: 'boxed', cpus: 0.1, mem: 32, argv: ['sh', '-c', 'touch /tmp/ready; sleep 1000'], image: TEST_IMAGE }, offer),
        // The file exists only inside the container: a check run on the host would fail.
        healthCheck: check({ type: 'COMMAND', command: { shell: true, value: 'test -f /tmp/ready', arguments: [], environment: [], user: '' }, gracePeriodSeconds: 5 }),
      }),
      ['docker'],
    );
    const healthy = await waitFor(() => rec.updates.find((u) => u.taskId === 'boxed' && u.hasHealthy), 'a health update', 30_000);
    expect(healthy.healthy).toBe(true);
  });
});
