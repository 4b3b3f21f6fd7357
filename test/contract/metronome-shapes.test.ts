import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { Ajv, type AnySchema } from 'ajv';
import { afterEach, describe, expect, it } from 'vitest';
import { cleanup, startAgent, startMaster, waitFor } from '../support/cluster.js';
import { startJobs } from '../support/jobs.js';
import {
  errorSchemas,
  historySchema,
  historySummarySchema,
  infoSchema,
  jobSchema,
  metricsSchema,
  queueSchema,
  runSchema,
  scheduledJobSchema,
  scheduleSchema,
} from './metronome-response-schemas.js';

// The jobs API against Metronome's published schemas (vendored, closed: no key Metronome
// does not write) and its writers' shapes, on a real master, agent and jobs framework:
// every endpoint of the v1 API and the v0 scheduled-jobs one, the status codes and error
// bodies, Tandem's fields only with ?embed=tandem; and a run started as curl starts one.

afterEach(cleanup);

// unicodeRegExp off: Metronome's id patterns escape '-' (`\\-`), which JavaScript's unicode mode refuses.
const ajv = new Ajv({ strict: false, allErrors: true, unicodeRegExp: false });

/** Fails naming the keys and paths Metronome's shape does not allow. */
function expectShape(schema: AnySchema, value: unknown, what: string): void {
  const check = ajv.compile(schema);
  if (!check(value)) expect.fail(`${what}: ${ajv.errorsText(check.errors, { separator: '\n' })}\n${JSON.stringify(value, null, 2)}`);
}

/** `curl -s -XPOST -H 'content-type: application/json' URL` (no body, no content-length): status and body. */
async function curlPost(url: string): Promise<{ status: number; body: unknown }> {
  const { stdout } = await promisify(execFile)('curl', ['-s', '-XPOST', '-H', 'content-type: application/json', '-w', '\n%{http_code}', url]);
  const at = stdout.lastIndexOf('\n');
  return { status: Number(stdout.slice(at + 1)), body: JSON.parse(stdout.slice(0, at)) };
}

const JOB = {
  id: 'shape.nightly',
  description: 'contract',
  labels: { team: 'data' },
  run: { cmd: 'sleep 30', cpus: 0.1, mem: 32, env: { A: 'b' }, taskKillGracePeriodSeconds: 1 },
};

describe('metronome shapes', () => {
  it('metronome shapes - jobs, embeds, runs (one started as curl does, no body), stop, history, queue, /info, /ping, /v1/metrics, errors', async () => {
    const master = await startMaster();
    await startAgent(master, { containerizers: ['process'] });
    const { api, jobs } = await startJobs(master);
    const job = jobSchema();

    const created = await api('POST', '/v1/jobs', JOB);
    expect(created.status).toBe(201);
    expectShape(job, created.body, 'POST /v1/jobs');
    expect(created.body.run).toMatchObject({ placement: { constraints: [] }, artifacts: [], volumes: [], restart: { policy: 'NEVER' }, secrets: {} });
    expectShape(job, (await api('GET', `/v1/jobs/${JOB.id}`)).body, 'GET /v1/jobs/{id}');
    const again = await api('POST', '/v1/jobs', JOB);
    expect(again.status).toBe(409);
    expectShape(errorSchemas.message, again.body, '409 on an existing id');
    expect(again.body.message).toBe('Job with this id already exists');
    const invalid = await api('POST', '/v1/jobs', { id: 'x', run: { cmd: 'true', mem: 1 } });
    expect(invalid.status).toBe(422);
    expectShape(errorSchemas.invalid, invalid.body, '422');
    expect(invalid.body.details[0].path).toBe('/run/mem');

    // The done-means line: curl -XPOST -H 'content-type: application/json' .../runs starts a run.
    const started = await curlPost(`${jobs.url}/v1/jobs/${JOB.id}/runs`);
    expect(started.status).toBe(201);
    expectShape(runSchema, started.body, 'POST /v1/jobs/{id}/runs');
    const runId = (started.body as { id: string }).id;
    const active = await waitFor(async () => {
      const r = await api('GET', `/v1/jobs/${JOB.id}/runs/${runId}`);
      return r.body.status === 'ACTIVE' ? r.body : undefined;
    }, 'the run active');
    expectShape(runSchema, active, 'GET /v1/jobs/{id}/runs/{runId}');
    expect(active.tasks[0]).toEqual({ id: expect.any(String), startedAt: expect.any(String), status: 'TASK_RUNNING' });
    expectShape({ type: 'array', items: runSchema, minItems: 1 }, (await api('GET', `/v1/jobs/${JOB.id}/runs`)).body, 'GET /v1/jobs/{id}/runs');
    // Tandem's run fields only with the opt-in.
    expect(active).not.toHaveProperty('attempts');
    expect((await api('GET', `/v1/jobs/${JOB.id}/runs/${runId}?embed=tandem`)).body).toMatchObject({ attempts: 1, running: 1, trigger: { type: 'manual' } });

    const embeds = ['activeRuns', 'schedules', 'history', 'historySummary'];
    for (const path of [`/v1/jobs/${JOB.id}?embed=${embeds.join(',')}`, `/v1/jobs?${embeds.map((e) => `embed=${e}`).join('&')}`]) {
      const r = await api('GET', path);
      for (const j of Array.isArray(r.body) ? r.body : [r.body]) {
        expectShape(job, j, `GET ${path}`);
        expect(Object.keys(j)).toEqual(expect.arrayContaining(embeds));
      }
    }
    expectShape(queueSchema, (await api('GET', '/v1/queue')).body, 'GET /v1/queue');

    const conflict = await api('DELETE', `/v1/jobs/${JOB.id}`);
    expect(conflict.status).toBe(409);
    expect(conflict.body).toEqual({ message: 'There are active job runs. Override with stopCurrentJobRuns=true' });
    // The stop takes no body either: as curl sends it.
    const stopped = await curlPost(`${jobs.url}/v1/jobs/${JOB.id}/runs/${runId}/actions/stop`);
    expect(stopped.status).toBe(200);
    expectShape(runSchema, stopped.body, 'POST .../actions/stop');
    const history = await waitFor(async () => {
      const r = await api('GET', `/v1/jobs/${JOB.id}?embed=history&embed=historySummary`);
      return r.body.history.failureCount === 1 ? r.body : undefined;
    }, 'the stopped run in the history');
    expectShape(historySchema, history.history, 'embed=history');
    expectShape(historySummarySchema, history.historySummary, 'embed=historySummary');
    expect(history.history.failedFinishedRuns[0]).toMatchObject({ id: runId, tasks: [active.tasks[0].id] });

    // 404s in Metronome's bodies.
    const noJob = await api('GET', '/v1/jobs/nope');
    expect(noJob.status).toBe(404);
    expectShape(errorSchemas.unknownJob, noJob.body, '404 job');
    expect((await api('POST', '/v1/jobs/nope/runs')).body).toEqual({ id: 'nope', message: 'Job not found' });
    const noRun = await api('GET', `/v1/jobs/${JOB.id}/runs/nope`);
    expect(noRun.status).toBe(404);
    expectShape(errorSchemas.unknownRun, noRun.body, '404 run');
    expect(noRun.body).toEqual({ jobSpec: JOB.id, id: 'nope', message: 'Job Run not found' });
    expect((await api('POST', `/v1/jobs/${JOB.id}/runs/nope/actions/stop`)).status).toBe(404);

    const info = await api('GET', '/info');
    expectShape(infoSchema(), info.body, 'GET /info');
    expect((await api('GET', '/info?embed=tandem')).body).toMatchObject({ frameworkId: expect.any(String), elected: true });
    expect((await api('GET', '/ping')).body).toBe('pong');
    const metrics = await api('GET', '/v1/metrics');
    expectShape(metricsSchema, metrics.body, 'GET /v1/metrics');
    expect(metrics.body.gauges.tandem_jobs_jobs).toEqual({ value: 1 });
    const scraped = await fetch(`${jobs.url}/v1/metrics`, { headers: { accept: 'text/plain;version=0.0.4' } });
    expect(await scraped.text()).toMatch(/^tandem_jobs_jobs 1$/m);

    const deleted = await api('DELETE', `/v1/jobs/${JOB.id}?stopCurrentJobRuns=TRUE`);
    expect(deleted.status).toBe(200);
    expectShape(job, deleted.body, 'DELETE /v1/jobs/{id}');
    expect((await api('GET', '/v1/jobs')).body).toEqual([]);
  });

  it('metronome shapes - schedules (201, 409, 404, 200 with no body on delete), /v0/scheduled-jobs, Tandem fields only with ?embed=tandem', async () => {
    const master = await startMaster();
    const { api: call } = await startJobs(master);
    const schedule = scheduleSchema();
    // Never run: its artifact is only written back, with Metronome's defaults.
    const sched = { id: 'sched', run: { cmd: 'true', cpus: 0.1, mem: 32, artifacts: [{ uri: 'https://example.invalid/tool.tgz' }] } };
    expect((await call('POST', '/v1/jobs', sched)).status).toBe(201);

    const s = { id: 'nightly', cron: '0 3 * * *', timezone: 'Europe/Berlin' };
    const made = await call('POST', '/v1/jobs/sched/schedules', s);
    expect(made.status).toBe(201);
    expectShape(schedule, made.body, 'POST schedules');
    const dup = await call('POST', '/v1/jobs/sched/schedules', s);
    expect(dup.status).toBe(409);
    expect(dup.body).toEqual({ message: 'Can only create a non existing schedule' });
    expectShape({ type: 'array', items: schedule, minItems: 1 }, (await call('GET', '/v1/jobs/sched/schedules')).body, 'GET schedules');
    expectShape(schedule, (await call('GET', '/v1/jobs/sched/schedules/nightly')).body, 'GET schedules/{id}');
    const put = await call('PUT', '/v1/jobs/sched/schedules/nightly', { ...s, cron: '0 4 * * *' });
    expect(put.status).toBe(200);
    expectShape(schedule, put.body, 'PUT schedules/{id}');
    expect(put.body.cron).toBe('0 4 * * *');
    const noSchedule = await call('GET', '/v1/jobs/sched/schedules/nope');
    expect(noSchedule.status).toBe(404);
    expect(noSchedule.body).toEqual({ id: 'nope', message: 'Schedule not found' });
    expect((await call('PUT', '/v1/jobs/sched/schedules/nope', { ...s, id: 'nope' })).body).toEqual({ id: 'nope', message: 'Schedule not found' });
    const del = await call('DELETE', '/v1/jobs/sched/schedules/nightly');
    expect(del.status).toBe(200);
    expect(del.body).toBe('');
    expect((await call('DELETE', '/v1/jobs/sched/schedules/nightly')).body).toEqual({ id: 'nightly', message: 'Schedule not found' });

    // The legacy API: the job and its schedules in one document.
    const v0 = scheduledJobSchema();
    const legacy = { id: 'legacy', run: { cmd: 'true', cpus: 0.1, mem: 32, disk: 0 }, schedules: [{ id: 'hourly', cron: '0 * * * *' }] };
    const posted = await call('POST', '/v0/scheduled-jobs', legacy);
    expect(posted.status).toBe(201);
    expectShape(v0, posted.body, 'POST /v0/scheduled-jobs');
    expect(posted.body.schedules.map((x: { id: string }) => x.id)).toEqual(['hourly']);
    expect((await call('POST', '/v0/scheduled-jobs', legacy)).status).toBe(409);
    const replaced = await call('PUT', '/v0/scheduled-jobs/legacy', { ...legacy, schedules: [{ id: 'daily', cron: '0 0 * * *' }] });
    expect(replaced.status).toBe(200);
    expectShape(v0, replaced.body, 'PUT /v0/scheduled-jobs/{id}');
    expect(replaced.body.schedules.map((x: { id: string }) => x.id)).toEqual(['daily']);
    expectShape(v0, (await call('GET', '/v0/scheduled-jobs/legacy')).body, 'GET /v0/scheduled-jobs/{id}');
    expect((await call('GET', '/v1/jobs/legacy/schedules')).body.map((x: { id: string }) => x.id)).toEqual(['daily']);
    expect((await call('PUT', '/v0/scheduled-jobs/nope', { ...legacy, id: 'nope' })).status).toBe(404);

    // Tandem's run fields appear when a job uses them (so GET-then-PUT keeps them), and all of the stored spec with ?embed=tandem.
    expect((await call('POST', '/v1/jobs', { id: 'wide', run: { cmd: 'true', cpus: 0.1, mem: 32, parallelism: 2, completions: 4 } })).status).toBe(201);
    const wide = await call('GET', '/v1/jobs/wide');
    expect(wide.body.run).toMatchObject({ parallelism: 2, completions: 4 });
    expect((await call('PUT', '/v1/jobs/wide', wide.body)).status).toBe(200);
    expect((await call('GET', '/v1/jobs/wide?embed=tandem')).body.run).toMatchObject({ parallelism: 2, completions: 4 });
    const plain = (await call('GET', '/v1/jobs/sched')).body;
    expectShape(jobSchema(), plain, 'GET a job without Tandem fields');
    expect(plain.run.artifacts).toEqual([{ uri: 'https://example.invalid/tool.tgz', executable: false, extract: true, cache: false }]);
    const replacedJob = await call('PUT', '/v1/jobs/sched', { ...plain, description: 'replaced' });
    expect(replacedJob.status).toBe(200);
    expectShape(jobSchema(), replacedJob.body, 'PUT /v1/jobs/{id}');
    expectShape(historySchema, (await call('GET', '/v1/jobs/sched/history')).body, 'GET /v1/jobs/{id}/history');
    expect(plain.run).not.toHaveProperty('parallelism');
    expect((await call('GET', '/v1/jobs/sched?embed=tandem')).body.run).toMatchObject({ parallelism: 1, completions: 1 });
  });
});
