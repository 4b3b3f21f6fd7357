import { readdirSync, readFileSync, readlinkSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { Agent, DockerContainerizer, dockerPolicyOf } from '@tandem/agent';
import { main } from '@tandem/cli';
import { type DockerHostAccess, type Offer, taskInfo } from '@tandem/framework-sdk';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { cleanup, dockerAvailable, recorder, startDriver, startMaster, TEST_IMAGE, tempDir, track, waitFor } from './support/cluster.js';

// Issue #11's done-means line for the Docker policy, on the test env's real Docker Engine
// through a real master and agent: a Docker task asking for a host mount, the Docker
// socket, an extra capability or the host's PID namespace is TASK_ERROR naming the field
// and the flag that would allow it; with the flag it runs, and the task itself shows it
// got what it asked for (a file read from the mounted host directory, the capability in
// CapEff, the host's PID 1). Privileged containers are in docker-policy.test.ts (the test
// dockerd cannot run them).

afterEach(cleanup);
let docker = false;
beforeAll(async () => {
  docker = await dockerAvailable();
});

/** A master and an agent whose Docker containerizer has `--docker-allow allow`. */
async function masterAndAgent(allow: string | undefined) {
  const master = await startMaster();
  const workDir = `${tempDir()}/agent`;
  const agent = new Agent({
    master: master.address,
    workDir,
    hostname: 'it-host',
    resources: 'cpus:4;mem:4096;disk:4096;ports:[31000-31100]',
    containerizers: [new DockerContainerizer({ policy: dockerPolicyOf(allow, undefined) })],
    statusRetryMs: { initial: 200, max: 1000 },
    reconnectBackoff: { initialMs: 100, maxMs: 500 },
  });
  await agent.start();
  track(() => agent.stop({ killTasks: true }));
  return { master, workDir };
}

async function cluster(allow: string | undefined) {
  const { master, workDir } = await masterAndAgent(allow);
  const driver = await startDriver(master);
  const rec = recorder(driver);
  const run = async (id: string, command: string, access: DockerHostAccess) => {
    const offer: Offer = await waitFor(() => rec.offers.shift(), 'an offer');
    await driver.launch(offer, [taskInfo({ id, cpus: 0.1, mem: 32, command, image: TEST_IMAGE, docker: access }, offer)]);
    return waitFor(() => rec.updates.find((u) => u.taskId === id && ['TASK_ERROR', 'TASK_FAILED', 'TASK_FINISHED'].includes(u.state)), `${id} to end`, 30_000);
  };
  /** What the task wrote to its stdout (its sandbox under the agent's work dir). */
  const stdout = (id: string): string => {
    const sandboxes = join(workDir, 'sandboxes');
    const framework = readdirSync(sandboxes).find((f) => readdirSync(join(sandboxes, f)).includes(id));
    return readFileSync(join(sandboxes, framework ?? '', id, 'stdout'), 'utf8');
  };
  return { run, stdout };
}

const denied = (field: string, flag: string) => ({
  state: 'TASK_ERROR',
  reason: 'REASON_TASK_UNAUTHORIZED',
  message: expect.stringMatching(
    new RegExp(`^${field.replace(/[[\].]/g, '\\$&')}: .* is not allowed on this agent \\(its operator can allow it with ${flag}\\)$`),
  ),
});

describe('docker host access', () => {
  it('docker host access - by default a host mount, an added capability, the host PID and IPC namespaces and a device are each TASK_ERROR naming the field and the flag', async () => {
    if (!docker) return;
    const none = await cluster(undefined);
    const volumes = [{ containerPath: '/in', hostPath: '/srv/data', mode: 'RO' as const }];
    expect(await none.run('mount', 'true', { volumes })).toMatchObject(denied('container.docker.volumes[0]', '--docker-allow host-mounts:/srv/data'));
    expect(await none.run('cap', 'true', { capAdd: ['NET_ADMIN'] })).toMatchObject(denied('container.docker.cap_add[0]', '--docker-allow cap:NET_ADMIN'));
    expect(await none.run('pid', 'true', { pidMode: 'HOST' })).toMatchObject(denied('container.docker.pid_mode', '--docker-allow host-pid'));
    expect(await none.run('ipc', 'true', { ipcMode: 'HOST' })).toMatchObject(denied('container.docker.ipc_mode', '--docker-allow host-ipc'));
    const device = [{ hostPath: '/dev/null', containerPath: '', permissions: '' }];
    expect(await none.run('device', 'true', { devices: device })).toMatchObject(denied('container.docker.devices[0]', '--docker-allow devices'));
  });

  it('docker host access - with the flags they run: the task reads a file from the mounted host dir (RO stays read-only, RW writes land), has NET_ADMIN in CapEff, sees the host PID 1 and IPC namespace and the device', async () => {
    if (!docker) return;
    const host = tempDir('tandem-mount-');
    writeFileSync(join(host, 'greeting'), 'hello from the host\n');
    const volumes = [{ containerPath: '/in', hostPath: host, mode: 'RO' as const }];
    const read = 'cat /in/greeting; echo x > /in/written || echo read-only';
    const allowed = await cluster(`host-mounts:${dirname(host)},cap:NET_ADMIN,host-pid,host-ipc,devices`);

    expect(await allowed.run('mount', read, { volumes })).toMatchObject({ state: 'TASK_FINISHED' });
    expect(allowed.stdout('mount')).toBe('hello from the host\nread-only\n');
    expect(await allowed.run('rw', 'echo from the task > /in/written', { volumes: [{ ...volumes[0]!, mode: 'RW' }] })).toMatchObject({
      state: 'TASK_FINISHED',
    });
    expect(readFileSync(join(host, 'written'), 'utf8')).toBe('from the task\n');
    // Outside the prefix: refused, naming the path to allow. A malformed volume is TASK_ERROR naming the field.
    expect(await allowed.run('outside', read, { volumes: [{ ...volumes[0]!, hostPath: '/etc' }] })).toMatchObject(
      denied('container.docker.volumes[0]', '--docker-allow host-mounts:/etc'),
    );
    expect(await allowed.run('relative', read, { volumes: [{ ...volumes[0]!, containerPath: 'in' }] })).toMatchObject({
      state: 'TASK_ERROR',
      reason: 'REASON_TASK_INVALID',
      message: 'container.docker.volumes[0].container_path: must be an absolute path, got "in"',
    });

    // One task without, one with: NET_ADMIN (bit 12 of CapEff), the host's PID namespace
    // (PID 1 is the host's init, not docker-init), its IPC namespace, a host device.
    const probe = 'grep CapEff /proc/self/status; cat /proc/1/comm; readlink /proc/self/ns/ipc; test -c /dev/tandem-null && echo device || echo no device';
    const all = {
      capAdd: ['CAP_NET_ADMIN'],
      pidMode: 'HOST' as const,
      ipcMode: 'HOST' as const,
      devices: [{ hostPath: '/dev/null', containerPath: '/dev/tandem-null', permissions: 'rw' }],
    };
    expect(await allowed.run('plain', probe, { pidMode: 'PRIVATE', ipcMode: 'PRIVATE' })).toMatchObject({ state: 'TASK_FINISHED' });
    expect(await allowed.run('all', probe, all)).toMatchObject({ state: 'TASK_FINISHED' });
    const [plainCaps, plainInit, plainIpc, plainDevice] = allowed.stdout('plain').trim().split('\n');
    const [allCaps, allInit, allIpc, allDevice] = allowed.stdout('all').trim().split('\n');
    const NET_ADMIN = 1n << 12n;
    const capEff = (line: string | undefined): bigint => BigInt(`0x${/CapEff:\s*([0-9a-f]+)/.exec(line ?? '')?.[1] ?? 'x'}`);
    expect(capEff(plainCaps) & NET_ADMIN).toBe(0n);
    expect(capEff(allCaps) & NET_ADMIN).toBe(NET_ADMIN);
    expect(plainInit).toBe('docker-init');
    expect(allInit).toBe(readFileSync('/proc/1/comm', 'utf8').trim());
    const hostIpc = readlinkSync('/proc/self/ns/ipc');
    expect(plainIpc).not.toBe(hostIpc);
    expect(allIpc).toBe(hostIpc);
    expect([plainDevice, allDevice]).toEqual(['no device', 'device']);
    // Another capability stays refused on this agent, and so do what it does not allow.
    expect(await allowed.run('sys-admin', probe, { capAdd: ['SYS_ADMIN'] })).toMatchObject(
      denied('container.docker.cap_add[0]', '--docker-allow cap:SYS_ADMIN'),
    );
    expect(await allowed.run('runsc', probe, { runtime: 'runsc' })).toMatchObject(denied('container.docker.runtime', '--docker-allow runtime:runsc'));
  });

  it('docker host access - the Docker socket (the well-known one, or the engine the agent talks to) is refused under an allowed prefix unless docker-socket', async () => {
    if (!docker) return;
    // The engine of the test env listens at DOCKER_HOST, e.g. /tmp/tandem-dockerd/docker.sock.
    const engineDir = dirname((process.env.DOCKER_HOST ?? 'unix:///var/run/docker.sock').replace(/^unix:\/\//, ''));
    const mountsOnly = await cluster(`host-mounts:/run,host-mounts:${engineDir}`);
    const socketDir = { volumes: [{ containerPath: '/host-run', hostPath: '/run', mode: 'RO' as const }] };
    expect(await mountsOnly.run('run-dir', 'ls /host-run', socketDir)).toMatchObject(denied('container.docker.volumes[0]', '--docker-allow docker-socket'));
    const engine = { volumes: [{ containerPath: '/engine', hostPath: engineDir, mode: 'RO' as const }] };
    expect(await mountsOnly.run('engine-dir', 'ls /engine', engine)).toMatchObject({
      ...denied('container.docker.volumes[0]', '--docker-allow docker-socket'),
      message: expect.stringContaining(`a mount of the Docker socket (host path ${engineDir})`),
    });
    await cleanup();

    const withSocket = await cluster(`docker-socket,host-mounts:/run,host-mounts:${engineDir}`);
    expect(await withSocket.run('engine-dir', 'ls /engine', engine)).toMatchObject({ state: 'TASK_FINISHED' });
    expect(withSocket.stdout('engine-dir')).toMatch(/^docker\.sock$/m);
  });
  it('docker host access - tandem execute --volume and --cap-add reach the task', async () => {
    if (!docker) return;
    const host = tempDir('tandem-mount-');
    writeFileSync(join(host, 'greeting'), 'hello via execute\n');
    const { master } = await masterAndAgent(`host-mounts:${host},cap:NET_ADMIN`);
    const args = ['node', 'tandem', 'execute', '--master', master.address, '--image', TEST_IMAGE];
    // In this process (main), as a CLI run does it, without a node start-up.
    let out = '';
    const io = {
      stdout: (t: string | Uint8Array) => {
        out += String(t);
      },
      stderr: (t: string | Uint8Array) => {
        out += String(t);
      },
    };
    const shutdownSignal = () => ({ received: new Promise<NodeJS.Signals>(() => {}), dispose: () => {} });
    const probe = ['sh', '-c', 'cat /in/greeting; grep CapEff /proc/self/status'];
    const code = await main([...args, '--volume', `${host}:/in:ro`, '--cap-add', 'NET_ADMIN', '--', ...probe], { io, shutdownSignal });
    expect(code, out).toBe(0);
    expect(out).toMatch(/^hello via execute$/m);
    expect(BigInt(`0x${/CapEff:\s*([0-9a-f]+)/.exec(out)?.[1] ?? 'x'}`) & (1n << 12n)).toBe(1n << 12n);
    // Malformed flags and --volume without --image: packages/cli/src/docker-flags.test.ts.
  });
});
