import { afterEach, describe, expect, it } from 'vitest';
import { cleanup, startAgent, startMaster, tempDir, waitFor } from './support/cluster.js';
import { api, waitRunDone } from './support/jobs.js';
import { sigkill, spawnJobs } from './support/jobs-process.js';

// SIGKILL of `tandem jobs serve` and a restart on the same work dir: runs are adopted
// through reconciliation (never relaunched), dependencies and schedules survive.

afterEach(cleanup);

const taskIdsOnMaster = (master: Awaited<ReturnType<typeof startMaster>>, prefix: string): string[] => {
  const s = master.state();
  return [...(s.tasks ?? []), ...(s.completedTasks ?? [])].map((t) => t.info?.taskId ?? '').filter((id) => id.startsWith(prefix));
};

describe('jobs restart', () => {
  it('jobs restart - SIGKILL during a run: the run completes once with no duplicate task, as the same framework, and its dependent runs after', async () => {
    const master = await startMaster();
    await startAgent(master, { containerizers: ['process'] });
    const dir = tempDir('tandem-jobs-kill-');
    const first = await spawnJobs(master.address, dir);
    const call = api(first.url);
    expect((await call('POST', '/v1/jobs', { id: 'parent', run: { cmd: 'sleep 2', cpus: 0.1, mem: 32, parallelism: 2, completions: 2 } })).status).toBe(201);
    expect((await call('POST', '/v1/jobs', { id: 'child', run: { cmd: 'true', cpus: 0.1, mem: 32 }, dependencies: [{ id: 'parent' }] })).status).toBe(201);
    const runId = (await call('POST', '/v1/jobs/parent/runs')).body.id as string;
    await waitFor(async () => (await call('GET', `/v1/jobs/parent/runs/${runId}?embed=tandem`)).body.running === 2, 'both tasks running');
    const frameworkId = (await call('GET', '/info?embed=tandem')).body.frameworkId as string;
    expect(frameworkId).toBeTruthy();

    await sigkill(first);
    await new Promise((r) => setTimeout(r, 500));
    const second = await spawnJobs(master.address, dir);
    const call2 = api(second.url);
    expect((await call2('GET', '/info?embed=tandem')).body.frameworkId).toBe(frameworkId);
    const done = await waitRunDone(call2, 'parent', runId);
    expect(done.status).toBe('SUCCESS');
    expect(done.tasks).toHaveLength(2);
    expect(done.tasks.map((t: { attempt: number }) => t.attempt)).toEqual([1, 1]);
    // The master saw exactly the two tasks: nothing was launched twice.
    expect(taskIdsOnMaster(master, 'parent_').sort()).toEqual(done.tasks.map((t: { id: string }) => t.id).sort());
    expect(
      master
        .state()
        .frameworks?.filter((f) => f.info?.name === 'tandem-jobs')
        .map((f) => f.info?.id),
    ).toEqual([frameworkId]);

    // The dependent job runs once its parent succeeded, across the restart.
    const childRuns = await waitFor(async () => {
      const h = (await call2('GET', '/v1/jobs/child?embed=history')).body.history;
      return h.successCount === 1 ? h : undefined;
    }, 'the dependent job to succeed');
    expect(childRuns.successfulFinishedRuns).toHaveLength(1);
    const parentHistory = (await call2('GET', '/v1/jobs/parent?embed=historySummary')).body.historySummary;
    expect(parentHistory).toMatchObject({ successCount: 1, failureCount: 0 });
  });

  it('jobs restart - an instant missed while down runs exactly once after the restart, within startingDeadlineSeconds', async () => {
    const master = await startMaster();
    await startAgent(master, { containerizers: ['process'] });
    const dir = tempDir('tandem-jobs-missed-');
    // Shift the framework's clock so that a minute boundary comes 15 s from now (the jobs
    // process must be up and the job created before it: 8 s was too little under a loaded full run).
    const lead = 15_000;
    const boundary = Math.ceil((Date.now() + lead) / 60_000) * 60_000;
    const offset = boundary - (Date.now() + lead);
    const first = await spawnJobs(master.address, dir, offset);
    const call = api(first.url);
    const created = await call('POST', '/v1/jobs', {
      id: 'tick',
      run: { cmd: 'true', cpus: 0.1, mem: 32 },
      schedules: [{ id: 'every-minute', cron: '* * * * *', startingDeadlineSeconds: 30, concurrencyPolicy: 'FORBID' }],
    });
    expect(created.status).toBe(201);
    expect(Date.parse(created.body.schedules[0].nextRunAt)).toBe(boundary);
    expect(Date.now() + offset).toBeLessThan(boundary - 1000);
    await sigkill(first);
    // Down across the instant.
    await waitFor(() => Date.now() + offset > boundary + 1500, 'the instant to pass', 25_000, 100);
    const second = await spawnJobs(master.address, dir, offset);
    const call2 = api(second.url);
    const run = await waitFor(async () => (await call2('GET', '/v1/jobs/tick/runs?all=true&embed=tandem')).body[0], 'the missed instant to run');
    expect(run.trigger).toEqual({ type: 'schedule', scheduleId: 'every-minute', instant: new Date(boundary).toISOString() });
    expect((await waitRunDone(call2, 'tick', run.id)).status).toBe('SUCCESS');
    // Another restart does not run the instant again.
    await sigkill(second);
    const third = await spawnJobs(master.address, dir, offset);
    const call3 = api(third.url);
    await new Promise((r) => setTimeout(r, 500));
    const all = (await call3('GET', '/v1/jobs/tick/runs?all=true')).body as { id: string }[];
    expect(all.map((r) => r.id)).toEqual([run.id]);
    expect((await call3('GET', '/v1/jobs/tick?embed=historySummary')).body.historySummary.successCount).toBe(1);
    expect(taskIdsOnMaster(master, 'tick_')).toHaveLength(1);
  });
});
