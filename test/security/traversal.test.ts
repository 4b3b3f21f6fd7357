import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import * as grpc from '@grpc/grpc-js';
import { type Agent, startAgentHttp } from '@tandem/agent';
import { SchedulerDriver, taskInfo } from '@tandem/framework-sdk';
import type { Master } from '@tandem/master';
import { operatorClient } from '@tandem/protocol';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { privatePorts, startApps } from '../support/apps.js';
import { cleanup, recorder, startAgent, startDriver, startMaster, tempDir, track, waitFor } from '../support/cluster.js';
import { startJobs } from '../support/jobs.js';
import { FUZZ_SEED, fuzzRuns, TRAVERSALS } from './fuzz-support.js';
import { segment, send } from './http-probe.js';

// Path traversal in ids and log reads: task, app, job and framework ids and sandbox file
// names with `../`, `%2e%2e`, absolute paths and NUL bytes, against the master's log
// reads (HTTP and gRPC), the agent's sandbox files and HTTP API, and the apps and jobs
// APIs. Nothing outside a task's sandbox is ever read, no file is made outside the agent's
// work dir, and each refusal is a clear error. A task that turns its own stdout into a
// symlink to /etc/passwd gets a refusal, not the file.

let master: Master;
let agent: Agent;
let agentWorkDir: string;
let agentUrl: string;
let masterUrl: string;
let driver: SchedulerDriver;
let rec: ReturnType<typeof recorder>;

/** What must never come back: the files an attacker aims at. */
const LEAK = /root:.*:0:0:|"agentId"|TANDEM-STORE|PRIVATE KEY/;

const NAMES = [
  ...TRAVERSALS,
  '../stdout',
  'stdout/../stderr',
  './stdout',
  'stdout\u0000',
  'STDOUT',
  '../../meta/agent.json',
  '../../../meta/frameworks',
  '%2e%2e%2fstdout',
  '/proc/self/cwd/stdout',
];

beforeAll(async () => {
  master = await startMaster();
  masterUrl = `http://127.0.0.1:${master.httpPort}`;
  agentWorkDir = join(tempDir(), 'agent');
  agent = await startAgent(master, { workDir: agentWorkDir, containerizers: ['process'], resources: `cpus:2;mem:1024;disk:1024;ports:${privatePorts()}` });
  const http = await startAgentHttp(agent, '127.0.0.1', 0);
  track(() => http.close());
  agentUrl = `http://127.0.0.1:${http.port}`;
  driver = await startDriver(master, { name: 'traversal' });
  rec = recorder(driver);
}, 60_000);

afterAll(cleanup);

async function launch(id: string, command: string): Promise<void> {
  const offer = await waitFor(() => rec.offers.shift(), 'an offer');
  await driver.launch(offer, [taskInfo({ id, cpus: 0.01, mem: 8, command }, offer)], { refuseSeconds: 0 });
}

describe('path traversal', () => {
  it('traversal - log reads (HTTP and Operator.ReadTaskLog) with traversal names and task ids read nothing outside the sandbox', async () => {
    await launch('reader', 'echo reader-output; sleep 600');
    await waitFor(async () => (await send(masterUrl, 'GET', '/api/v1/tasks/reader/logs')).text.includes('reader-output'), 'the task output readable');

    for (const name of NAMES) {
      for (const enc of [true, false]) {
        const r = await send(masterUrl, 'GET', `/api/v1/tasks/reader/logs?name=${segment(name, enc)}`);
        expect(r.status, name).toBe(400);
        expect(r.json.message, name).toMatch(/name: must be "stdout" or "stderr"/);
        expect(r.json.field).toBe('name');
      }
    }
    const ops = operatorClient(master.address);
    track(() => ops.close());
    for (const name of NAMES) {
      const err = await new Promise<grpc.ServiceError | null>((resolve) =>
        ops.ReadTaskLog({ taskId: 'reader', name, offset: 0, length: 100 }, (e) => resolve(e)),
      );
      expect(err?.code, name).toBe(grpc.status.INVALID_ARGUMENT);
      expect(err?.details).toMatch(/name/);
    }
    // Task ids with traversal: no such task (nothing is looked up by path on the master).
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(...TRAVERSALS, '../reader', 'reader/../reader', 'reader%00', '%2e%2e%2freader'), fc.boolean(), async (id, enc) => {
        const r = await send(masterUrl, 'GET', `/api/v1/tasks/${segment(id, enc)}/logs`);
        expect(LEAK.test(r.text)).toBe(false);
        expect(r.status === 404 || r.status === 400, `${id} -> ${r.status} ${r.text.slice(0, 100)}`).toBe(true);
        expect(typeof r.json?.message).toBe('string');
      }),
      { seed: FUZZ_SEED, numRuns: fuzzRuns(30) },
    );
  });

  it('traversal - a task that makes its stdout a symlink to /etc/passwd (or to the agent id file) gets a refusal from the log read, not the file', async () => {
    await launch('linker', `echo before; rm -f stdout stderr; ln -s /etc/passwd stdout; ln -s ${join(agentWorkDir, 'meta', 'agent.json')} stderr; sleep 600`);
    const sandbox = await waitFor(() => {
      const dir = join(agentWorkDir, 'sandboxes');
      if (!existsSync(dir)) return undefined;
      for (const fw of readdirSync(dir)) if (existsSync(join(dir, fw, 'linker', 'stdout'))) return join(dir, fw, 'linker');
      return undefined;
    }, 'the task sandbox');
    await waitFor(async () => (await send(masterUrl, 'GET', '/api/v1/tasks/linker/logs')).status === 404, 'the stdout symlink in place');
    for (const name of ['stdout', 'stderr']) {
      const r = await send(masterUrl, 'GET', `/api/v1/tasks/linker/logs?name=${name}`);
      expect(r.status).toBe(404);
      expect(r.json.message).toMatch(/symlink; refusing to follow it/);
      expect(LEAK.test(r.text)).toBe(false);
    }
    expect(existsSync(sandbox)).toBe(true);
  });

  it('traversal - task and framework ids with traversal are refused before any path is made; nothing appears outside the agent work dir', async () => {
    const parent = join(agentWorkDir, '..');
    const before = readdirSync(parent).sort();
    const offer = await waitFor(() => rec.offers.shift(), 'an offer');
    const ids = ['../../escape', '..', '/tmp/escape', 'a/../../escape', 'x\u0000y', '%2e%2e'];
    const tasks = ids.map((id) => ({ ...taskInfo({ id: 'placeholder', cpus: 0.01, mem: 8, command: 'true' }, offer), taskId: id }));
    const res = await driver.launch(offer, tasks, { refuseSeconds: 0 });
    expect(res.launched).toBe(0);
    const errors = await waitFor(() => {
      const e = rec.updates.filter((u) => ids.includes(u.taskId) && u.state === 'TASK_ERROR');
      return e.length === ids.length ? e : undefined;
    }, 'TASK_ERROR for each id');
    for (const e of errors) expect(e.message).toMatch(/task_id|must be 1-200/);
    expect(readdirSync(parent).sort()).toEqual(before);
    expect(existsSync('/tmp/escape')).toBe(false);
    // A framework id with traversal is refused at subscription (and names no file).
    for (const id of ['../../meta', '..', '/etc']) {
      const stranger = new SchedulerDriver({ master: master.address, framework: { name: 'x', id } });
      track(() => stranger.stop());
      await expect(stranger.start(), id).rejects.toMatchObject({ code: expect.stringMatching(/NOT_FOUND|INVALID_ARGUMENT/) });
    }
    expect(readdirSync(parent).sort()).toEqual(before);
  });

  it("traversal - the agent's HTTP API, and the apps and jobs APIs, answer traversal paths with 404 and JSON, never a file", async () => {
    const apps = await startApps(master);
    const { jobs } = await startJobs(master);
    const targets: [string, string[]][] = [
      [
        agentUrl,
        ['/api/v1/state/../../etc/passwd', '/api/v1/%2e%2e/%2e%2e/etc/passwd', '/../../../../etc/passwd', '/health/..%2f..%2fmeta%2fagent.json', '/%00'],
      ],
      [
        apps.url,
        [
          '/v2/apps/../../etc/passwd',
          '/v2/apps/%2e%2e%2f%2e%2e%2fetc%2fpasswd',
          '/v2/apps//etc/passwd',
          '/v2/groups/../..',
          '/v2/apps/a%00b',
          '/v2/apps/..%5c..%5cwindows',
        ],
      ],
      [jobs.url, ['/v1/jobs/../../etc/passwd', '/v1/jobs/%2e%2e%2f%2e%2e', '/v1/jobs/a%00b', '/v1/jobs/..%2f..%2fstore/runs']],
    ];
    for (const [base, paths] of targets) {
      for (const path of paths) {
        const r = await send(base, 'GET', path);
        expect(LEAK.test(r.text), `${base}${path}`).toBe(false);
        expect([400, 401, 404], `${base}${path} -> ${r.status} ${r.text.slice(0, 100)}`).toContain(r.status);
      }
    }
    // Ids with traversal are refused by name, and nothing is created.
    for (const id of ['../x', '/a/../../b', 'a/%2e%2e/b', '..']) {
      const r = await send(apps.url, 'POST', '/v2/apps', JSON.stringify({ id, cmd: 'true', instances: 0 }));
      expect(r.status, id).toBe(422);
      expect(r.json.details[0].path).toBe('/id');
    }
    for (const id of ['../x', 'a/b', '..', 'a..b']) {
      const r = await send(jobs.url, 'POST', '/v1/jobs', JSON.stringify({ id, run: { cmd: 'true' } }));
      expect(r.status, id).toBe(422);
      expect(r.json.details[0].path).toBe('/id');
    }
    expect((await send(apps.url, 'GET', '/v2/apps')).json.apps).toEqual([]);
    expect((await send(jobs.url, 'GET', '/v1/jobs')).json).toEqual([]);
  });
});
