import { spawn } from 'node:child_process';
import { access, readFile, rm, writeFile } from 'node:fs/promises';
import { afterAll, describe, expect, it } from 'vitest';
import { launchSpec, type SpecOptions } from '../test-support/launch-spec.js';
import { type MemoryIsolation, ProcessContainerizer } from './process.js';
import type { Container, LaunchSpec } from './types.js';

const AGENT = `agent-ptest-${process.pid}`;
const sandboxes: string[] = [];
const containers: Container[] = [];

afterAll(async () => {
  await Promise.all(
    containers.map((c) =>
      c
        .kill(0)
        .then(() => c.destroy())
        .catch(() => undefined),
    ),
  );
  await Promise.all(sandboxes.map((d) => rm(d, { recursive: true, force: true })));
});

async function spec(o: Omit<SpecOptions, 'agentId'>): Promise<LaunchSpec> {
  const s = await launchSpec({ agentId: AGENT, ...o });
  sandboxes.push(s.sandboxDir);
  return s;
}

const stdout = (s: LaunchSpec): Promise<string> => readFile(`${s.sandboxDir}/stdout`, 'utf8');
const exists = (p: string): Promise<boolean> =>
  access(p).then(
    () => true,
    () => false,
  );

// A bounded memory hog: 128 MiB touched, then held for 10 s (node is here for sure).
const HOG = [process.execPath, '-e', 'const b = Buffer.alloc(128 * 1024 * 1024, 1); setTimeout(() => b.length, 10000);'];

describe.each<MemoryIsolation>(['auto', 'rss'])('process containerizer (memory isolation %s)', (isolation) => {
  const containerizer = new ProcessContainerizer({ memoryIsolation: isolation });

  async function run(o: Omit<SpecOptions, 'agentId'>): Promise<{ container: Container; spec: LaunchSpec }> {
    const s = await spec({ ...o, taskId: `${isolation}-${o.taskId}` });
    const container = await containerizer.launch(s);
    containers.push(container);
    return { container, spec: s };
  }

  it('process - echo exits 0 with its output in the sandbox, and the cgroup goes with destroy', async () => {
    const { container, spec: s } = await run({ taskId: 'echo', argv: ['echo', 'hello'] });
    expect(await container.wait()).toEqual({ exitCode: 0, oomKilled: false, message: 'Command exited with status 0' });
    expect(await stdout(s)).toBe('hello\n');
    expect((await readFile(`${s.sandboxDir}/pid`, 'utf8')).trim()).toBe(container.id);
    const cp = JSON.parse(await readFile(`${s.sandboxDir}/container.json`, 'utf8')) as { cgroup?: { path: string } };
    if (cp.cgroup) expect(await exists(cp.cgroup.path)).toBe(true);
    await container.destroy();
    await container.destroy();
    if (cp.cgroup) expect(await exists(cp.cgroup.path)).toBe(false);
  });

  it('process - a shell command exit code comes back', async () => {
    const { container } = await run({ taskId: 'exit3', shell: 'echo oops >&2; exit 3' });
    expect(await container.wait()).toMatchObject({ exitCode: 3, oomKilled: false, message: 'Command exited with status 3' });
  });

  it('process - argv is passed as is, without a shell, in the sandbox directory', async () => {
    const { container, spec: s } = await run({ taskId: 'argv', argv: ['/bin/sh', '-c', 'printf "%s|" "$@"; pwd', 'zero', '$HOME', 'a  b', '*'] });
    await container.wait();
    expect(await stdout(s)).toBe(`$HOME|a  b|*|${s.sandboxDir}\n`);
  });

  it('process - the environment, PORT0 and a PATH reach the task', async () => {
    const { container, spec: s } = await run({
      taskId: 'env',
      shell: 'echo "$FOO $PORT0 $PORT"; command -v sleep',
      env: { FOO: 'bar baz', PORT0: '31001', PORT: '31001' },
    });
    expect((await container.wait()).exitCode).toBe(0);
    expect(await stdout(s)).toMatch(/^bar baz 31001 31001\n\/.*sleep\n$/);
  });

  it('process - a command that does not exist exits 127', async () => {
    const { container } = await run({ taskId: 'missing', argv: ['/nonexistent/tandem-nothing'] });
    expect((await container.wait()).exitCode).toBe(127);
  });

  it('process - going past the memory limit is reported as OOM', async () => {
    const { container } = await run({ taskId: 'oom', argv: HOG, mem: 64 });
    const exit = await container.wait();
    expect(exit.oomKilled).toBe(true);
    expect(exit.exitCode).toBe(137);
    expect(exit.message).toMatch(/Memory limit of 64 MiB exceeded/);
  });

  it('process - kill stops sleep with SIGTERM within the grace period', async () => {
    const { container } = await run({ taskId: 'sleep', argv: ['sleep', '1000'] });
    const started = Date.now();
    await container.kill(10_000);
    const exit = await container.wait();
    expect(Date.now() - started).toBeLessThan(3_000);
    expect(exit.exitCode).toBe(143);
  });

  it('process - a kill right after launch is not lost (20 at once)', async () => {
    const started = Date.now();
    const all = await Promise.all(
      Array.from({ length: 20 }, async (_, i) => {
        const launched = await run({ taskId: `race-${i}`, argv: ['sleep', '1000'] });
        await launched.container.kill(10_000);
        return launched;
      }),
    );
    const exits = await Promise.all(all.map(({ container }) => container.wait()));
    expect(Date.now() - started).toBeLessThan(3_000);
    expect(exits.map((e) => e.exitCode)).toEqual(Array(20).fill(143));
    await Promise.all(all.map(({ container }) => container.destroy()));
  });

  it('process - a command that ignores SIGTERM is SIGKILLed after the grace period', async () => {
    const { container } = await run({ taskId: 'stubborn', shell: 'trap "" TERM; sleep 1000' });
    await new Promise((r) => setTimeout(r, 200)); // let the trap be set
    const started = Date.now();
    const killed = container.kill(1_000);
    const exit = await container.wait();
    await killed;
    const took = Date.now() - started;
    expect(took).toBeGreaterThanOrEqual(950);
    expect(took).toBeLessThan(4_000);
    expect(exit.exitCode).toBe(137);
  });

  it('process - an aborted launch reports REASON_TASK_KILLED_DURING_LAUNCH', async () => {
    const s = await spec({ taskId: `${isolation}-aborted`, argv: ['sleep', '1000'] });
    const ac = new AbortController();
    ac.abort();
    await expect(containerizer.launch(s, ac.signal)).rejects.toMatchObject({ cause: { reason: 'REASON_TASK_KILLED_DURING_LAUNCH' } });
  });

  it('process - a task with nothing to run is invalid', async () => {
    const s = await spec({ taskId: `${isolation}-empty` });
    await expect(containerizer.launch(s)).rejects.toMatchObject({ cause: { reason: 'REASON_TASK_INVALID' } });
  });

  it('process - recover finds a running task and an exited one, and orphans the rest', async () => {
    const running = await run({ taskId: 'rec-running', shell: 'echo one; sleep 1000' });
    const exited = await run({ taskId: 'rec-exited', shell: 'exit 5' });
    const lost = await run({ taskId: 'rec-lost', argv: ['true'] });
    const orphan = await run({ taskId: 'rec-orphan', argv: ['sleep', '1000'] });
    await exited.container.wait();
    await lost.container.wait();
    await rm(`${lost.spec.sandboxDir}/exit_status`);

    // A new containerizer, as after an agent restart.
    const again = new ProcessContainerizer({ memoryIsolation: isolation });
    const back = await again.recover(AGENT, [
      { taskId: running.container.taskId, frameworkId: 'fw-test', sandboxDir: running.spec.sandboxDir },
      { taskId: exited.container.taskId, frameworkId: 'fw-test', sandboxDir: exited.spec.sandboxDir },
      { taskId: lost.container.taskId, frameworkId: 'fw-test', sandboxDir: lost.spec.sandboxDir },
      { taskId: `${isolation}-never`, frameworkId: 'fw-test', sandboxDir: (await spec({ taskId: 'never' })).sandboxDir },
    ]);
    expect(back.size).toBe(3);
    const recovered = back.get(running.container.taskId);
    if (!recovered) throw new Error('the running task was not recovered');
    expect(recovered.id).toBe(running.container.id);
    expect(await back.get(exited.container.taskId)?.wait()).toMatchObject({ exitCode: 5 });
    expect(await back.get(lost.container.taskId)?.wait()).toEqual({ exitCode: null, oomKilled: false, message: 'exit status lost while the agent was down' });

    const orphans = await again.orphans(AGENT, new Set([...back.values()].map((c) => c.id)));
    expect(orphans).toContain(orphan.container.id);
    expect(orphans).not.toContain(running.container.id);

    const started = Date.now();
    await recovered.kill(5_000);
    expect((await recovered.wait()).exitCode).toBe(143);
    expect(Date.now() - started).toBeLessThan(3_000);
    expect(await stdout(running.spec)).toBe('one\n');
    await recovered.destroy();
  });

  it("process - a checkpoint that names someone else's pid is not trusted", async () => {
    const s = await spec({ taskId: `${isolation}-forged` });
    // Someone else's process group leader, alive.
    const victim = spawn('sleep', ['30'], { detached: true, stdio: 'ignore' });
    victim.unref();
    const pid = victim.pid ?? 0;
    const startTime = (await readFile(`/proc/${pid}/stat`, 'utf8')).split(') ')[1]?.split(' ')[19];
    await writeFile(
      `${s.sandboxDir}/container.json`,
      JSON.stringify({ pid, startTime, exitFile: '/etc/passwd', memoryBytes: 0, rssLimit: false, cgroup: { version: 'v1', path: '/sys/fs/cgroup/memory' } }),
    );
    const back = await containerizer.recover(AGENT, [{ taskId: `${isolation}-forged`, frameworkId: 'fw-test', sandboxDir: s.sandboxDir }]);
    const c = back.get(`${isolation}-forged`);
    expect(await c?.wait()).toMatchObject({ exitCode: null });
    await c?.kill(0);
    await c?.destroy();
    await new Promise((r) => setTimeout(r, 100));
    expect(process.kill(-pid, 0)).toBe(true);
    process.kill(-pid, 'SIGKILL');
  });
});
