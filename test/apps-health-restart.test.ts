import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { api, startAppsAgent } from './support/apps.js';
import { sigkillApps, spawnApps } from './support/apps-process.js';
import { cleanup, startMaster, tempDir, waitFor } from './support/cluster.js';

// SIGKILL of `tandem apps serve` while an unhealthy instance waits for its replacement
// to become healthy, then a restart on the same work dir: the "replacing" relation comes
// back from the Store, so the restarted framework neither kills the replacement as a
// surplus nor starts another one, and kills the unhealthy instance once the replacement
// is healthy.

afterEach(cleanup);

interface TaskJson {
  id: string;
  state: string;
  healthCheckResults: { alive: boolean }[];
}

describe('apps health restart', () => {
  it('apps-health-restart - SIGKILL while a replacement starts: after the restart the unhealthy instance is killed once its replacement is healthy; exactly one task launched besides it', async () => {
    const master = await startMaster();
    const agentDir = tempDir();
    await startAppsAgent(master, { workDir: agentDir });
    // New tasks start serving only while $CTL/go exists: the test decides when the replacement turns healthy.
    const ctl = tempDir('tandem-ctl-');
    writeFileSync(join(ctl, 'go'), '');
    const dir = tempDir('tandem-apps-health-kill-');
    const first = await spawnApps(master.address, dir);
    const frameworkId = (await api(first.url, 'GET', '/v2/info')).body.frameworkId as string;
    const app = {
      id: '/rr',
      cmd: 'while [ ! -f "$CTL/go" ]; do sleep 0.1; done; echo ok > index.html && exec busybox httpd -f -p 127.0.0.1:$PORT0 -h .',
      env: { CTL: ctl },
      cpus: 0.1,
      mem: 32,
      instances: 1,
      // Bound: grace 60 + 0.3 x 3 s; the test is over long before.
      healthChecks: [
        {
          protocol: 'MESOS_HTTP',
          path: '/index.html',
          portIndex: 0,
          gracePeriodSeconds: 60,
          intervalSeconds: 0.3,
          timeoutSeconds: 1,
          maxConsecutiveFailures: 3,
          delaySeconds: 0,
        },
      ],
    };
    expect((await api(first.url, 'POST', '/v2/apps', app)).status).toBe(201);
    const healthy = await waitFor(
      async () => {
        const a = (await api(first.url, 'GET', '/v2/apps/rr')).body.app;
        return a.tasksHealthy === 1 ? a : undefined;
      },
      'one healthy instance',
      20_000,
      100,
    );
    const victim = (healthy.tasks as TaskJson[])[0]!.id;

    rmSync(join(ctl, 'go'));
    rmSync(join(agentDir, 'sandboxes', frameworkId, victim, 'index.html'));
    // The replacement runs but does not serve yet; the victim is unhealthy and still there.
    const replacement = await waitFor(
      async () => {
        const tasks = (await api(first.url, 'GET', '/v2/apps/rr')).body.app.tasks as TaskJson[];
        return tasks.find((t) => t.id !== victim && t.state === 'TASK_RUNNING')?.id;
      },
      'the replacement RUNNING',
      20_000,
      100,
    );
    await sigkillApps(first);

    const second = await spawnApps(master.address, dir);
    // The restarted framework knows both tasks again (reconciled), and still runs both.
    const both = await waitFor(
      async () => {
        const tasks = (await api(second.url, 'GET', '/v2/apps/rr')).body.app.tasks as TaskJson[];
        return tasks.length === 2 && tasks.every((t) => t.state === 'TASK_RUNNING') ? tasks : undefined;
      },
      'both tasks RUNNING after the restart',
      20_000,
      100,
    );
    expect(both.map((t) => t.id).sort()).toEqual([victim, replacement].sort());

    writeFileSync(join(ctl, 'go'), '');
    const after = await waitFor(
      async () => {
        const a = (await api(second.url, 'GET', '/v2/apps/rr')).body.app;
        return a.tasksHealthy === 1 && a.tasks.length === 1 && a.tasks[0].id === replacement ? a : undefined;
      },
      'the replacement healthy and the victim gone',
      30_000,
      100,
    );
    expect(after).toMatchObject({ instances: 1, tasksRunning: 1, tasksHealthy: 1 });
    await waitFor(() => master.state().completedTasks?.some((t) => t.info?.taskId === victim), 'the victim completed on the master', 10_000);
    const s = master.state();
    // Nothing launched twice, no third task, the replacement never killed.
    const seen = [...(s.tasks ?? []), ...(s.completedTasks ?? [])].map((t) => t.info?.taskId).filter((id) => id?.startsWith('rr.'));
    expect(seen.sort()).toEqual([victim, replacement].sort());
    expect(s.completedTasks?.find((t) => t.info?.taskId === victim)?.state).toBe('TASK_KILLED');
    expect(s.tasks?.find((t) => t.info?.taskId === replacement)?.state).toBe('TASK_RUNNING');
  }, 60_000);
});
