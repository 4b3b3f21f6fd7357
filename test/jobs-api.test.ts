import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { systemClock } from '@tandem/jobs';
import { afterEach, describe, expect, it } from 'vitest';
import { cleanup, dockerAvailable, runCli, startAgent, startMaster, TEST_IMAGE, tempDir, waitFor } from './support/cluster.js';
import { startJobs, waitRunDone } from './support/jobs.js';

// The REST API's contract (Metronome's shapes and status codes), a real scheduled job,
// stop with kill grace, the CLI, and one job in a real Docker container.

afterEach(cleanup);

describe('jobs api', () => {
  it('jobs api - invalid specs get 422/400 with field messages and change nothing', async () => {
    const master = await startMaster();
    const { api, store } = await startJobs(master);
    expect((await api('POST', '/v1/jobs', { id: 'keep', run: { cmd: 'true', cpus: 0.1, mem: 32 } })).status).toBe(201);
    const before = JSON.stringify(await store.list(''));
    const bad: [unknown, string][] = [
      [{ id: 'x', run: { cmd: 'true' }, schedules: [{ id: 's', cron: 'not a cron' }] }, '/schedules/0/cron'],
      [{ id: 'x', run: { cmd: 'true' }, schedules: [{ id: 's', cron: '* * * * *', timezone: 'Nowhere/Land' }] }, '/schedules/0/timezone'],
      [{ id: 'x', run: { cmd: 'true', cpus: -1 } }, '/run/cpus'],
      [{ id: 'x', run: { cmd: 'true', mem: -32 } }, '/run/mem'],
      [{ id: '', run: { cmd: 'true' } }, '/id'],
      [{ id: 'a/b', run: { cmd: 'true' } }, '/id'],
      [{ id: 'a..b', run: { cmd: 'true' } }, '/id'],
      [{ id: 'x', run: { cmd: 'true' }, dependencies: [{ id: 'missing' }] }, '/dependencies/0/id'],
    ];
    for (const [body, path] of bad) {
      const r = await api('POST', '/v1/jobs', body);
      expect(r.status, JSON.stringify(body)).toBe(422);
      expect(r.body.message).toBe('Object is not valid');
      expect(r.body.details.map((d: { path: string }) => d.path)).toContain(path);
      expect(r.body.details[0].errors.length).toBeGreaterThan(0);
    }
    const malformed = await api('POST', '/v1/jobs', undefined, '{"id": "x", "run": ');
    expect(malformed.status).toBe(400);
    expect(malformed.body.message).toBe('Invalid JSON');
    const badPut = await api('PUT', '/v1/jobs/keep', { id: 'keep', run: { cmd: 'true', disk: -1 } });
    expect(badPut.status).toBe(422);
    expect(badPut.body.details[0].path).toBe('/run/disk');
    const badSchedule = await api('POST', '/v1/jobs/keep/schedules', { id: 's', cron: '* * *' });
    expect(badSchedule.status).toBe(422);
    expect(badSchedule.body.details[0].path).toBe('/cron');
    expect((await api('POST', '/v1/jobs', { id: 'keep', run: { cmd: 'true' } })).status).toBe(409);
    expect((await api('GET', '/v1/jobs/nope')).status).toBe(404);
    expect((await api('POST', '/v1/jobs/nope/runs')).status).toBe(404);
    // Nothing changed: the same jobs, and not one store write.
    expect((await api('GET', '/v1/jobs')).body.map((j: { id: string }) => j.id)).toEqual(['keep']);
    expect(JSON.stringify(await store.list(''))).toBe(before);
    expect((await api('GET', '/ping')).body).toBe('pong');
    expect((await api('GET', '/v1/metrics')).body.gauges.tandem_jobs_jobs).toEqual({ value: 1 });
    expect((await api('GET', '/v1/metrics/prometheus')).body).toMatch(/tandem_jobs_jobs 1/);
  });

  it('jobs api - a real scheduled job fires at its cron instant (every minute, clock shifted so the minute is near)', async () => {
    const master = await startMaster();
    await startAgent(master, { containerizers: ['process'] });
    const lead = 2_500;
    const boundary = Math.ceil((Date.now() + lead) / 60_000) * 60_000;
    const offset = boundary - (Date.now() + lead);
    const { api } = await startJobs(master, { clock: systemClock(offset) });
    const created = await api('POST', '/v1/jobs', {
      id: 'cron',
      run: { cmd: 'true', cpus: 0.1, mem: 32 },
      schedules: [{ id: 'm', cron: '* * * * *', timezone: 'Europe/Berlin', concurrencyPolicy: 'FORBID' }],
    });
    expect(created.status).toBe(201);
    expect((await api('GET', '/v1/jobs/cron/schedules/m')).body.nextRunAt).toBe(new Date(boundary).toISOString().replace('Z', '+0000'));
    const run = await waitFor(async () => (await api('GET', '/v1/jobs/cron/runs?all=true&embed=tandem')).body[0], 'the scheduled run', 15_000);
    expect(run.trigger).toMatchObject({ type: 'schedule', scheduleId: 'm', instant: new Date(boundary).toISOString() });
    expect((await waitRunDone(api, 'cron', run.id)).status).toBe('SUCCESS');
    expect((await api('GET', '/v1/jobs/cron/runs?all=true')).body).toHaveLength(1);
  });

  it("jobs api - stop kills the run's tasks with the grace period and the run ends FAILED; the SSE stream reports it", async () => {
    const master = await startMaster();
    const agent = await startAgent(master, { containerizers: ['process'] });
    const { api, jobs } = await startJobs(master);
    await api('POST', '/v1/jobs', { id: 'long', run: { cmd: 'sleep 60', cpus: 0.1, mem: 32, taskKillGracePeriodSeconds: 1 } });
    const events = await fetch(`${jobs.url}/v1/events`);
    const reader = events.body!.getReader();
    let text = '';
    const pump = (async () => {
      for (;;) {
        const { value, done } = await reader.read();
        if (done) return;
        text += Buffer.from(value).toString();
      }
    })();
    const runId = (await api('POST', '/v1/jobs/long/runs')).body.id;
    await waitFor(async () => (await api('GET', `/v1/jobs/long/runs/${runId}`)).body.status === 'ACTIVE', 'the run active');
    expect((await api('GET', '/v1/queue')).body).toEqual([]);
    const stopped = await api('POST', `/v1/jobs/long/runs/${runId}/actions/stop`);
    expect(stopped.status).toBe(200);
    const done = await waitRunDone(api, 'long', runId);
    expect(done.status).toBe('FAILED');
    expect(done.reason).toMatch(/stopped/);
    expect(done.tasks[0].status).toBe('TASK_KILLED');
    await waitFor(() => !agent.tasks().some((t) => t.phase !== 'terminated'), 'the agent to end the task');
    await waitFor(() => /"status":"FAILED"/.test(text), 'the SSE run_update');
    expect(text).toMatch(/event: run_update/);
    await reader.cancel();
    await pump.catch(() => undefined);
  });

  it('jobs api - tandem jobs run --wait shows progress and exits 0 on SUCCESS, 1 on FAILED; list/show/history/stop', async () => {
    const master = await startMaster();
    await startAgent(master, { containerizers: ['process'] });
    const { jobs } = await startJobs(master);
    const dir = tempDir('tandem-jobs-cli-');
    const ok = join(dir, 'ok.json');
    writeFileSync(ok, JSON.stringify({ id: 'cli-ok', run: { cmd: 'true', cpus: 0.1, mem: 32, parallelism: 2, completions: 4 } }));
    const bad = join(dir, 'bad.json');
    writeFileSync(bad, JSON.stringify({ id: 'cli-bad', run: { cmd: 'exit 1', cpus: 0.1, mem: 32 } }));
    const r1 = await runCli(['jobs', 'run', ok, '--wait', '--poll', '0.1', '--url', jobs.url]);
    expect(r1.code, r1.stderr).toBe(0);
    expect(r1.stdout).toMatch(/SUCCESS +\[#{20}\] 4\/4 succeeded/);
    const r2 = await runCli(['jobs', 'run', bad, '--wait', '--poll', '0.1', '--url', jobs.url]);
    expect(r2.code).toBe(1);
    expect(r2.stdout).toMatch(/FAILED/);
    const list = await runCli(['jobs', 'list', '--url', jobs.url]);
    expect(list.stdout).toMatch(/^cli-ok +0 +1 +0 /m);
    const show = await runCli(['jobs', 'show', 'cli-ok', '--url', jobs.url]);
    expect(JSON.parse(show.stdout).historySummary.successCount).toBe(1);
    const history = await runCli(['jobs', 'history', 'cli-bad', '--url', jobs.url]);
    expect(JSON.parse(history.stdout).failureCount).toBe(1);
    const missing = await runCli(['jobs', 'stop', 'cli-ok', 'nope', '--url', jobs.url]);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toMatch(/404/);
  });

  it('jobs api - a job in a real Docker container ends SUCCESS', async () => {
    if (!(await dockerAvailable())) return;
    const master = await startMaster();
    await startAgent(master, { containerizers: ['docker'] });
    const { api } = await startJobs(master);
    await api('POST', '/v1/jobs', { id: 'boxed', run: { cmd: 'test "$TANDEM_TASK_INDEX" = 0', cpus: 0.1, mem: 32, docker: { image: TEST_IMAGE } } });
    const runId = (await api('POST', '/v1/jobs/boxed/runs')).body.id;
    const done = await waitRunDone(api, 'boxed', runId, 45_000);
    expect(done.status, JSON.stringify(done)).toBe('SUCCESS');
    const task =
      master.state().completedTasks?.find((t) => t.info?.taskId === done.tasks[0].id) ?? master.state().tasks?.find((t) => t.info?.taskId === done.tasks[0].id);
    expect(task?.info?.container?.type).toBe('DOCKER');
    expect(task?.status?.containerId).toBeTruthy();
  });
});
