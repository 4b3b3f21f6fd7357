import { execFileSync } from 'node:child_process';
import { readFile, rm, stat } from 'node:fs/promises';
import { afterAll, describe, expect, it } from 'vitest';
import { launchSpec } from '../test-support/launch-spec.js';
import { ProcessContainerizer, type ProcessContainerizerOptions } from './process.js';
import type { Container, LaunchSpec } from './types.js';

const AGENT = `agent-putest-${process.pid}`;
const sandboxes: string[] = [];
const containers: Container[] = [];
const asRoot = process.getuid?.() === 0;
const NOBODY_UID = asRoot ? Number(execFileSync('id', ['-u', 'nobody'], { encoding: 'utf8' }).trim()) : -1;
const DAEMON_UID = asRoot ? Number(execFileSync('id', ['-u', 'daemon'], { encoding: 'utf8' }).trim()) : -1;

afterAll(async () => {
  await Promise.all(containers.map((c) => c.destroy().catch(() => undefined)));
  await Promise.all(sandboxes.map((d) => rm(d, { recursive: true, force: true })));
});

/** A task printing its uid, gid and HOME, and writing into its sandbox (its cwd). */
async function spec(taskId: string, user: string, frameworkUser?: string): Promise<LaunchSpec> {
  const s = await launchSpec({ agentId: AGENT, taskId, shell: 'id -u; echo "$HOME"; echo written > ./out && cat out' });
  sandboxes.push(s.sandboxDir);
  const command = s.task.command ? { ...s.task.command, user } : null;
  return { ...s, task: { ...s.task, command }, ...(frameworkUser ? { frameworkUser } : {}) };
}

async function run(options: ProcessContainerizerOptions, s: LaunchSpec): Promise<{ exitCode: number | null; stdout: string[] }> {
  const container = await new ProcessContainerizer({ memoryIsolation: 'none', ...options }).launch(s);
  containers.push(container);
  const { exitCode } = await container.wait();
  return { exitCode, stdout: (await readFile(`${s.sandboxDir}/stdout`, 'utf8')).trim().split('\n') };
}

describe.skipIf(!asRoot)('process containerizer - task user (agent as root)', () => {
  it('process user - a task naming no user runs as nobody when no --task-user is set (never as the root agent itself), HOME its sandbox, which it can write; --task-user names another', async () => {
    const daemon = await spec('daemon', '');
    expect((await run({ taskUser: 'daemon' }, daemon)).stdout[0]).toBe(String(DAEMON_UID));
    const s = await spec('default', '');
    expect(await run({}, s)).toEqual({ exitCode: 0, stdout: [String(NOBODY_UID), s.sandboxDir, 'written'] });
    expect((await stat(s.sandboxDir)).uid).toBe(NOBODY_UID);
    // The agent's own files stay its own; the exit status is recorded.
    expect((await stat(`${s.sandboxDir}/container.json`)).uid).toBe(0);
    expect((await stat(`${s.sandboxDir}/pid`)).uid).toBe(0);
    expect((await readFile(`${s.sandboxDir}/exit_status`, 'utf8')).trim()).toBe('0');
  });

  it("process user - command.user comes first, then the framework's user, then --task-user", async () => {
    const named = await spec('named', 'nobody', 'root');
    expect((await run({ taskUser: 'root', allowRootTasks: true }, named)).stdout[0]).toBe(String(NOBODY_UID));
    const fromFramework = await spec('framework', '', 'nobody');
    expect((await run({ taskUser: 'root', allowRootTasks: true }, fromFramework)).stdout[0]).toBe(String(NOBODY_UID));
    const fromFlag = await spec('flag', '');
    expect((await run({ taskUser: 'root', allowRootTasks: true }, fromFlag)).stdout[0]).toBe('0');
  });

  it('process user - an unknown user is TASK_FAILED with a reason naming the user', async () => {
    const s = await spec('unknown', 'no-such-user-xyz');
    await expect(new ProcessContainerizer().launch(s)).rejects.toMatchObject({
      cause: { reason: 'REASON_CONTAINER_LAUNCH_FAILED', message: 'command.user: no such user "no-such-user-xyz" on this agent' },
    });
    await expect(new ProcessContainerizer().launch(await spec('bad-name', 'a b'))).rejects.toMatchObject({
      cause: { reason: 'REASON_TASK_INVALID', state: 'TASK_ERROR', message: expect.stringContaining('command.user: "a b" is not a valid user name') },
    });
  });

  it('process user - root is refused without --allow-root-tasks (TASK_ERROR naming the field and the flag), and runs as uid 0 with it', async () => {
    const refused = new ProcessContainerizer().launch(await spec('root-refused', 'root'));
    await expect(refused).rejects.toMatchObject({ cause: { reason: 'REASON_TASK_INVALID', state: 'TASK_ERROR' } });
    const message = await refused.catch((err: unknown) => ((err as Error).cause as { message: string }).message);
    expect(message).toContain('command.user');
    expect(message).toContain('--allow-root-tasks');
    // The default user may not be root either.
    await expect(new ProcessContainerizer({ taskUser: 'root' }).launch(await spec('root-default', ''))).rejects.toMatchObject({
      cause: { state: 'TASK_ERROR', message: expect.stringContaining('--task-user') },
    });
    const allowed = await spec('root-allowed', 'root');
    expect(await run({ allowRootTasks: true }, allowed)).toEqual({ exitCode: 0, stdout: ['0', allowed.sandboxDir, 'written'] });
  });
});
