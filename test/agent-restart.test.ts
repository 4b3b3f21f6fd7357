import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { type TaskStatus, taskInfo } from '@tandem/framework-sdk';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { cleanup, dockerAvailable, sigkillChild, spawnAgent, startDriver, startMaster, TEST_IMAGE, tempDir, track, waitFor } from './support/cluster.js';

// A real `tandem agent` process on the real Docker Engine, killed with SIGKILL and
// started again on the same work dir.

afterEach(cleanup);
let docker = false;
beforeAll(async () => {
  docker = await dockerAvailable();
});

const docker_ = (...args: string[]): string =>
  execFileSync('docker', args, { env: { ...process.env, DOCKER_API_VERSION: process.env.DOCKER_API_VERSION ?? '1.41' } })
    .toString()
    .trim();

function containersOf(taskId: string): string[] {
  return docker_('ps', '-a', '-q', '--no-trunc', '--filter', `label=tandem.task-id=${taskId}`).split('\n').filter(Boolean);
}

describe('agent restart', () => {
  it('agent - after SIGKILL and restart it re-registers with its running container; nothing is relaunched', async () => {
    if (!docker) return;
    const master = await startMaster({ agentPingIntervalMs: 1_000 });
    const workDir = join(tempDir(), 'agent');
    const first = spawnAgent(master, workDir);
    const agentId = await waitFor(() => [...master.agents.values()].find((a) => a.phase === 'ACTIVE')?.id, 'the agent registered', 30_000);
    const driver = await startDriver(master);
    const updates: TaskStatus[] = [];
    driver.onUpdate((s) => {
      updates.push(s);
    });
    const offers = driver.offers()[Symbol.asyncIterator]();
    const offer = (await offers.next()).value![0]!;
    const taskId = `survivor-${Date.now()}`;
    await driver.launch(offer, [taskInfo({ id: taskId, cpus: 0.1, mem: 32, argv: ['sleep', '1000'], image: TEST_IMAGE }, offer)]);
    const running = await waitFor(() => updates.find((u) => u.taskId === taskId && u.state === 'TASK_RUNNING'), 'the task running', 30_000);
    const [container] = containersOf(taskId);
    expect(container).toBeTruthy();
    // The agent leaves its tasks running when it stops (as a Mesos agent does): remove the container after the test.
    track(() => {
      docker_('rm', '-f', container!);
    });

    await sigkillChild(first);
    await waitFor(() => master.agents.get(agentId)?.phase === 'DISCONNECTED', 'the master noticing the lost stream', 10_000);
    const registeredBefore = master.agents.get(agentId)!.registeredAt;
    spawnAgent(master, workDir);
    await waitFor(() => master.agents.get(agentId)?.phase === 'ACTIVE', 'the agent re-registered under the same id', 30_000);
    expect(master.agents.get(agentId)!.registeredAt).toBe(registeredBefore);

    const task = master.state().tasks?.find((t) => t.info?.taskId === taskId);
    expect(task?.state).toBe('TASK_RUNNING');
    // The same container, still running; no second one was made.
    expect(containersOf(taskId)).toEqual([container]);
    expect(docker_('inspect', '-f', '{{.State.Running}}', container!)).toBe('true');
    expect(running.containerId).toBe(container);
    expect(updates.filter((u) => u.taskId === taskId && u.state === 'TASK_STARTING').length).toBeLessThanOrEqual(2);
  });

  it('agent - every checkpointed status update reaches the framework at least once across a SIGKILL', async () => {
    if (!docker) return;
    // The agent is away ~4 s plus its restart, which a loaded machine stretches: a ping timeout
    // (30 s) it cannot reach, since this test is about updates, not unreachable agents.
    const master = await startMaster({ agentPingIntervalMs: 1_000, maxMissedPings: 30 });
    const workDir = join(tempDir(), 'agent');
    const first = spawnAgent(master, workDir);
    await waitFor(() => master.agents.size > 0, 'the agent registered', 30_000);
    // This framework does not acknowledge until told to, so updates pile up in the
    // agent's checkpoint, unacknowledged, and must be sent again after the restart.
    const driver = await startDriver(master, { autoAcknowledge: false });
    const updates: TaskStatus[] = [];
    let acking = false;
    driver.onUpdate(async (s) => {
      updates.push(s);
      if (acking && s.uuid) await driver.acknowledge(s);
    });
    const offers = driver.offers()[Symbol.asyncIterator]();
    const offer = (await offers.next()).value![0]!;
    const taskId = `short-${Date.now()}`;
    await driver.launch(offer, [taskInfo({ id: taskId, cpus: 0.1, mem: 32, argv: ['sleep', '2'], image: TEST_IMAGE }, offer)]);
    await waitFor(() => updates.some((u) => u.taskId === taskId && u.state === 'TASK_STARTING'), 'TASK_STARTING', 30_000);
    // The container runs; wait until Docker says so, then kill the agent while it does.
    const [container] = await waitFor(() => containersOf(taskId), 'the container created', 30_000).then(() =>
      waitFor(
        () => {
          const ids = containersOf(taskId);
          return ids.length > 0 && docker_('inspect', '-f', '{{.State.Running}}', ids[0]!) === 'true' ? ids : undefined;
        },
        'the container running',
        30_000,
      ),
    );
    expect(container).toBeTruthy();
    // Give the agent a moment to checkpoint TASK_RUNNING, then kill it mid-run.
    await new Promise((r) => setTimeout(r, 500));
    await sigkillChild(first);
    // The task finishes while the agent is dead.
    await new Promise((r) => setTimeout(r, 3_000));
    acking = true;
    for (const u of updates.filter((x) => x.uuid)) await driver.acknowledge(u);
    spawnAgent(master, workDir);
    await waitFor(() => updates.some((u) => u.taskId === taskId && u.state === 'TASK_FINISHED'), 'TASK_FINISHED after the restart', 30_000);
    const states = new Set(updates.filter((u) => u.taskId === taskId).map((u) => u.state));
    expect(states).toEqual(new Set(['TASK_STARTING', 'TASK_RUNNING', 'TASK_FINISHED']));
  });
});
