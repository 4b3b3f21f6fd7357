import { join } from 'node:path';
import { Agent, DockerContainerizer } from '@tandem/agent';
import type { Master } from '@tandem/master';
import Docker from 'dockerode';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { api, privatePorts, startApps } from './support/apps.js';
import { cleanup, dockerAvailable, startMaster, TEST_IMAGE, tempDir, track, waitFor } from './support/cluster.js';

// Marathon's bridge networking and the harmless docker parameters through the apps
// framework, a real master, a real agent and the test env's Docker Engine. The test
// engine runs with --bridge=none --iptables=false, so it has no default "bridge"
// network: each test makes a user-defined bridge network (the engine allows it without
// iptables) and gives it to the agent (DockerContainerizer bridgeNetwork, as `tandem
// agent --docker-bridge-network`). The host port is published by Docker's userland proxy.

afterEach(cleanup);
let docker = false;
beforeAll(async () => {
  docker = await dockerAvailable();
});

const engine = new Docker();

async function bridgeAgent(master: Master): Promise<{ network: string; ports: string }> {
  const network = `tandem-it-bridge-${process.pid}-${Math.random().toString(16).slice(2, 8)}`;
  const created = await engine.createNetwork({ Name: network, Driver: 'bridge', CheckDuplicate: true });
  // After the agent stopped (registered later, run first): its containers are gone.
  track(() => created.remove().catch(() => undefined));
  const ports = privatePorts(10);
  const agent = new Agent({
    master: master.address,
    workDir: join(tempDir(), 'agent'),
    hostname: 'it-host',
    resources: `cpus:4;mem:4096;disk:4096;ports:${ports}`,
    containerizers: [new DockerContainerizer({ bridgeNetwork: network })],
    statusRetryMs: { initial: 200, max: 1000 },
    reconnectBackoff: { initialMs: 100, maxMs: 500 },
  });
  await agent.start();
  track(() => agent.stop({ killTasks: true }));
  return { network, ports };
}

/** The one running task of an app, once it is running. */
async function runningTask(url: string, id: string): Promise<{ id: string; ports: number[]; host: string }> {
  return waitFor(
    async () => {
      const tasks = (await api(url, 'GET', `/v2/apps/${id}/tasks`)).body.tasks ?? [];
      return tasks.find((t: { state?: string; startedAt?: string | null }) => t.state === 'TASK_RUNNING' || t.startedAt);
    },
    `a running task of ${id}`,
    40_000,
    200,
  );
}

/** The container of a task, by the agent's label. */
async function containerOf(taskId: string): Promise<Docker.ContainerInspectInfo> {
  const [info] = await engine.listContainers({ all: true, filters: { label: [`tandem.task-id=${taskId}`] } });
  if (!info) throw new Error(`no container for task ${taskId}`);
  return engine.getContainer(info.Id).inspect();
}

describe('apps docker bridge networking and parameters', () => {
  it('apps bridge - a container/bridge app with portMappings [{containerPort: 8080, hostPort: 0}] serves on the host port it was given; docker parameters label, hostname, workdir and env reach the container', async () => {
    if (!docker) return;
    const master = await startMaster();
    const { network, ports } = await bridgeAgent(master);
    const fw = await startApps(master);
    const [low, high] = (ports.match(/\d+/g) ?? []).map(Number) as [number, number];
    const app = {
      id: '/web',
      cmd: 'mkdir -p www && echo "hello $GREETING from $(hostname)" > www/index.html && exec httpd -f -p 8080 -h www',
      cpus: 0.1,
      mem: 32,
      networks: [{ mode: 'container/bridge' }],
      container: {
        type: 'DOCKER',
        docker: {
          image: TEST_IMAGE,
          parameters: [
            { key: 'label', value: 'team=web' },
            { key: 'hostname', value: 'webhost' },
            { key: 'workdir', value: '/tmp' },
            { key: 'env', value: 'GREETING=bridged' },
          ],
        },
        portMappings: [{ containerPort: 8080, hostPort: 0, servicePort: 0, protocol: 'tcp', name: 'http' }],
      },
    };
    const created = await api(fw.url, 'POST', '/v2/apps', app);
    expect(created.status).toBe(201);
    const task = await runningTask(fw.url, 'web');
    const hostPort = task.ports[0] ?? 0;
    expect(hostPort).toBeGreaterThanOrEqual(low);
    expect(hostPort).toBeLessThanOrEqual(high);
    const body = await waitFor(
      async () => {
        try {
          const res = await fetch(`http://127.0.0.1:${hostPort}/`);
          return res.ok ? await res.text() : undefined;
        } catch {
          return undefined;
        }
      },
      'the app to answer on its host port',
      30_000,
      200,
    );
    expect(body.trim()).toBe('hello bridged from webhost');

    const inspected = await containerOf(task.id);
    expect(inspected.HostConfig.NetworkMode).toBe(network);
    expect(inspected.HostConfig.PortBindings).toEqual({ '8080/tcp': [{ HostIp: '', HostPort: String(hostPort) }] });
    expect(inspected.Config.Labels).toMatchObject({ team: 'web', 'tandem.task-id': task.id });
    expect(inspected.Config.Hostname).toBe('webhost');
    expect(inspected.Config.WorkingDir).toBe('/tmp');
    expect(inspected.Config.Env).toContain('GREETING=bridged');
    // The app shows the mapping as given, and its port as Marathon does.
    const shown = (await api(fw.url, 'GET', '/v2/apps/web')).body.app;
    expect(shown.container.portMappings).toMatchObject([{ containerPort: 8080, hostPort: 0, protocol: 'tcp', name: 'http' }]);
    // Its service port was assigned, shown in the mapping and as the app's port; the app PUT back as shown is accepted as is.
    const servicePort = shown.container.portMappings[0].servicePort;
    expect(servicePort).toBeGreaterThan(0);
    expect(shown.portDefinitions.map((p: { port: number }) => p.port)).toEqual([servicePort]);
    const putBack = await api(fw.url, 'PUT', '/v2/apps/web', shown);
    expect(putBack.status).toBeLessThan(300);
    expect((await api(fw.url, 'GET', '/v2/apps/web')).body.app.container.portMappings[0].servicePort).toBe(servicePort);
  });

  it('apps bridge - legacy docker.network BRIDGE with a fixed hostPort takes that port; shm-size, ulimit, memory-swappiness and read-only reach the HostConfig; an unknown parameter and port mappings on host networking are 422 naming them', async () => {
    if (!docker) return;
    const master = await startMaster();
    const { network, ports } = await bridgeAgent(master);
    const fw = await startApps(master);
    const fixed = Number(ports.match(/\d+/g)?.[1] ?? 0);
    const app = {
      id: '/legacy',
      cmd: 'exec sleep 600',
      cpus: 0.1,
      mem: 32,
      container: {
        type: 'DOCKER',
        docker: {
          image: TEST_IMAGE,
          network: 'BRIDGE',
          portMappings: [{ containerPort: 9000, hostPort: fixed, protocol: 'udp,tcp' }],
          parameters: [
            { key: 'shm-size', value: '16m' },
            { key: 'ulimit', value: 'nofile=512:1024' },
            { key: 'memory-swappiness', value: '0' },
            { key: 'read-only', value: 'true' },
          ],
        },
      },
    };
    const refused = await api(fw.url, 'POST', '/v2/apps', {
      ...app,
      id: '/bad',
      container: { ...app.container, docker: { ...app.container.docker, network: 'HOST', parameters: [{ key: 'security-opt', value: 'seccomp=unconfined' }] } },
    });
    expect(refused.status).toBe(422);
    expect(refused.body.details.map((d: { path: string }) => d.path).sort()).toEqual(['/container/docker/parameters/0/key', '/container/docker/portMappings']);
    expect((await api(fw.url, 'GET', '/v2/apps/bad')).status).toBe(404);

    expect((await api(fw.url, 'POST', '/v2/apps', app)).status).toBe(201);
    const task = await runningTask(fw.url, 'legacy');
    expect(task.ports).toEqual([fixed]);
    const inspected = await containerOf(task.id);
    expect(inspected.HostConfig.NetworkMode).toBe(network);
    expect(inspected.HostConfig.PortBindings).toEqual({
      '9000/udp': [{ HostIp: '', HostPort: String(fixed) }],
      '9000/tcp': [{ HostIp: '', HostPort: String(fixed) }],
    });
    expect(inspected.HostConfig.ShmSize).toBe(16 * 1024 * 1024);
    expect(inspected.HostConfig.Ulimits).toEqual([{ Name: 'nofile', Soft: 512, Hard: 1024 }]);
    expect(inspected.HostConfig.MemorySwappiness).toBe(0);
    expect(inspected.HostConfig.ReadonlyRootfs).toBe(true);
  });
});
