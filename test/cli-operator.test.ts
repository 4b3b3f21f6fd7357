import { execFileSync } from 'node:child_process';
import { main } from '@tandem/cli';
import type { Master } from '@tandem/master';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CLI, cleanup, startAgent, startMaster, waitFor } from './support/cluster.js';

// The operator's command line (issue #14, part 5) against a real master and agent on the
// process containerizer: lists as tables and as JSON, filters, --watch from the master's
// Watch stream, `logs -f` until the task ends, `top --once`. Each command runs in this
// process through `main`, as a user would run it.

interface Run {
  done: Promise<number>;
  out: () => string;
  err: () => string;
  /** Ctrl-C: the command's shutdown signal fires. */
  interrupt: () => void;
}

function start(...args: string[]): Run {
  let out = '';
  let err = '';
  let fire!: (s: NodeJS.Signals) => void;
  const received = new Promise<NodeJS.Signals>((r) => {
    fire = r;
  });
  const text = (t: string | Uint8Array): string => (typeof t === 'string' ? t : Buffer.from(t).toString());
  const done = main(['node', 'tandem', ...args], {
    io: {
      stdout: (t) => {
        out += text(t);
      },
      stderr: (t) => {
        err += text(t);
      },
    },
    shutdownSignal: () => ({ received, dispose: () => {} }),
  });
  return { done, out: () => out, err: () => err, interrupt: () => fire('SIGINT') };
}

async function tandem(...args: string[]): Promise<{ code: number; out: string; err: string }> {
  const run = start(...args);
  const code = await run.done;
  return { code, out: run.out(), err: run.err() };
}

async function json<T>(...args: string[]): Promise<T> {
  const r = await tandem(...args, '--json');
  expect(r.code, r.err).toBe(0);
  return JSON.parse(r.out) as T;
}

interface TaskRow {
  id: string;
  name: string;
  state: string;
  framework: string;
  hostname: string;
}

let master: Master;
let m: string;

beforeAll(async () => {
  master = await startMaster();
  await startAgent(master, { containerizers: ['process'], hostname: 'cli-host', resources: 'cpus:4;mem:4096;disk:4096' });
  m = master.address;
  await waitFor(async () => (await json<{ agents: unknown[] }>('agents', '--master', m)).agents.length === 1, 'the agent to register');
}, 30_000);
afterAll(cleanup);

/** Runs `tandem execute` (its own framework) in the background; the task's name is `name`. */
function execute(name: string, script: string): Run {
  return start('execute', '--master', m, '--name', name, '--cpus', '0.5', '--mem', '64', '--', 'sh', '-c', script);
}

async function taskNamed(name: string, ...filters: string[]): Promise<TaskRow | undefined> {
  const { tasks } = await json<{ tasks: TaskRow[] }>('tasks', '--master', m, ...filters);
  return tasks.find((t) => t.name === name);
}

describe('tandem CLI against a cluster', () => {
  it('cli - tasks --json parses and filters by --state, --framework and --agent; the table shows the same task', async () => {
    const gate = `/tmp/cli-operator-${process.pid}-gate`;
    const run = execute('lister', `while [ ! -e ${gate} ]; do sleep 0.1; done`);
    const task = await waitFor(() => taskNamed('lister', '--state', 'running'), 'the task to run', 30_000);
    expect(task).toMatchObject({ state: 'TASK_RUNNING', framework: 'tandem-execute', hostname: 'cli-host' });
    expect(await taskNamed('lister', '--framework', 'tandem-execute')).toBeDefined();
    expect(await taskNamed('lister', '--agent', 'cli-host')).toBeDefined();
    expect(await taskNamed('lister', '--agent', 'no-such-host')).toBeUndefined();
    expect(await taskNamed('lister', '--state', 'finished')).toBeUndefined();

    const table = await tandem('tasks', '--master', m);
    expect(table.code).toBe(0);
    const [header, ...rows] = table.out.trimEnd().split('\n');
    expect(header).toMatch(/^ID\s+NAME\s+STATE\s+FRAMEWORK\s+HOST\s+CPUS\s+MEM/);
    expect(rows.find((r) => r.startsWith(task.id))).toMatch(/lister\s+RUNNING\s+tandem-execute\s+cli-host\s+0\.5\s+64M/);

    const { agents } = await json<{ agents: { hostname: string; used: { cpus: number }; total: { cpus: number }; tasks: number }[] }>('agents', '--master', m);
    expect(agents[0]).toMatchObject({ hostname: 'cli-host', used: { cpus: 0.5 }, total: { cpus: 4 }, tasks: 1 });
    const { frameworks } = await json<{ frameworks: { name: string; tasks: number; dominantShare: number }[] }>('frameworks', '--master', m);
    expect(frameworks.find((f) => f.name === 'tandem-execute')).toMatchObject({ tasks: 1, dominantShare: 0.125 });
    const { roles } = await json<{ roles: { name: string }[] }>('roles', '--master', m);
    expect(roles.map((r) => r.name)).toContain('*');

    const top = await json<{ cluster: { used: { cpus: number }; total: { cpus: number } }; topFrameworks: { name: string }[] }>('top', '--once', '--master', m);
    expect(top.cluster).toEqual({ used: { cpus: 0.5, mem: 64, disk: 0 }, total: { cpus: 4, mem: 4096, disk: 4096 } });
    expect(top.topFrameworks[0]?.name).toBe('tandem-execute');
    const screen = await tandem('top', '--once', '--master', m);
    expect(screen.out).toMatch(/^CPU\s+\[█{3}·{17}\]\s+13%\s+0\.5\/4$/m);

    const { writeFileSync } = await import('node:fs');
    writeFileSync(gate, '');
    expect(await run.done).toBe(0);
    expect(await taskNamed('lister', '--state', 'finished')).toMatchObject({ state: 'TASK_FINISHED' });
    expect(await taskNamed('lister')).toBeUndefined(); // finished tasks only with --all or a finished --state
  });

  it('cli - logs -f follows stdout until the task ends and exits 0; --stderr follows stderr', async () => {
    const run = execute('follower', 'echo one; sleep 1; echo two >&2; sleep 1; echo three');
    const task = await waitFor(() => taskNamed('follower', '--all'), 'the task to be launched', 30_000);
    const [out, err] = await Promise.all([tandem('logs', '-f', '--master', m, task.id), tandem('logs', '--follow', '--stderr', '--master', m, task.id)]);
    expect(out).toEqual({ code: 0, out: 'one\nthree\n', err: '' });
    expect(err).toEqual({ code: 0, out: 'two\n', err: '' });
    // It returned because the task ended, not on a timeout: the master has it finished.
    expect(await taskNamed('follower', '--state', 'finished')).toBeDefined();
    expect(await run.done).toBe(0);

    // A task that is over already: the whole log at once, and the state that ended it on stderr.
    const failed = execute('failer', 'echo bye; exit 3');
    expect(await failed.done).toBe(3);
    const gone = await waitFor(() => taskNamed('failer', '--state', 'failed'), 'the task to fail');
    expect(await tandem('logs', '-f', '--master', m, gone.id)).toEqual({ code: 0, out: 'bye\n', err: `tandem logs: task ${gone.id} ended TASK_FAILED\n` });
  });

  it('cli - logs -f of a task the master does not have fails naming it instead of waiting', async () => {
    const r = await tandem('logs', '-f', '--master', m, 'no-such-task');
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/no-such-task/);
  });

  it('cli - tasks --watch prints a new frame when a task starts (from Watch) and ends cleanly on Ctrl-C', async () => {
    const watch = start('tasks', '--watch', '--json', '--master', m);
    await waitFor(() => watch.out().includes('\n'), 'the first frame');
    const gate = `/tmp/cli-operator-${process.pid}-watch`;
    const run = execute('watched', `while [ ! -e ${gate} ]; do sleep 0.1; done`);
    await waitFor(() => watch.out().includes('"name":"watched","state":"TASK_RUNNING"'), 'a frame with the running task', 30_000);
    const frames = watch
      .out()
      .trimEnd()
      .split('\n')
      .map((l) => JSON.parse(l) as { tasks: TaskRow[] });
    expect(frames[0]?.tasks.some((t) => t.name === 'watched')).toBe(false);
    // Each frame is different from the one before (a change elsewhere prints nothing).
    for (let i = 1; i < frames.length; i++) expect(frames[i]).not.toEqual(frames[i - 1]);
    watch.interrupt();
    expect(await watch.done).toBe(0);
    const { writeFileSync } = await import('node:fs');
    writeFileSync(gate, '');
    expect(await run.done).toBe(0);
  });

  it('cli - the built tandem completion bash script loads in bash (complete -p tandem)', () => {
    const out = execFileSync('bash', ['-c', `source <("${process.execPath}" "${CLI}" completion bash); complete -p tandem`], { encoding: 'utf8' });
    expect(out).toBe('complete -o default -F _tandem_complete tandem\n');
  });

  it('cli - a bad --state names the flag and the states it takes', async () => {
    const r = await tandem('tasks', '--master', m, '--state', 'sleeping');
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/--state \(TANDEM_STATE\): must be a task state \(staging, starting, running.*got "sleeping"/);
  });
});
