import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { cleanup, dockerAvailable, runCli, startAgent, startMaster, TEST_IMAGE } from './support/cluster.js';

// `tandem execute` (a real CLI process) against a real master and agent, on the real
// Docker Engine and on the process containerizer.

afterEach(cleanup);

let docker = false;
beforeAll(async () => {
  docker = await dockerAvailable();
});

// The busybox image's dd and the host's dd both allocate their block size up front.
const HOG = ['dd', 'if=/dev/zero', 'of=/dev/null', 'bs=128M', 'count=1'];

describe.each([
  ['docker', ['--image', TEST_IMAGE]],
  ['process', []],
] as const)('tandem execute on the %s containerizer', (kind, imageArgs) => {
  const skip = (): boolean => kind === 'docker' && !docker;

  it('execute - echo hello finishes FINISHED, exits 0 and shows the output', async () => {
    if (skip()) return;
    const master = await startMaster();
    await startAgent(master, { containerizers: [kind] });
    const run = await runCli(['execute', '--master', master.address, ...imageArgs, '--name', 'hello', '--', 'echo', 'hello']);
    expect(run.stdout).toMatch(/TASK_RUNNING/);
    expect(run.stdout).toMatch(/TASK_FINISHED/);
    expect(run.stdout).toMatch(/^hello$/m);
    expect(run.code).toBe(0);
    const done = master.state().completedTasks ?? [];
    expect(done.some((t) => t.state === 'TASK_FINISHED')).toBe(true);
  });

  it('execute - a command exiting 3 ends FAILED and the CLI exits 3', async () => {
    if (skip()) return;
    const master = await startMaster();
    await startAgent(master, { containerizers: [kind] });
    const run = await runCli(['execute', '--master', master.address, ...imageArgs, '--', 'sh', '-c', 'exit 3']);
    expect(run.stdout).toMatch(/TASK_FAILED/);
    expect(run.code).toBe(3);
  });

  it('execute - a command allocating past --mem ends FAILED with a memory reason', async () => {
    if (skip()) return;
    const master = await startMaster();
    await startAgent(master, { containerizers: [kind] });
    const run = await runCli(['execute', '--master', master.address, ...imageArgs, '--mem', '32', '--', ...HOG]);
    expect(run.stdout).toMatch(/TASK_FAILED/);
    expect(run.stdout).toMatch(/REASON_CONTAINER_LIMITATION_MEMORY/);
    expect(run.code).not.toBe(0);
  });
});
