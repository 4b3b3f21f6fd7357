import { readdirSync, readFileSync } from 'node:fs';
import Docker from 'dockerode';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { cleanup, dockerAvailable, type TandemProcess, TEST_IMAGE, waitFor } from './support/cluster.js';
import { startUp } from './support/up.js';

// `tandem up` as a developer expects (issue #14, part 6): one banner with every URL, the
// agent's HTTP port served, and Ctrl-C stops the cluster's tasks too (process and Docker)
// unless --keep-tasks. `tandem up` runs as a real child process and gets a real SIGINT.

afterEach(cleanup);

let docker = false;
beforeAll(async () => {
  docker = await dockerAvailable();
});

/** The pids whose command line holds `marker`, from /proc. */
function pidsRunning(marker: string): number[] {
  const pids: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      if (readFileSync(`/proc/${entry}/cmdline`, 'utf8').split('\0').join(' ').includes(marker)) pids.push(Number(entry));
    } catch {
      // gone meanwhile
    }
  }
  return pids;
}

interface Up {
  p: TandemProcess;
  banner: string;
  apps: string;
  agentId: string;
  agentUrl: string;
}

async function up(extra: string[] = []): Promise<Up> {
  const p = await startUp(extra, 'tandem-up-stop-');
  const banner = p.output().slice(p.output().indexOf('tandem up: ready'));
  const apps = /^ {2}apps +(http:\/\/\S+)/m.exec(banner)?.[1] ?? '';
  const agent = /^ {2}agent +(\S+) with \S+, (http:\/\/\S+)$/m.exec(banner);
  return { p, banner, apps, agentId: agent?.[1] ?? '', agentUrl: agent?.[2] ?? '' };
}

async function deploy(apps: string, app: Record<string, unknown>): Promise<void> {
  const res = await fetch(`${apps}/v2/apps`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(app) });
  expect(res.status, await res.text()).toBe(201);
}

/** Sends SIGINT and resolves with the exit code once the process has exited. */
async function interrupt(u: Up): Promise<number | null> {
  const exited = new Promise<number | null>((resolve) => u.p.child.once('exit', (code) => resolve(code)));
  u.p.child.kill('SIGINT');
  return exited;
}

describe('tandem up', () => {
  it('up - the banner names every URL and the agent HTTP port answers; Ctrl-C kills its process and Docker tasks before it exits', async () => {
    const marker = `sleep ${200_000 + (process.pid % 100_000)}`;
    const u = await up();
    for (const name of ['UI', 'master', 'master API', 'apps', 'jobs', 'agent']) expect(u.banner).toMatch(new RegExp(`^ {2}${name} +\\S`, 'm'));
    expect(u.banner).toMatch(/^ {2}UI +http:\/\/127\.0\.0\.1:\d+\/$/m);
    const state = await fetch(u.agentUrl);
    expect(state.status).toBe(200);
    expect(((await state.json()) as { agentId?: string }).agentId).toBe(u.agentId);

    await deploy(u.apps, { id: '/stop-process', cmd: marker, cpus: 0.1, mem: 32, instances: 1 });
    if (docker) {
      await deploy(u.apps, { id: '/stop-docker', cmd: marker, cpus: 0.1, mem: 32, instances: 1, container: { type: 'DOCKER', docker: { image: TEST_IMAGE } } });
    }
    const engine = new Docker();
    const containers = async (): Promise<Docker.ContainerInfo[]> =>
      docker ? engine.listContainers({ all: true, filters: { label: [`tandem.agent-id=${u.agentId}`] } }) : [];
    // The process task (a sleep under the containerizer's shell), and the container when there is a Docker Engine.
    await waitFor(
      async () => pidsRunning(marker).length >= (docker ? 2 : 1) && (!docker || (await containers()).some((c) => c.State === 'running')),
      'both tasks to run',
      60_000,
    );

    expect(await interrupt(u)).toBe(0);
    expect(u.p.output()).toContain('tandem up: stopping; killing its tasks');
    // `tandem up` waited for its tasks to end before it exited: nothing of them is left.
    expect(pidsRunning(marker)).toEqual([]);
    expect(await containers()).toEqual([]);
  });

  it('up - with --keep-tasks, Ctrl-C leaves the tasks running', async () => {
    const marker = `sleep ${300_000 + (process.pid % 100_000)}`;
    const u = await up(['--keep-tasks', '--jobs-port', '-1']);
    expect(u.banner).toContain('--keep-tasks');
    expect(u.banner).not.toMatch(/^ {2}jobs /m);
    await deploy(u.apps, { id: '/kept', cmd: marker, cpus: 0.1, mem: 32, instances: 1 });
    // Running as the apps framework sees it, and its processes there a second later (not
    // a task that came up and failed, for the ones after Ctrl-C to be those same ones).
    await waitFor(
      async () => {
        const res = await fetch(`${u.apps}/v2/apps/kept`);
        return res.ok && ((await res.json()) as { app: { tasksRunning: number } }).app.tasksRunning === 1 && pidsRunning(marker).length > 0;
      },
      'the task to run',
      60_000,
    );
    const before = pidsRunning(marker);
    await new Promise((r) => setTimeout(r, 1_000));
    expect(pidsRunning(marker), u.p.output().slice(-3_000)).toEqual(before);
    expect(await interrupt(u)).toBe(0);
    const left = pidsRunning(marker);
    try {
      // Seen once in a full run: none left. What up printed says why, next time.
      expect(left, `up printed:\n${u.p.output().slice(-4_000)}`).toEqual(before);
    } finally {
      for (const pid of left) process.kill(pid, 'SIGKILL');
    }
  });
});
