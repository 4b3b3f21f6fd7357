import { Agent, DockerContainerizer, dockerPolicyOf } from '@tandem/agent';
import { type Offer, taskInfo } from '@tandem/framework-sdk';
import type { TaskInfoInit } from '@tandem/protocol';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { cleanup, dockerAvailable, recorder, startDriver, startMaster, TEST_IMAGE, tempDir, track, waitFor } from './support/cluster.js';

// The agent's Docker policy on the real Docker Engine of the test env, through a real
// master and agent: a task asking for what the agent does not allow is TASK_ERROR naming
// the field and the flag that would allow it; with the flag the agent lets it through.
// Privileged and the image list are here; host mounts, the Docker socket, capabilities
// and host PID are in docker-host-access.test.ts. The test env's dockerd runs without a
// capability a privileged container needs (CAP_SYS_RESOURCE; "unable to apply caps"):
// so for privileged the "with the flag it runs" half is shown as passing the policy and
// reaching the engine (which may run it or refuse it, but never with TASK_ERROR).

afterEach(cleanup);
let docker = false;
beforeAll(async () => {
  docker = await dockerAvailable();
});

async function cluster(allow: string | undefined, images: string | undefined) {
  const master = await startMaster();
  const agent = new Agent({
    master: master.address,
    workDir: `${tempDir()}/agent`,
    hostname: 'it-host',
    resources: 'cpus:4;mem:4096;disk:4096;ports:[31000-31100]',
    containerizers: [new DockerContainerizer({ policy: dockerPolicyOf(allow, images) })],
    statusRetryMs: { initial: 200, max: 1000 },
    reconnectBackoff: { initialMs: 100, maxMs: 500 },
  });
  await agent.start();
  track(() => agent.stop({ killTasks: true }));
  const driver = await startDriver(master);
  const rec = recorder(driver);
  const launch = async (id: string, o: { privileged?: boolean; image?: string } = {}) => {
    const offer: Offer = await waitFor(() => rec.offers.shift(), 'an offer');
    const info: TaskInfoInit = taskInfo({ id, cpus: 0.1, mem: 32, argv: ['echo', 'ran'], image: o.image ?? TEST_IMAGE }, offer);
    const withPrivileged: TaskInfoInit = o.privileged
      ? { ...info, container: { ...info.container, docker: { ...info.container?.docker, privileged: true } } }
      : info;
    await driver.launch(offer, [withPrivileged]);
  };
  const terminal = (id: string) =>
    waitFor(() => rec.updates.find((u) => u.taskId === id && ['TASK_ERROR', 'TASK_FAILED', 'TASK_FINISHED'].includes(u.state)), `${id} to end`, 15_000);
  return { launch, terminal };
}

describe('docker policy', () => {
  it('docker policy - a privileged task is TASK_ERROR naming the field and the flag; with --docker-allow privileged it passes the policy', async () => {
    if (!docker) return;
    const denied = await cluster(undefined, undefined);
    await denied.launch('priv', { privileged: true });
    const refused = await denied.terminal('priv');
    expect(refused).toMatchObject({ state: 'TASK_ERROR', reason: 'REASON_TASK_UNAUTHORIZED' });
    expect(refused.message).toMatch(/^container\.docker\.privileged: .*--docker-allow privileged\)$/);
    await cleanup();

    const allowed = await cluster('privileged', undefined);
    await allowed.launch('priv', { privileged: true });
    const ended = await allowed.terminal('priv');
    expect(ended.state).not.toBe('TASK_ERROR');
    expect(ended.reason).not.toBe('REASON_TASK_UNAUTHORIZED');
    if (ended.state === 'TASK_FAILED') expect(ended.message).not.toMatch(/docker-allow/);
  });

  it('docker policy - an image outside --docker-images is TASK_ERROR naming the image and the flag; one inside it runs', async () => {
    if (!docker) return;
    const { launch, terminal } = await cluster(undefined, `registry.example/*,${TEST_IMAGE}`);
    await launch('outside', { image: 'busybox:1.36' });
    const refused = await terminal('outside');
    expect(refused).toMatchObject({ state: 'TASK_ERROR', reason: 'REASON_TASK_UNAUTHORIZED' });
    expect(refused.message).toBe(
      `container.docker.image: image busybox:1.36 is not in this agent's image allow-list (--docker-images registry.example/*,${TEST_IMAGE})`,
    );
    await launch('inside', { image: TEST_IMAGE });
    expect(await terminal('inside')).toMatchObject({ state: 'TASK_FINISHED' });
  });
});
