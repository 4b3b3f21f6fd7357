import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Agent, DockerContainerizer, dockerPolicyOf } from '@tandem/agent';
import type { Master } from '@tandem/master';
import Docker from 'dockerode';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { api, privatePorts, startApps } from './support/apps.js';
import { cleanup, dockerAvailable, startMaster, TEST_IMAGE, tempDir, track, waitFor } from './support/cluster.js';

// Marathon's host volumes and docker parameters through the apps framework, a real
// master, a real agent and the test env's Docker Engine. The apps framework does not
// decide what an app may ask of a host: the agent's Docker policy does, and its refusal
// shows on the app as lastTaskFailure (TASK_ERROR naming the field and the flag). A
// parameter Tandem cannot carry is a 422 naming it.

afterEach(cleanup);
let docker = false;
beforeAll(async () => {
  docker = await dockerAvailable();
});

async function dockerAgent(master: Master, allow: string | undefined): Promise<void> {
  const agent = new Agent({
    master: master.address,
    workDir: join(tempDir(), 'agent'),
    hostname: 'it-host',
    resources: `cpus:4;mem:4096;disk:4096;ports:${privatePorts()}`,
    containerizers: [new DockerContainerizer({ policy: dockerPolicyOf(allow, undefined) })],
    statusRetryMs: { initial: 200, max: 1000 },
    reconnectBackoff: { initialMs: 100, maxMs: 500 },
  });
  await agent.start();
  track(() => agent.stop({ killTasks: true }));
}

const app = (id: string, host: string, parameters: { key: string; value: string }[] = []) => ({
  id,
  cmd: 'cat /in/greeting > /in/seen && grep CapEff /proc/self/status >> /in/seen && exec sleep 600',
  cpus: 0.1,
  mem: 32,
  instances: 1,
  container: { type: 'DOCKER', docker: { image: TEST_IMAGE, parameters }, volumes: [{ containerPath: '/in', hostPath: host, mode: 'RW' }] },
});

describe('apps docker host access', () => {
  it('apps docker - an app with a host volume on an agent without the flag: lastTaskFailure is TASK_ERROR naming the volume and --docker-allow host-mounts', async () => {
    if (!docker) return;
    const host = tempDir('tandem-apps-mount-');
    const master = await startMaster();
    await dockerAgent(master, undefined);
    const fw = await startApps(master);
    expect((await api(fw.url, 'POST', '/v2/apps', app('/mounts', host))).status).toBe(201);
    const failure = await waitFor(
      async () => (await api(fw.url, 'GET', '/v2/apps/mounts?embed=app.lastTaskFailure')).body.app?.lastTaskFailure,
      'the app to show its task failure',
      30_000,
      200,
    );
    expect(failure).toMatchObject({ appId: '/mounts', state: 'TASK_ERROR' });
    expect(failure.message).toBe(
      `container.docker.volumes[0]: a bind mount of host path ${host} is not allowed on this agent (its operator can allow it with --docker-allow host-mounts:${host})`,
    );
    expect(existsSync(join(host, 'seen'))).toBe(false);

    // A Docker named volume (Marathon's external volume, dvdi provider, local driver): refused the same way.
    const named = {
      ...app('/named', host),
      container: {
        type: 'DOCKER',
        docker: { image: TEST_IMAGE },
        volumes: [{ containerPath: '/cache', external: { name: 'tandem-it-refused', provider: 'dvdi', options: { 'dvdi/driver': 'local' } }, mode: 'RW' }],
      },
    };
    expect((await api(fw.url, 'POST', '/v2/apps', named)).status).toBe(201);
    const namedFailure = await waitFor(
      async () => (await api(fw.url, 'GET', '/v2/apps/named?embed=app.lastTaskFailure')).body.app?.lastTaskFailure,
      'the named-volume app to show its task failure',
      30_000,
      200,
    );
    expect(namedFailure).toMatchObject({ appId: '/named', state: 'TASK_ERROR' });
    expect(namedFailure.message).toBe(
      'container.docker.volumes[0]: the Docker named volume tandem-it-refused is not allowed on this agent (its operator can allow it with --docker-allow named-volumes)',
    );
  });

  it('apps docker - with --docker-allow host-mounts and cap:NET_ADMIN the app reads the host file and has NET_ADMIN (parameters cap-add); an unsupported parameter is a 422 naming it', async () => {
    if (!docker) return;
    const host = tempDir('tandem-apps-mount-');
    writeFileSync(join(host, 'greeting'), 'hello from the host\n');
    // Removed last, once the agent has killed the containers using it.
    const volume = `tandem-it-${randomBytes(4).toString('hex')}`;
    track(() => new Docker().getVolume(volume).remove({ force: true }));
    const master = await startMaster();
    await dockerAgent(master, `host-mounts:${host},cap:NET_ADMIN,named-volumes`);
    const fw = await startApps(master);

    const refused = await api(fw.url, 'POST', '/v2/apps', app('/bad', host, [{ key: 'security-opt', value: 'seccomp=unconfined' }]));
    expect(refused.status).toBe(422);
    expect(refused.body.details).toEqual([
      {
        path: '/container/docker/parameters/0/key',
        errors: [
          'docker parameter "security-opt" is not supported (supported: cap-add, pid, ipc, device, runtime, volume, v, label, l, env, e, user, u, workdir, w, hostname, h, memory-swappiness, shm-size, ulimit, init, read-only)',
        ],
      },
    ]);
    expect((await api(fw.url, 'GET', '/v2/apps/bad')).status).toBe(404);

    expect((await api(fw.url, 'POST', '/v2/apps', app('/mounts', host, [{ key: 'cap-add', value: 'NET_ADMIN' }]))).status).toBe(201);
    const seen = await waitFor(
      () =>
        existsSync(join(host, 'seen')) && readFileSync(join(host, 'seen'), 'utf8').includes('CapEff') ? readFileSync(join(host, 'seen'), 'utf8') : undefined,
      'the app to write what it saw',
      30_000,
      200,
    );
    expect(seen.split('\n')[0]).toBe('hello from the host');
    const capEff = BigInt(`0x${/CapEff:\s*([0-9a-f]+)/.exec(seen)?.[1] ?? 'x'}`);
    expect(capEff & (1n << 12n)).toBe(1n << 12n);

    // A Docker named volume outlives its task: one app writes into it (external, dvdi, local driver), a
    // second reads it (a docker parameter volume=NAME:PATH) and leaves what it read in the host directory.
    const writer = {
      id: '/writer',
      cmd: 'echo kept in a named volume > /cache/note && exec sleep 600',
      cpus: 0.1,
      mem: 32,
      container: {
        type: 'DOCKER',
        docker: { image: TEST_IMAGE },
        volumes: [{ containerPath: '/cache', external: { name: volume, provider: 'dvdi', options: { 'dvdi/driver': 'local' } }, mode: 'RW' }],
      },
    };
    expect((await api(fw.url, 'POST', '/v2/apps', writer)).status).toBe(201);
    await waitFor(async () => (await api(fw.url, 'GET', '/v2/apps/writer')).body.app?.tasksRunning === 1, 'the writer to run', 30_000, 200);
    const reader = {
      id: '/reader',
      cmd: 'until [ -s /from/note ]; do sleep 0.2; done; cp /from/note /in/named-seen && exec sleep 600',
      cpus: 0.1,
      mem: 32,
      container: {
        type: 'DOCKER',
        docker: { image: TEST_IMAGE, parameters: [{ key: 'volume', value: `${volume}:/from:ro` }] },
        volumes: [{ containerPath: '/in', hostPath: host, mode: 'RW' }],
      },
    };
    expect((await api(fw.url, 'POST', '/v2/apps', reader)).status).toBe(201);
    const note = await waitFor(
      () => (existsSync(join(host, 'named-seen')) ? readFileSync(join(host, 'named-seen'), 'utf8') : undefined),
      'the reader to copy the note',
      30_000,
      200,
    );
    expect(note).toBe('kept in a named volume\n');
    expect((await new Docker().getVolume(volume).inspect()).Driver).toBe('local');
  });
});
