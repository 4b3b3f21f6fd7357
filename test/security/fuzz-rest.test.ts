import type { AppsFramework } from '@tandem/apps';
import type { Master } from '@tandem/master';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { api, privatePorts, startApps } from '../support/apps.js';
import { cleanup, startAgent, startMaster, waitFor } from '../support/cluster.js';
import { startJobs } from '../support/jobs.js';
import { bodyText, FUZZ_SEED, fuzzRuns, jsonText, mutated, nastyNumber, nastyString, Tally, TRAVERSALS } from './fuzz-support.js';
import { type FuzzRequest, fuzzSurface, type HttpReply, type Surface, segment, send } from './http-probe.js';
import { appRefusal, jobRefusal, marathonIdProblem, quotaRefusal, scheduleRefusal, weightsRefusal } from './rest-oracles.js';

// Property-based fuzzing (fast-check, fixed seed) of every REST endpoint that takes a body
// or an id: the apps API (Marathon v2), the jobs API (Metronome v1) and the master's HTTP
// API, on real servers (a master, an agent with the process containerizer, apps and jobs)
// started once for the file. Each input is held to the rules in http-probe.ts (no 5xx, a
// 2xx only where the reference validators of rest-oracles.ts allow it, a JSON message with
// every 4xx, a refusal changes nothing, no polluted prototype) and counted; the counts are
// printed and are the figures of docs/security.md. FUZZ_RUNS=N runs N inputs per surface.

const RUNS = fuzzRuns(25);
const tally = new Tally();

let master: Master;
let apps: AppsFramework;
let appsUrl: string;
let jobsUrl: string;
let masterUrl: string;
let baseTaskId: string;
let agentId: string;

// biome-ignore lint/suspicious/noExplicitAny: documents under test are any JSON
type Json = any;

const parse = (text: string | undefined): Json => {
  try {
    return text === undefined || text.trim() === '' ? undefined : JSON.parse(text);
  } catch {
    return Symbol.for('not json');
  }
};

/** Hostile ids: traversal, encodings, unicode, huge, and near misses of the real ones. */
const idArb = (real: string[]): fc.Arbitrary<string> =>
  fc.oneof(
    { weight: 3, arbitrary: nastyString.filter((s) => s.length < 1000) },
    { weight: 2, arbitrary: fc.constantFrom(...TRAVERSALS) },
    { weight: 1, arbitrary: fc.constantFrom(...real) },
  );

const VALID_APP = {
  id: '/fuzz/new',
  cmd: 'sleep 1000',
  cpus: 0.01,
  mem: 8,
  instances: 0,
  env: { A: 'b' },
  labels: { l: 'v' },
  portDefinitions: [{ port: 0, name: 'http' }],
};
const APP_FIELDS = [
  'instances',
  'cpus',
  'mem',
  'disk',
  'args',
  'container',
  'healthChecks',
  'constraints',
  'upgradeStrategy',
  'dependencies',
  'role',
  'secrets',
];
const VALID_JOB = { id: 'fuzz-new', description: 'd', labels: { a: 'b' }, run: { cmd: 'true', cpus: 0.01, mem: 32, disk: 0, env: { A: 'b' } } };
const VALID_SCHEDULE = { id: 'nightly', cron: '0 0 1 1 *', timezone: 'UTC', enabled: false, concurrencyPolicy: 'FORBID', startingDeadlineSeconds: 60 };

/** A path as the server reads it (percent-decoded; a malformed escape stays as sent). */
const decoded = (path: string): string => {
  try {
    return decodeURIComponent(path);
  } catch {
    return path;
  }
};

let serial = 0;
const fresh = (text: string, from: string, prefix: string): string => text.split(from).join(`${prefix}${++serial}`);

const appsState = async (): Promise<unknown> => {
  const r = await api(appsUrl, 'GET', '/v2/apps');
  return r.body.apps.map((a: Json) => [a.id, a.version, a.instances]);
};
const jobsState = async (): Promise<unknown> => (await send(jobsUrl, 'GET', '/v1/jobs?embed=schedules')).json;

/** Removes an app an accepted request made (forced, so a running deployment does not hold it). */
async function removeApp(id: string): Promise<void> {
  const r = await api(appsUrl, 'DELETE', `/v2/apps${id}?force=true`);
  expect([200, 404]).toContain(r.status);
  await waitFor(async () => (await api(appsUrl, 'GET', `/v2/apps${id}`)).status === 404, `app ${id} removed`, 20_000, 20);
}

/** The id of the base app's task once one runs (and has written its line). */
async function runningBaseTask(): Promise<string> {
  return waitFor(async () => {
    const tasks = (await api(appsUrl, 'GET', '/v2/apps/fuzz/base/tasks')).body.tasks as Json[];
    return tasks.length === 1 && tasks[0].state === 'TASK_RUNNING' ? (tasks[0].id as string) : undefined;
  }, 'one base task running');
}

async function restoreBase(): Promise<void> {
  const r = await api(appsUrl, 'PUT', '/v2/apps/fuzz/base?force=true', { cmd: 'sleep 1000', cpus: 0.01, mem: 8, instances: 1 });
  expect(r.status).toBeLessThan(300);
}

beforeAll(async () => {
  master = await startMaster();
  const agent = await startAgent(master, { containerizers: ['process'], resources: `cpus:2;mem:1024;disk:1024;ports:${privatePorts()}` });
  agentId = agent.agentId ?? '';
  apps = await startApps(master);
  appsUrl = apps.url;
  jobsUrl = (await startJobs(master)).jobs.url;
  masterUrl = `http://127.0.0.1:${master.httpPort}`;
  expect((await api(appsUrl, 'POST', '/v2/apps', { id: '/fuzz/base', cmd: 'echo base-out; sleep 1000', cpus: 0.01, mem: 8, instances: 1 })).status).toBe(201);
  baseTaskId = await runningBaseTask();
  expect((await send(jobsUrl, 'POST', '/v1/jobs', JSON.stringify({ id: 'fuzz-job', run: { cmd: 'true', cpus: 0.01, mem: 32 } }))).status).toBe(201);
  expect((await send(jobsUrl, 'POST', '/v1/jobs/fuzz-job/schedules', JSON.stringify(VALID_SCHEDULE))).status).toBe(201);
}, 60_000);

afterAll(async () => {
  tally.print('REST fuzzing');
  await cleanup();
});

function run<R extends FuzzRequest>(surface: Surface<R>): Promise<void> {
  return fuzzSurface(surface, tally, RUNS, FUZZ_SEED);
}

describe('fuzz - REST', { timeout: Math.max(60_000, RUNS * 3_000) }, () => {
  it('fuzz-rest - apps: POST /v2/apps and PUT /v2/apps with mutated and arbitrary bodies', async () => {
    await run({
      name: 'apps POST /v2/apps',
      base: appsUrl,
      requests: bodyText(VALID_APP, APP_FIELDS).map((text) => ({ method: 'POST', path: '/v2/apps', body: fresh(text, '/fuzz/new', '/fuzz/new') })),
      mustRefuse: (req) => appRefusal(parse(req.body)),
      state: appsState,
      async accepted(req, reply) {
        const sent = parse(req.body);
        const stored = (await api(appsUrl, 'GET', `/v2/apps${reply.json.id}`)).body.app;
        // Accepted as given: what was sent is what is stored.
        expect(stored.instances).toBe(sent.instances ?? 1);
        expect(stored.cpus).toBe(sent.cpus ?? 1);
        expect(stored.cmd ?? null).toBe(sent.cmd ?? null);
        await removeApp(reply.json.id);
      },
    });
    await run({
      name: 'apps PUT /v2/apps (array)',
      base: appsUrl,
      requests: fc
        .oneof(
          { weight: 3, arbitrary: fc.array(mutated(VALID_APP, APP_FIELDS), { minLength: 1, maxLength: 3 }).map(jsonText) },
          { weight: 1, arbitrary: bodyText(VALID_APP, APP_FIELDS) },
        )
        .map((text) => ({ method: 'PUT', path: '/v2/apps', body: fresh(text, '/fuzz/new', '/fuzz/arr') })),
      mustRefuse: (req) => {
        const doc = parse(req.body);
        if (!Array.isArray(doc)) return 'the body is not an array';
        for (const a of doc) {
          const why = appRefusal(a);
          if (why) return why;
        }
        return undefined;
      },
      state: appsState,
      async accepted(req) {
        for (const a of parse(req.body) as Json[]) await removeApp(`/${String(a.id).replace(/^\//, '').replace(/\/$/, '')}`);
      },
    });
  });

  it('fuzz-rest - apps: PUT and PATCH /v2/apps/{id} (new apps, and scaling the running one)', async () => {
    const { id: _id, ...noId } = VALID_APP;
    await run({
      name: 'apps PUT /v2/apps/{id}',
      base: appsUrl,
      requests: fc
        .record({
          id: fc.oneof({ weight: 3, arbitrary: fc.constant('fuzz/put') }, { weight: 2, arbitrary: idArb(['fuzz/put']) }),
          enc: fc.boolean(),
          body: bodyText(noId, APP_FIELDS),
        })
        .map(({ id, enc, body }) => {
          const real = id === 'fuzz/put' ? `fuzz/put${++serial}` : id;
          return { method: 'PUT', path: `/v2/apps/${id === 'fuzz/put' ? real : segment(real, enc)}`, body, id: real, enc };
        }),
      mustRefuse: (req) => {
        const pathId = decoded(req.path).slice('/v2/apps/'.length);
        const doc = parse(req.body);
        if (marathonIdProblem(pathId)) return marathonIdProblem(pathId);
        if (typeof doc !== 'object' || doc === null || Array.isArray(doc)) return 'not an object';
        // `/v2/apps//a` names `/a`: the id after the route's slash may be absolute.
        return appRefusal({ ...doc, id: pathId.startsWith('/') ? pathId : `/${pathId}` });
      },
      state: appsState,
      async accepted(req) {
        await removeApp(`/${decoded(req.path).slice('/v2/apps/'.length).replace(/^\//, '').replace(/\/$/, '')}`);
      },
    });
    // Scale: PATCH the running app's instances (and other fields) with hostile values.
    await run({
      name: 'apps PATCH /v2/apps/fuzz/base (scale)',
      base: appsUrl,
      requests: fc
        .oneof(
          { weight: 3, arbitrary: nastyNumber.map((n) => jsonText({ instances: n })) },
          { weight: 1, arbitrary: bodyText({ instances: 2, cpus: 0.01, mem: 8 }, ['cmd', 'args']) },
        )
        .map((body) => ({ method: 'PATCH', path: '/v2/apps/fuzz/base?force=true', body })),
      mustRefuse: (req) => {
        // No body is an empty change.
        const doc = parse(req.body) ?? {};
        if (typeof doc !== 'object' || doc === null || Array.isArray(doc)) return 'not an object';
        return appRefusal({ cmd: 'sleep 1000', cpus: 0.01, mem: 8, instances: 1, ...doc, id: '/fuzz/base' });
      },
      state: appsState,
      accepted: restoreBase,
    });
  });

  it('fuzz-rest - apps: groups (create, change, scaleBy), restart, task kills, deployments, queue', async () => {
    const group = { id: '/fuzz/g', apps: [{ ...VALID_APP, id: 'one' }] };
    await run({
      name: 'apps POST /v2/groups',
      base: appsUrl,
      requests: bodyText(group, ['groups', 'dependencies', 'scaleBy']).map((text) => ({
        method: 'POST',
        path: '/v2/groups',
        body: fresh(text, '/fuzz/g', '/fuzz/g'),
      })),
      mustRefuse: (req) => {
        const doc = parse(req.body) ?? {};
        if (typeof doc !== 'object' || doc === null || Array.isArray(doc)) return 'not an object';
        if (doc.id !== undefined && marathonIdProblem(doc.id)) return marathonIdProblem(doc.id);
        if (doc.scaleBy !== undefined) {
          if (typeof doc.scaleBy !== 'number' || !(doc.scaleBy >= 0) || !Number.isFinite(doc.scaleBy)) return 'scaleBy is not a number >= 0';
          if (doc.apps !== undefined || doc.groups !== undefined || doc.dependencies !== undefined) return 'scaleBy with apps, groups or dependencies';
        }
        if (doc.apps !== undefined && !Array.isArray(doc.apps)) return 'apps is not an array';
        for (const a of doc.apps ?? []) {
          const id = typeof a?.id === 'string' && !a.id.startsWith('/') ? `${doc.id ?? ''}/${a.id}` : a?.id;
          const why = appRefusal({ ...a, id });
          if (why) return why;
        }
        return undefined;
      },
      state: appsState,
      async accepted(req) {
        const doc = parse(req.body) ?? {};
        const id = typeof doc.id === 'string' ? doc.id : '/';
        // A group change never takes apps it does not name with it.
        expect((await api(appsUrl, 'GET', '/v2/apps/fuzz/base')).status).toBe(200);
        for (const a of doc.apps ?? []) await removeApp(typeof a.id === 'string' && a.id.startsWith('/') ? a.id : `${id.replace(/\/$/, '')}/${a.id}`);
        if (id !== '/') await api(appsUrl, 'DELETE', `/v2/groups${id}?force=true`);
      },
    });
    await run({
      name: 'apps PUT /v2/groups/fuzz (scaleBy)',
      base: appsUrl,
      requests: nastyNumber.map((n) => ({ method: 'PUT', path: '/v2/groups/fuzz?force=true', body: jsonText({ scaleBy: n }) })),
      mustRefuse: (req) => {
        const scaleBy = parse(req.body).scaleBy;
        if (typeof scaleBy !== 'number' || !Number.isFinite(scaleBy) || scaleBy < 0) return `scaleBy ${String(scaleBy)} is not a finite number >= 0`;
        const instances = Math.round(1 * scaleBy);
        if (instances > 50_000) return `scaleBy ${scaleBy} makes ${instances} instances, over 50000`;
        return undefined;
      },
      state: appsState,
      accepted: restoreBase,
    });
    await run({
      name: 'apps POST /v2/apps/{id}/restart',
      base: appsUrl,
      requests: fc
        .record({ id: idArb(['fuzz/base']), enc: fc.boolean() })
        .map(({ id, enc }) => ({ method: 'POST', path: `/v2/apps/${segment(id, enc)}/restart?force=true` })),
      // `fuzz%2Fbase` is the same app, its slash encoded.
      mustRefuse: (req) => (decoded(req.path).startsWith('/v2/apps/fuzz/base/restart') ? undefined : 'no such app'),
      state: appsState,
    });
    baseTaskId = await runningBaseTask();
    await run({
      name: 'apps DELETE /v2/apps/{id}/tasks/{task}, POST /v2/tasks/delete',
      base: appsUrl,
      requests: fc.oneof(
        fc
          .record({ app: idArb(['fuzz/base']), task: idArb(['nope']), enc: fc.boolean() })
          .map(({ app, task, enc }): FuzzRequest => ({ method: 'DELETE', path: `/v2/apps/${segment(app, enc)}/tasks/${segment(task, true)}` })),
        bodyText({ ids: ['fuzz_base.x.1', 'nope'] }).map((body): FuzzRequest => ({ method: 'POST', path: '/v2/tasks/delete', body })),
      ),
      mustRefuse: (req) => {
        if (req.method === 'DELETE') return 'no such task';
        const ids = parse(req.body)?.ids;
        return Array.isArray(ids) && ids.every((x) => typeof x === 'string') ? undefined : 'ids is not an array of strings';
      },
      state: appsState,
      // Unknown task ids are skipped: nothing is killed.
      async accepted(_req, reply) {
        expect(reply.json.tasks).toEqual([]);
      },
    });
    await run({
      name: 'apps DELETE /v2/deployments/{id}, /v2/queue/{id}/delay',
      base: appsUrl,
      requests: fc
        .record({ id: idArb(['nope']), enc: fc.boolean(), queue: fc.boolean() })
        .map(({ id, enc, queue }) => ({ method: 'DELETE', path: queue ? `/v2/queue/${segment(id, enc)}/delay` : `/v2/deployments/${segment(id, enc)}` })),
      mustRefuse: () => 'no such deployment or app',
      state: appsState,
    });
  });

  it('fuzz-rest - jobs: POST and PUT /v1/jobs, runs, run stops, schedules', async () => {
    await run({
      name: 'jobs POST /v1/jobs',
      base: jobsUrl,
      requests: bodyText(VALID_JOB, ['schedules', 'dependencies', 'secrets']).map((text) => ({
        method: 'POST',
        path: '/v1/jobs',
        body: fresh(text, 'fuzz-new', 'fuzz-new'),
      })),
      mustRefuse: (req) => jobRefusal(parse(req.body)),
      state: jobsState,
      async accepted(req, reply) {
        expect(reply.json.run.cpus).toBe(parse(req.body).run.cpus ?? 1);
        expect((await send(jobsUrl, 'DELETE', `/v1/jobs/${reply.json.id}`)).status).toBe(200);
      },
    });
    await run({
      name: 'jobs PUT /v1/jobs/{id}',
      base: jobsUrl,
      requests: fc
        .record({
          id: fc.oneof({ weight: 3, arbitrary: fc.constant('fuzz-job') }, { weight: 1, arbitrary: idArb(['fuzz-job']) }),
          body: bodyText({ ...VALID_JOB, id: 'fuzz-job' }),
        })
        .map(({ id, body }) => ({ method: 'PUT', path: `/v1/jobs/${segment(id, true)}`, body })),
      mustRefuse: (req) => {
        const doc = parse(req.body);
        if (req.path !== '/v1/jobs/fuzz-job') return 'no such job';
        return jobRefusal(doc) ?? (doc.id !== 'fuzz-job' ? 'the body names another job' : undefined);
      },
      state: jobsState,
      async accepted() {
        expect((await send(jobsUrl, 'PUT', '/v1/jobs/fuzz-job', JSON.stringify({ id: 'fuzz-job', run: { cmd: 'true', cpus: 0.01, mem: 32 } }))).status).toBe(
          200,
        );
      },
    });
    await run({
      name: 'jobs POST runs, POST runs/{id}/actions/stop',
      base: jobsUrl,
      requests: fc
        .record({ job: idArb(['fuzz-job']), runId: idArb(['nope']), stop: fc.boolean(), enc: fc.boolean() })
        .filter(({ job, stop }) => stop || job !== 'fuzz-job')
        .map(({ job, runId, stop, enc }) => ({
          method: 'POST',
          path: stop ? `/v1/jobs/${segment(job, enc)}/runs/${segment(runId, enc)}/actions/stop` : `/v1/jobs/${segment(job, enc)}/runs`,
        })),
      mustRefuse: () => 'no such job or run',
      state: jobsState,
    });
    await run({
      name: 'jobs POST/PUT schedules',
      base: jobsUrl,
      requests: fc
        .record({ put: fc.boolean(), body: bodyText(VALID_SCHEDULE) })
        .map(({ put, body }) =>
          put
            ? { method: 'PUT', path: '/v1/jobs/fuzz-job/schedules/nightly', body }
            : { method: 'POST', path: '/v1/jobs/fuzz-job/schedules', body: fresh(body, 'nightly', 'sched') },
        ),
      mustRefuse: (req) => {
        const doc = parse(req.body);
        const why = scheduleRefusal(doc);
        if (why) return why;
        if (req.method === 'PUT' && doc.id !== 'nightly') return 'the body names another schedule';
        return undefined;
      },
      state: jobsState,
      async accepted(req, reply) {
        if (req.method === 'POST') expect((await send(jobsUrl, 'DELETE', `/v1/jobs/fuzz-job/schedules/${reply.json.id}`)).status).toBe(200);
        else expect((await send(jobsUrl, 'PUT', '/v1/jobs/fuzz-job/schedules/nightly', JSON.stringify(VALID_SCHEDULE))).status).toBe(200);
      },
    });
  });

  it('fuzz-rest - master: weights, quota, agents gone, drains, kills, teardowns, the maintenance schedule, task log reads', async () => {
    const roles = async (): Promise<unknown> => [(await send(masterUrl, 'GET', '/api/v1/weights')).json, (await send(masterUrl, 'GET', '/api/v1/quota')).json];
    await run({
      name: 'master PUT /api/v1/weights',
      base: masterUrl,
      health: '/health',
      requests: bodyText({ weights: [{ role: 'fuzz', weight: 2 }] }).map((body) => ({ method: 'PUT', path: '/api/v1/weights', body })),
      mustRefuse: (req) => weightsRefusal(parse(req.body)),
      state: roles,
      async accepted(req) {
        const reset = (parse(req.body).weights as Json[]).map((w) => ({ role: w.role, weight: 1 }));
        expect((await send(masterUrl, 'PUT', '/api/v1/weights', JSON.stringify({ weights: reset }))).status).toBe(200);
      },
    });
    await run({
      name: 'master PUT /api/v1/quota',
      base: masterUrl,
      health: '/health',
      requests: bodyText({ quotas: [{ role: 'fuzz', guarantee: { cpus: 0.5 }, limit: { cpus: 1, mem: 64 } }], force: true }).map((body) => ({
        method: 'PUT',
        path: '/api/v1/quota',
        body,
      })),
      mustRefuse: (req) => quotaRefusal(parse(req.body)),
      state: roles,
      async accepted(req) {
        const reset = (parse(req.body).quotas as Json[]).map((q) => ({ role: q.role, guarantee: {}, limit: {} }));
        expect((await send(masterUrl, 'PUT', '/api/v1/quota', JSON.stringify({ quotas: reset, force: true }))).status).toBe(200);
      },
    });
    await run({
      name: 'master POST /api/v1/agents/{id}/gone',
      base: masterUrl,
      health: '/health',
      requests: fc
        .record({ id: idArb(['agent-nope']), enc: fc.boolean() })
        .map(({ id, enc }) => ({ method: 'POST', path: `/api/v1/agents/${segment(id, enc)}/gone` })),
      mustRefuse: () => 'no such agent',
      state: async () => (await send(masterUrl, 'GET', '/api/v1/state')).json.agents.map((a: Json) => [a.id ?? a.info?.id, a.status]),
    });
    // The operator's drain, kill, teardown and maintenance routes (issue #14): ids the master does not hold and hostile bodies.
    const masterState = async (): Promise<unknown> => {
      const state = (await send(masterUrl, 'GET', '/api/v1/state')).json;
      return [
        state.agents.map((a: Json) => [a.id, a.status, a.drain]),
        state.tasks.map((t: Json) => [t.id, t.state]),
        state.frameworks.map((f: Json) => f.id),
        (await send(masterUrl, 'GET', '/api/v1/maintenance/schedule')).json,
      ];
    };
    await run({
      name: 'master POST /api/v1/agents/{id}/drain',
      base: masterUrl,
      health: '/health',
      requests: fc
        .record({ id: idArb(['agent-nope']), enc: fc.boolean(), body: fc.option(bodyText({ gracePeriodSeconds: 1, markGone: false }), { nil: undefined }) })
        .map(({ id, enc, body }) => ({ method: 'POST', path: `/api/v1/agents/${segment(id, enc)}/drain`, ...(body === undefined ? {} : { body }) })),
      mustRefuse: () => 'no such agent',
      state: masterState,
    });
    await run({
      name: 'master POST /api/v1/tasks/{id}/kill',
      base: masterUrl,
      health: '/health',
      requests: fc
        .record({ id: idArb(['task-nope']), enc: fc.boolean(), body: fc.option(bodyText({ gracePeriodSeconds: 1 }), { nil: undefined }) })
        .map(({ id, enc, body }) => ({ method: 'POST', path: `/api/v1/tasks/${segment(id, enc)}/kill`, ...(body === undefined ? {} : { body }) })),
      mustRefuse: () => 'no such task',
      state: masterState,
    });
    await run({
      name: 'master POST /api/v1/frameworks/{id}/teardown',
      base: masterUrl,
      health: '/health',
      requests: fc
        .record({ id: idArb(['framework-nope']), enc: fc.boolean() })
        .map(({ id, enc }) => ({ method: 'POST', path: `/api/v1/frameworks/${segment(id, enc)}/teardown` })),
      mustRefuse: () => 'no such framework',
      state: masterState,
    });
    await run({
      name: 'master PUT /api/v1/maintenance/schedule',
      base: masterUrl,
      health: '/health',
      requests: bodyText({ windows: [{ agentIds: ['agent-nope'], start: 2e9, durationSeconds: 60 }] }, ['windows']).map((body) => ({
        method: 'PUT',
        path: '/api/v1/maintenance/schedule',
        body,
      })),
      // Only an empty schedule may be set: every agent named here is unknown to the master.
      mustRefuse: (req) => {
        const doc = parse(req.body);
        const empty = doc && typeof doc === 'object' && Array.isArray(doc.windows) && doc.windows.length === 0 && Object.keys(doc).length === 1;
        return empty ? undefined : 'it names no admitted agent, or is not a schedule';
      },
      state: masterState,
    });
    expect(agentId).not.toBe('');
    await run({
      name: 'master GET /api/v1/tasks/{id}/logs',
      base: masterUrl,
      health: '/health',
      requests: fc
        .record({
          task: fc.oneof(idArb([baseTaskId]), fc.constant(baseTaskId)),
          name: fc.option(fc.oneof(fc.constantFrom('stdout', 'stderr'), idArb(['stdout'])), { nil: undefined }),
          offset: fc.option(fc.oneof(fc.constantFrom('0', '-4', '3', '1000000'), nastyString, nastyNumber.map(String)), { nil: undefined, freq: 2 }),
          length: fc.option(fc.oneof(fc.constantFrom('1', '4', '65536'), nastyString, nastyNumber.map(String)), { nil: undefined, freq: 2 }),
          enc: fc.boolean(),
        })
        .map(({ task, name, offset, length, enc }) => {
          const q = new URLSearchParams();
          if (name !== undefined) q.set('name', name);
          if (offset !== undefined) q.set('offset', offset.slice(0, 100));
          if (length !== undefined) q.set('length', length.slice(0, 100));
          return { method: 'GET', path: `/api/v1/tasks/${segment(task, enc)}/logs?${q}`, task, name, offset, length };
        }),
      mustRefuse: (req) => {
        if (req.task !== baseTaskId) return 'no such task';
        if (req.name !== undefined && req.name !== 'stdout' && req.name !== 'stderr')
          return `name ${JSON.stringify(req.name.slice(0, 40))} is not stdout or stderr`;
        const offset = Number(req.offset?.slice(0, 100) ?? 0);
        const length = Number(req.length?.slice(0, 100) ?? 1);
        if (!Number.isSafeInteger(offset)) return `offset ${req.offset} is not an integer`;
        if (!Number.isSafeInteger(length) || length <= 0) return `length ${req.length} is not a positive integer`;
        return undefined;
      },
      state: async () => null,
      check: (_req, reply: HttpReply) => {
        // Only the task's own output ever comes back.
        if (/root:.*:0:0:|"agentId"|TANDEM-STORE|BEGIN .*PRIVATE KEY/.test(reply.text)) return `a file outside the sandbox: ${reply.text.slice(0, 200)}`;
        // (its stdout line, or the shell's "Terminated" on stderr once a scale or restart has killed it)
        if (reply.status === 200 && !'base-out\n'.includes(reply.text) && !'Terminated\n'.includes(reply.text)) {
          return `not the task's output: ${JSON.stringify(reply.text.slice(0, 100))}`;
        }
        return undefined;
      },
    });
  });

  // What the fuzzer found, kept as plain cases.
  it('fuzz-rest - found: a "__proto__" key (labels, env, anywhere) is a 422 naming it, not accepted and dropped', async () => {
    const polluted = '{"polluted":"yes","isAdmin":true}';
    const group = `{"id":"/fuzz/found","apps":[{"id":"one","cmd":"sleep 1000","cpus":0.01,"mem":8,"instances":0,"labels":{"l":"v","__proto__":${polluted}}}]}`;
    const cases: [string, string, string, string][] = [
      [appsUrl, '/v2/groups', group, '/apps/0/labels/__proto__'],
      [appsUrl, '/v2/apps', `{"id":"/fuzz/found","cmd":"true","instances":0,"env":{"__proto__":${polluted}}}`, '/env/__proto__'],
      [appsUrl, '/v2/apps', `{"id":"/fuzz/found","cmd":"true","instances":0,"constructor":{"prototype":${polluted}}}`, '/constructor'],
      [jobsUrl, '/v1/jobs', `{"id":"found","run":{"cmd":"true","env":{"__proto__":${polluted}}}}`, '/run/env/__proto__'],
    ];
    for (const [base, path, body, field] of cases) {
      const r = await send(base, 'POST', path, body);
      expect(r.status, body).toBe(422);
      expect(r.json.details.map((d: Json) => d.path)).toEqual([field]);
      expect(r.json.details[0].errors[0]).toMatch(/not allowed as a key/);
    }
    expect((await api(appsUrl, 'GET', '/v2/apps/fuzz/found')).status).toBe(404);
    expect((await api(appsUrl, 'GET', '/v2/apps/fuzz/found/one')).status).toBe(404);
    expect((await send(jobsUrl, 'GET', '/v1/jobs/found')).status).toBe(404);
  });

  it('fuzz-rest - found: a group scaleBy below 0, not a number, or past maxInstances is a 422 on /scaleBy; the apps keep their instances', async () => {
    const withApps = '0, "apps": [{"id": "one", "cmd": "true", "portDefinitions": [1e999]}]';
    for (const raw of ['-1', '1e308', '1e999', '"2"', 'null', withApps]) {
      const r = await send(appsUrl, 'PUT', '/v2/groups/fuzz?force=true', `{"scaleBy": ${raw}}`);
      expect(r.status, raw).toBe(422);
      expect(r.json.details[0].path).toBe('/scaleBy');
    }
    expect((await api(appsUrl, 'GET', '/v2/apps/fuzz/base')).body.app.instances).toBe(1);
    expect((await api(appsUrl, 'GET', '/v2/apps/fuzz/one')).status).toBe(404);
  });

  it('fuzz-rest - the figures: every surface tried, none accepted wrongly, no crash, every server still answers', async () => {
    const total = tally.total();
    expect(tally.all().length).toBeGreaterThanOrEqual(14);
    expect(total.tried).toBeGreaterThanOrEqual(14 * RUNS);
    expect(total.acceptedWrongly).toBe(0);
    expect(total.crashes).toBe(0);
    expect(tally.problems).toEqual([]);
    for (const [url, path] of [
      [appsUrl, '/ping'],
      [jobsUrl, '/ping'],
      [masterUrl, '/health'],
    ] as const) {
      expect((await send(url, 'GET', path)).status).toBe(200);
    }
  });
});
