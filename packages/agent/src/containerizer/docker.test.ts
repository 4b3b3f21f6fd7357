import { readFile, rm } from 'node:fs/promises';
import Docker from 'dockerode';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { launchSpec, type SpecOptions } from '../test-support/launch-spec.js';
import { loadTestEnv, mustHaveDocker, testImage } from '../test-support/test-env.js';
import { DockerContainerizer, LABEL_AGENT_ID } from './docker.js';
import { dockerPolicyOf } from './docker-allow.js';
import type { Container, LaunchSpec } from './types.js';

loadTestEnv();
const docker = new Docker();
const containerizer = new DockerContainerizer({ docker, pullTimeoutMs: 20_000 });
const engineUp = await containerizer.available();
if (!engineUp && mustHaveDocker()) {
  throw new Error('no Docker Engine answers (DOCKER_HOST or /var/run/docker.sock); in CI the docker tests must run: scripts/test-env.sh up');
}

const AGENT = `agent-test-${process.pid}-${Date.now()}`;
const IMAGE = testImage();
const sandboxes: string[] = [];

async function spec(o: Omit<SpecOptions, 'agentId'>): Promise<LaunchSpec> {
  const s = await launchSpec({ agentId: AGENT, image: IMAGE, ...o });
  sandboxes.push(s.sandboxDir);
  return s;
}

async function run(o: Omit<SpecOptions, 'agentId'>): Promise<{ container: Container; spec: LaunchSpec }> {
  const s = await spec(o);
  return { container: await containerizer.launch(s), spec: s };
}

const stdout = (s: LaunchSpec): Promise<string> => readFile(`${s.sandboxDir}/stdout`, 'utf8');
const stderr = (s: LaunchSpec): Promise<string> => readFile(`${s.sandboxDir}/stderr`, 'utf8');

describe.skipIf(!engineUp)(`docker containerizer${engineUp ? '' : ' (SKIPPED: no Docker Engine answers; run scripts/test-env.sh up)'}`, () => {
  afterAll(async () => {
    const left = await docker.listContainers({ all: true, filters: { label: [`${LABEL_AGENT_ID}=${AGENT}`] } });
    await Promise.all(
      left.map((c) =>
        docker
          .getContainer(c.Id)
          .remove({ force: true })
          .catch(() => undefined),
      ),
    );
    await Promise.all(sandboxes.map((d) => rm(d, { recursive: true, force: true })));
  });

  it('docker - echo exits 0 and its output lands in the sandbox', async () => {
    const { container, spec: s } = await run({ taskId: 'echo', argv: ['echo', 'hello'] });
    const exit = await container.wait();
    expect(exit).toEqual({ exitCode: 0, oomKilled: false, message: 'Command exited with status 0' });
    expect(await stdout(s)).toBe('hello\n');
    const info = await docker.getContainer(container.id).inspect();
    expect(info.Config.Labels).toMatchObject({ 'tandem.task-id': 'echo', 'tandem.agent-id': AGENT, 'tandem.framework-id': 'fw-test' });
    expect(info.HostConfig).toMatchObject({
      NetworkMode: 'host',
      Memory: 64 * 1024 * 1024,
      MemorySwap: 64 * 1024 * 1024,
      NanoCpus: 500_000_000,
      Init: true,
      Privileged: false,
      SecurityOpt: ['no-new-privileges'],
    });
    expect(info.Name).toMatch(/^\/tandem-echo-[0-9a-f]{6}$/);
    await container.destroy();
    await container.destroy();
    await expect(docker.getContainer(container.id).inspect()).rejects.toMatchObject({ statusCode: 404 });
  });

  it('docker - a shell command exit code and stderr come back', async () => {
    const { container, spec: s } = await run({ taskId: 'exit3', shell: 'echo oops >&2; exit 3' });
    expect(await container.wait()).toMatchObject({ exitCode: 3, oomKilled: false, message: 'Command exited with status 3' });
    expect(await stderr(s)).toBe('oops\n');
    await container.destroy();
  });

  it('docker - argv is passed as is, without a shell', async () => {
    const { container, spec: s } = await run({ taskId: 'argv', argv: ['echo', '$HOME', 'a  b', '*'] });
    await container.wait();
    expect(await stdout(s)).toBe('$HOME a  b *\n');
    await container.destroy();
  });

  it('docker - the environment and PORT0 reach the task', async () => {
    const { container, spec: s } = await run({
      taskId: 'env',
      shell: 'echo "$FOO $PORT0 $PORT"',
      env: { FOO: 'bar baz', PORT0: '31001', PORT: '31001' },
      ports: [31001],
    });
    expect((await container.wait()).exitCode).toBe(0);
    expect(await stdout(s)).toBe('bar baz 31001 31001\n');
    await container.destroy();
  });

  it('docker - going past the memory limit is reported as OOM', async () => {
    const { container } = await run({ taskId: 'oom', argv: ['dd', 'if=/dev/zero', 'of=/dev/null', 'bs=64M', 'count=1'], mem: 32 });
    const exit = await container.wait();
    expect(exit.oomKilled).toBe(true);
    expect(exit.exitCode).toBe(137);
    expect(exit.message).toMatch(/Memory limit of 32 MiB exceeded/);
    await container.destroy();
  });

  it('docker - kill stops sleep with SIGTERM within the grace period', async () => {
    const { container } = await run({ taskId: 'sleep', argv: ['sleep', '1000'] });
    const started = Date.now();
    await container.kill(10_000);
    const exit = await container.wait();
    expect(Date.now() - started).toBeLessThan(5_000);
    expect(exit.exitCode).toBe(143);
    await container.destroy();
  });

  it('docker - a command that ignores SIGTERM is SIGKILLed after the grace period', async () => {
    const { container } = await run({ taskId: 'stubborn', shell: 'trap "" TERM; sleep 1000' });
    await new Promise((r) => setTimeout(r, 200)); // let the trap be set
    const started = Date.now();
    const killed = container.kill(1_000);
    const exit = await container.wait();
    await killed;
    const took = Date.now() - started;
    expect(took).toBeGreaterThanOrEqual(950);
    expect(took).toBeLessThan(5_000);
    expect(exit.exitCode).toBe(137);
    await container.destroy();
  });

  it('docker - an image that cannot be pulled fails the launch with REASON_CONTAINER_PULL_FAILED', async () => {
    const s = await spec({ taskId: 'nopull', argv: ['true'], image: '127.0.0.1:9/tandem/missing:1' });
    const started = Date.now();
    const err: unknown = await containerizer.launch(s).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(Date.now() - started).toBeLessThan(15_000);
    expect((err as Error).cause).toMatchObject({ reason: 'REASON_CONTAINER_PULL_FAILED' });
    expect((err as Error).message).toMatch(/127\.0\.0\.1:9\/tandem\/missing:1/);
  });

  it('docker - an image is inspected once; one removed behind the agent is checked again at the next create', async () => {
    // A local tag in a registry that does not answer: present until removed, never pullable.
    const alias = `127.0.0.1:9/tandem/cached-${process.pid}`;
    await docker.getImage(IMAGE).tag({ repo: alias, tag: '1' });
    const counted = new Docker();
    const getImage = vi.spyOn(counted, 'getImage');
    const cached = new DockerContainerizer({ docker: counted, pullTimeoutMs: 20_000 });
    try {
      for (const taskId of ['cached-1', 'cached-2']) {
        const s = await spec({ taskId, argv: ['true'], image: `${alias}:1` });
        expect((await (await cached.launch(s)).wait()).exitCode).toBe(0);
      }
      expect(getImage).toHaveBeenCalledTimes(1);

      await docker.getImage(`${alias}:1`).remove();
      const gone = await spec({ taskId: 'cached-gone', argv: ['true'], image: `${alias}:1` });
      // The create finds no image, the containerizer checks again and tries to pull it.
      await expect(cached.launch(gone)).rejects.toMatchObject({ cause: { reason: 'REASON_CONTAINER_PULL_FAILED' } });
      expect(getImage.mock.calls.length).toBeGreaterThan(1);

      await docker.getImage(IMAGE).tag({ repo: alias, tag: '1' });
      const back = await spec({ taskId: 'cached-back', argv: ['true'], image: `${alias}:1` });
      expect((await (await cached.launch(back)).wait()).exitCode).toBe(0);
    } finally {
      const left = await docker.listContainers({ all: true, filters: { label: [`${LABEL_AGENT_ID}=${AGENT}`], ancestor: [`${alias}:1`] } }).catch(() => []);
      await Promise.all(
        left.map((c) =>
          docker
            .getContainer(c.Id)
            .remove({ force: true })
            .catch(() => undefined),
        ),
      );
      await docker
        .getImage(`${alias}:1`)
        .remove()
        .catch(() => undefined);
    }
  });

  it('docker - privileged tasks are refused (TASK_ERROR naming the field and the flag) unless allowed', async () => {
    const s = await spec({ taskId: 'priv', argv: ['true'], privileged: true });
    await expect(containerizer.launch(s)).rejects.toMatchObject({
      cause: {
        reason: 'REASON_TASK_UNAUTHORIZED',
        state: 'TASK_ERROR',
        message: expect.stringMatching(/^container\.docker\.privileged: .*--docker-allow privileged\)$/),
      },
    });
    const other = await spec({ taskId: 'not-listed', argv: ['true'] });
    const listed = new DockerContainerizer({ docker, policy: dockerPolicyOf(undefined, 'registry.example/*') });
    await expect(listed.launch(other)).rejects.toMatchObject({
      cause: {
        state: 'TASK_ERROR',
        message: expect.stringContaining(`image ${IMAGE} is not in this agent's image allow-list (--docker-images registry.example/*)`),
      },
    });
  });

  it('docker - an aborted launch reports REASON_TASK_KILLED_DURING_LAUNCH and leaves no container', async () => {
    const s = await spec({ taskId: 'aborted', argv: ['sleep', '1000'] });
    const ac = new AbortController();
    ac.abort();
    await expect(containerizer.launch(s, ac.signal)).rejects.toMatchObject({ cause: { reason: 'REASON_TASK_KILLED_DURING_LAUNCH' } });
  });

  it('docker - recover finds a running container and an exited one, and orphans the rest', async () => {
    const running = await run({ taskId: 'rec-running', shell: 'echo one; sleep 1; echo two; sleep 1000' });
    const exited = await run({ taskId: 'rec-exited', shell: 'echo bye; exit 5' });
    const orphan = await run({ taskId: 'rec-orphan', argv: ['sleep', '1000'] });
    await exited.container.wait();

    // A new containerizer, as after an agent restart, with fresh sandboxes for the output.
    const again = new DockerContainerizer({ docker });
    const runningSpec = await spec({ taskId: 'rec-running' });
    const back = await again.recover(AGENT, [
      { taskId: 'rec-running', frameworkId: 'fw-test', sandboxDir: runningSpec.sandboxDir },
      { taskId: 'rec-exited', frameworkId: 'fw-test', sandboxDir: exited.spec.sandboxDir, containerId: exited.container.id },
      { taskId: 'rec-gone', frameworkId: 'fw-test', sandboxDir: '' },
    ]);
    expect([...back.keys()].sort()).toEqual(['rec-exited', 'rec-running']);
    expect(back.get('rec-running')?.id).toBe(running.container.id);
    expect(await back.get('rec-exited')?.wait()).toMatchObject({ exitCode: 5 });

    const known = new Set([...back.values()].map((c) => c.id));
    const orphans = await again.orphans(AGENT, known);
    expect(orphans).toContain(orphan.container.id);
    expect(orphans).not.toContain(running.container.id);

    const recovered = back.get('rec-running');
    if (!recovered) throw new Error('unreachable');
    await expect.poll(() => stdout(runningSpec).catch(() => ''), { timeout: 5_000 }).toContain('two');
    await recovered.kill(5_000);
    expect((await recovered.wait()).exitCode).toBe(143);
    expect(await stdout(runningSpec)).toBe('one\ntwo\n');
    await Promise.all([recovered.destroy(), back.get('rec-exited')?.destroy(), orphan.container.kill(0), running.container.destroy()]);
    await orphan.container.destroy();
  });
});
