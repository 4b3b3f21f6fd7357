import { afterEach, describe, expect, it } from 'vitest';
import { cleanup, startAgent, startMaster } from './support/cluster.js';
import { startJobs, waitRunDone } from './support/jobs.js';

// Runs on a real master and agent (process containerizer): outcomes, retries, parallelism.

afterEach(cleanup);

describe('jobs runs', () => {
  it('jobs runs - exit 0 ends SUCCESS; history counts it; an exit 1 under NEVER ends FAILED', async () => {
    const master = await startMaster();
    await startAgent(master, { containerizers: ['process'] });
    const { api } = await startJobs(master);
    expect((await api('POST', '/v1/jobs', { id: 'ok', run: { cmd: 'echo hi', cpus: 0.1, mem: 32 } })).status).toBe(201);
    const started = await api('POST', '/v1/jobs/ok/runs');
    expect(started.status).toBe(201);
    expect(started.body.status).toBe('INITIAL');
    const done = await waitRunDone(api, 'ok', started.body.id);
    expect(done.status).toBe('SUCCESS');
    expect(done.tasks).toHaveLength(1);
    expect(done.tasks[0]).toMatchObject({ status: 'TASK_FINISHED', exitCode: 0, attempt: 1, index: 0 });
    const job = await api('GET', '/v1/jobs/ok?embed=historySummary&embed=history&embed=activeRuns');
    expect(job.body.historySummary).toMatchObject({ successCount: 1, failureCount: 0 });
    expect(job.body.history.successfulFinishedRuns[0].id).toBe(started.body.id);
    expect(job.body.activeRuns).toEqual([]);

    await api('POST', '/v1/jobs', { id: 'bad', run: { cmd: 'exit 3', cpus: 0.1, mem: 32 } });
    const failed = await waitRunDone(api, 'bad', (await api('POST', '/v1/jobs/bad/runs')).body.id);
    expect(failed.status).toBe('FAILED');
    expect(failed.tasks).toHaveLength(1);
    expect(failed.tasks[0].exitCode).toBe(3);
  });

  it('jobs runs - exit 1 under ON_FAILURE is retried until activeDeadlineSeconds, then FAILED with every attempt visible', async () => {
    const master = await startMaster();
    await startAgent(master, { containerizers: ['process'] });
    const { api } = await startJobs(master);
    await api('POST', '/v1/jobs', {
      id: 'flaky',
      run: { cmd: 'echo attempt $TANDEM_TASK_ATTEMPT; exit 1', cpus: 0.1, mem: 32, restart: { policy: 'ON_FAILURE', activeDeadlineSeconds: 3 } },
    });
    const runId = (await api('POST', '/v1/jobs/flaky/runs')).body.id;
    const done = await waitRunDone(api, 'flaky', runId);
    expect(done.status).toBe('FAILED');
    expect(done.attempts).toBeGreaterThanOrEqual(2);
    expect(done.tasks.map((t: { attempt: number }) => t.attempt)).toEqual(done.tasks.map((_: unknown, i: number) => i + 1));
    expect(new Set(done.tasks.map((t: { id: string }) => t.id)).size).toBe(done.tasks.length);
    expect(done.tasks.every((t: { status: string; exitCode: number }) => t.status === 'TASK_FAILED' && t.exitCode === 1)).toBe(true);
    expect(done.reason).toMatch(/activeDeadlineSeconds/);
    // The last attempt started within the deadline; none after it.
    const created = Date.parse(done.createdAt);
    const lastLaunch = Date.parse(done.tasks.at(-1).launchedAt);
    expect(lastLaunch - created).toBeLessThan(3000 + 1500);
  });

  it('jobs runs - parallelism 4, completions 20: never more than 4 running, SUCCESS after 20 successes, each index in TANDEM_TASK_INDEX', async () => {
    const master = await startMaster();
    const agent = await startAgent(master, { containerizers: ['process'], resources: 'cpus:8;mem:4096;disk:1024;ports:[31000-31100]' });
    const { api, jobs } = await startJobs(master);
    await api('POST', '/v1/jobs', {
      id: 'sweep',
      run: { cmd: 'test "$TANDEM_TASK_INDEX" -ge 0 && sleep 0.3', cpus: 0.1, mem: 32, parallelism: 4, completions: 20 },
    });
    let maxRunning = 0;
    const unsubscribe = jobs.events.subscribe(() => {
      const live = agent.tasks().filter((t) => t.phase !== 'terminated').length;
      maxRunning = Math.max(maxRunning, live);
    });
    const runId = (await api('POST', '/v1/jobs/sweep/runs')).body.id;
    const sampler = setInterval(() => {
      maxRunning = Math.max(maxRunning, agent.tasks().filter((t) => t.phase !== 'terminated').length);
    }, 20);
    const done = await waitRunDone(api, 'sweep', runId, 45_000);
    clearInterval(sampler);
    unsubscribe();
    expect(done.status).toBe('SUCCESS');
    expect(done.succeeded).toBe(20);
    expect(done.tasks).toHaveLength(20);
    expect(new Set(done.tasks.map((t: { index: number }) => t.index)).size).toBe(20);
    expect(maxRunning).toBeLessThanOrEqual(4);
    expect(maxRunning).toBeGreaterThanOrEqual(2);
    // Task states on the master agree: 20 finished, none else.
    const finished = master.state().completedTasks?.filter((t) => t.info?.taskId?.startsWith('sweep_')) ?? [];
    expect(finished.length + (master.state().tasks?.filter((t) => t.info?.taskId?.startsWith('sweep_')).length ?? 0)).toBe(20);
  });
});
