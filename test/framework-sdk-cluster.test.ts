import { mkdtempSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Agent, type Container, type ContainerExit, type Containerizer, type LaunchSpec } from '@tandem/agent';
import { main } from '@tandem/cli';
import { isTerminal, matchTasks, SchedulerDriver, type TaskSpec, type TaskStatus } from '@tandem/framework-sdk';
import { Master } from '@tandem/master';
import { afterEach, describe, expect, it } from 'vitest';

// The SDK and the `tandem execute` CLI against a real master and a real agent. The
// containerizer is scripted (this test is about the framework side): argv `exit N`
// ends with status N after a short run, anything else runs until killed; each task's
// stdout gets "ran: <argv>".

class ScriptedContainerizer implements Containerizer {
  readonly name = 'process' as const;
  readonly launched: LaunchSpec[] = [];

  async available(): Promise<boolean> {
    return true;
  }

  async launch(spec: LaunchSpec): Promise<Container> {
    this.launched.push(spec);
    const argv = spec.task.command?.arguments ?? [];
    await writeFile(join(spec.sandboxDir, 'stdout'), `ran: ${argv.join(' ')}\n`);
    await writeFile(join(spec.sandboxDir, 'stderr'), '');
    let finish!: (e: ContainerExit) => void;
    const done = new Promise<ContainerExit>((r) => (finish = r));
    if (argv[0] === 'exit') {
      const code = Number(argv[1] ?? 0);
      setTimeout(() => finish({ exitCode: code, oomKilled: false, message: `Command exited with status ${code}` }), 100);
    }
    return {
      id: `c-${spec.taskId}`,
      taskId: spec.taskId,
      wait: () => done,
      kill: async () => {
        setTimeout(() => finish({ exitCode: 143, oomKilled: false, message: 'Command terminated by SIGTERM' }), 10);
      },
      destroy: async () => {},
    };
  }

  async recover(): Promise<Map<string, Container>> {
    return new Map();
  }
}

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

async function cluster(): Promise<{ master: Master; agent: Agent; containerizer: ScriptedContainerizer }> {
  const dir = mkdtempSync(join(tmpdir(), 'tandem-sdk-e2e-'));
  const master = new Master({ host: '127.0.0.1', port: 0, httpPort: -1, workDir: join(dir, 'master'), allocationIntervalMs: 50 });
  await master.start();
  cleanups.push(() => master.stop());
  const containerizer = new ScriptedContainerizer();
  const agent = new Agent({
    master: master.address,
    workDir: join(dir, 'agent'),
    hostname: 'e2e-host',
    resources: 'cpus:2;mem:1024;disk:1000;ports:[31000-31009]',
    containerizers: [containerizer],
  });
  await agent.start();
  cleanups.push(() => agent.stop({ killTasks: true }));
  return { master, agent, containerizer };
}

describe('framework SDK against a real master and agent', () => {
  it('e2e - launches matched tasks with distinct ports, sees them finish, tears down', async () => {
    const { master, containerizer } = await cluster();
    const driver = new SchedulerDriver({ master: master.address, framework: { name: 'e2e' } });
    cleanups.push(() => driver.stop());
    let pending: TaskSpec[] = [0, 1, 2].map((i) => ({ id: `t${i}`, cpus: 0.1, mem: 32, ports: 1, argv: ['exit', '0'] }));
    const finals = new Map<string, TaskStatus>();
    const allDone = new Promise<void>((resolve) => {
      driver.onUpdate((s) => {
        if (isTerminal(s.state)) finals.set(s.taskId, s);
        if (finals.size === 3) resolve();
      });
    });
    driver.onOffers(async (offers) => {
      const { matches, leftovers, unused } = matchTasks(offers, pending);
      pending = leftovers;
      for (const m of matches) await driver.launch(m.offer, m.tasks);
      if (unused.length > 0)
        await driver.decline(
          unused.map((o) => o.id),
          60,
        );
    });
    const subscribed = await driver.start();
    expect(subscribed.frameworkId).not.toBe('');
    await allDone;
    expect([...finals.values()].map((s) => s.state)).toEqual(['TASK_FINISHED', 'TASK_FINISHED', 'TASK_FINISHED']);
    expect(new Set(containerizer.launched.map((l) => l.ports[0])).size).toBe(3);
    await driver.teardown();
    expect(driver.state).toBe('stopped');
  });

  it('e2e - re-subscribes with its framework id after a master restart', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tandem-sdk-failover-'));
    const first = new Master({ host: '127.0.0.1', port: 0, httpPort: -1, workDir: dir, allocationIntervalMs: 50 });
    await first.start();
    const port = first.grpcPort;
    const driver = new SchedulerDriver({
      master: `127.0.0.1:${port}`,
      framework: { name: 'failover', failoverTimeoutSeconds: 60 },
      reconnect: { initialMs: 50, maxMs: 200 },
    });
    cleanups.push(() => driver.stop());
    const { frameworkId } = await driver.start();
    const resubscribed = new Promise<string>((resolve) => driver.onSubscribed((s) => resolve(s.frameworkId)));
    await first.stop();
    const second = new Master({ host: '127.0.0.1', port, httpPort: -1, workDir: dir, allocationIntervalMs: 50 });
    await second.start();
    cleanups.push(() => second.stop());
    expect(await resubscribed).toBe(frameworkId);
    expect(driver.state).toBe('subscribed');
    await driver.reconcile();
  });

  it('e2e - tandem execute runs one task, prints its states and stdout, exits with its code', async () => {
    const { master } = await cluster();
    let out = '';
    let err = '';
    const text = (t: string | Uint8Array): string => (typeof t === 'string' ? t : Buffer.from(t).toString());
    const code = await main(['node', 'tandem', 'execute', '--master', master.address, '--', 'exit', '7'], {
      io: {
        stdout: (t) => {
          out += text(t);
        },
        stderr: (t) => {
          err += text(t);
        },
      },
      shutdownSignal: () => ({ received: new Promise(() => {}), dispose: () => {} }),
    });
    expect(err).not.toMatch(/cannot read/);
    expect(out).toMatch(/TASK_RUNNING task=exit\.\S+ agent=\S+/);
    expect(out).toMatch(/TASK_FAILED task=\S+ agent=\S+ reason=REASON_COMMAND_EXITED exit=7/);
    expect(out).toContain('ran: exit 7');
    expect(code).toBe(7);
  });
});
