import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { main } from '@tandem/cli';
import { basicAuthorization, HttpAuth, parseAcls } from '@tandem/protocol';
import { afterEach, describe, expect, it } from 'vitest';
import { startApps } from './support/apps.js';
import { cleanup, startMaster, tempDir } from './support/cluster.js';
import { startJobs } from './support/jobs.js';
import { request } from './support/pki.js';

// ACLs on the apps and jobs REST APIs (issue #11, item 3-4, "done means": apps and jobs
// with basic auth: a request without credentials is 401, a principal outside its groups
// 403, nothing changes). Real frameworks on a real master, real HTTP.

afterEach(cleanup);

const users = (): HttpAuth =>
  new HttpAuth({
    basic: [
      { user: 'alice', password: 'a-pw' },
      { user: 'bob', password: 'b-pw' },
      { user: 'ops', password: 'o-pw' },
      { user: 'carol', password: 'c-pw' },
    ],
  });
const as = (user: string): string => basicAuthorization(`${user}:${user[0]}-pw`);

const ACLS = parseAcls(
  JSON.stringify({
    permissive: false,
    deploy_apps: [
      { principals: { values: ['alice'] }, groups: { values: ['/team-a'] } },
      { principals: { values: ['bob'] }, groups: { type: 'NONE' } },
      { principals: { values: ['ops'] }, groups: { type: 'ANY' } },
    ],
    run_jobs: [
      { principals: { values: ['alice'] }, jobs: { values: ['team-a.*'] } },
      { principals: { values: ['ops'] }, jobs: { type: 'ANY' } },
    ],
    view: [{ principals: { values: ['alice', 'bob', 'ops'] }, framework_principals: { type: 'ANY' } }],
  }),
  'test acls',
);

const app = (id: string, instances = 0) => ({ id, cmd: 'sleep 100', cpus: 0.1, mem: 16, instances });

describe('http acls', () => {
  it('http acls - apps: no credentials 401, a principal outside its groups 403 naming the rule, nothing changes; inside them it deploys', async () => {
    const master = await startMaster();
    const fw = await startApps(master, { httpAuth: users(), acls: ACLS });
    const base = fw.url;
    const ids = async (): Promise<string[]> =>
      (await request(base, 'GET', '/v2/apps', { authorization: as('ops') })).body.apps.map((a: { id: string }) => a.id);
    const instances = async (id: string): Promise<number> => (await request(base, 'GET', `/v2/apps${id}`, { authorization: as('ops') })).body.app.instances;

    // Someone allowed everywhere deploys in team-b.
    expect((await request(base, 'POST', '/v2/apps', { authorization: as('ops'), body: app('/team-b/db') })).status).toBe(201);
    expect(await ids()).toEqual(['/team-b/db']);

    // Without credentials: 401, nothing created.
    expect((await request(base, 'POST', '/v2/apps', { body: app('/team-a/web') })).status).toBe(401);
    // alice outside her groups: 403 naming the rule that did not give it to her (no rule applies: the default).
    const outside = await request(base, 'POST', '/v2/apps', { authorization: as('alice'), body: app('/team-b/web') });
    expect(outside.status).toBe(403);
    expect(outside.body.message).toMatch(/principal "alice" may not deploy_apps on groups "\/team-b\/web".*permissive: false/);
    // A group next to hers by name is not under it.
    expect((await request(base, 'POST', '/v2/apps', { authorization: as('alice'), body: app('/team-ab/web') })).status).toBe(403);
    // bob's rule gives him NONE: the 403 names it.
    const none = await request(base, 'POST', '/v2/apps', { authorization: as('bob'), body: app('/team-b/web') });
    expect(none.status).toBe(403);
    expect(none.body.message).toMatch(/rule deploy_apps\[1\] gives it groups NONE/);
    // Changing, scaling, restarting, deleting what is not hers; a group document, a bulk PUT and a group delete reaching into team-b.
    const denied = [
      await request(base, 'PUT', '/v2/apps/team-b/db', { authorization: as('alice'), body: app('/team-b/db', 3) }),
      await request(base, 'PATCH', '/v2/apps/team-b/db', { authorization: as('alice'), body: { instances: 2 } }),
      await request(base, 'POST', '/v2/apps/team-b/db/restart', { authorization: as('alice') }),
      await request(base, 'DELETE', '/v2/apps/team-b/db', { authorization: as('alice') }),
      await request(base, 'PUT', '/v2/apps', { authorization: as('alice'), body: [app('/team-a/ok'), app('/team-b/db', 5)] }),
      await request(base, 'PUT', '/v2/groups/team-b', { authorization: as('alice'), body: { scaleBy: 2 } }),
      await request(base, 'POST', '/v2/groups', { authorization: as('alice'), body: { id: '/team-b/sub', apps: [app('/team-b/sub/x')] } }),
      await request(base, 'DELETE', '/v2/groups/team-b', { authorization: as('alice') }),
      await request(base, 'POST', '/v2/tasks/delete', { authorization: as('alice'), body: { ids: ['team-b_db.instance-0a1b.1'] } }),
    ];
    expect(denied.map((r) => r.status)).toEqual(denied.map(() => 403));
    // Nothing changed: the same apps, the same instance count, no deployment.
    expect(await ids()).toEqual(['/team-b/db']);
    expect(await instances('/team-b/db')).toBe(0);
    expect((await request(base, 'GET', '/v2/deployments', { authorization: as('ops') })).body).toEqual([]);

    // Under her group she deploys, scales and deletes, by app and by group.
    expect((await request(base, 'POST', '/v2/apps', { authorization: as('alice'), body: app('/team-a/web') })).status).toBe(201);
    expect(
      (await request(base, 'PATCH', '/v2/apps/team-a/web?force=true', { authorization: as('alice'), body: { instances: 0, cmd: 'sleep 200' } })).status,
    ).toBe(200);
    expect(
      (await request(base, 'POST', '/v2/groups', { authorization: as('alice'), body: { id: '/team-a/jobs', apps: [app('/team-a/jobs/x')] } })).status,
    ).toBe(201);
    expect(await ids()).toEqual(['/team-a/jobs/x', '/team-a/web', '/team-b/db']);
    expect((await request(base, 'DELETE', '/v2/apps/team-a/web?force=true', { authorization: as('alice') })).status).toBe(200);
    expect(await ids()).toEqual(['/team-a/jobs/x', '/team-b/db']);

    // Reads need view: carol authenticates but no view rule names her.
    const read = await request(base, 'GET', '/v2/apps', { authorization: as('carol') });
    expect(read.status).toBe(403);
    expect(read.body.message).toMatch(/view/);
    expect((await request(base, 'GET', '/v2/apps', { authorization: as('bob') })).status).toBe(200);
    expect((await request(base, 'GET', '/ping')).status).toBe(200);
  });

  it('http acls - jobs: no credentials 401, a job outside the principal run_jobs 403 naming the rule, nothing changes; its own jobs run', async () => {
    const master = await startMaster();
    const { jobs, store } = await startJobs(master, { httpAuth: users(), acls: ACLS });
    const base = jobs.url;
    const job = (id: string) => ({ id, run: { cmd: 'true', cpus: 0.1, mem: 32 } });
    const records = async (): Promise<string> => JSON.stringify((await store.list('')).filter((r) => r.key !== 'jobs-framework/id'));

    expect((await request(base, 'POST', '/v1/jobs', { authorization: as('ops'), body: job('team-b.nightly') })).status).toBe(201);
    const before = await records();
    expect((await request(base, 'POST', '/v1/jobs', { body: job('team-a.x') })).status).toBe(401);
    const outside = await request(base, 'POST', '/v1/jobs', { authorization: as('alice'), body: job('team-b.x') });
    expect(outside.status).toBe(403);
    expect(outside.body.message).toMatch(/principal "alice" may not run_jobs on jobs "team-b.x"/);
    const denied = [
      await request(base, 'PUT', '/v1/jobs/team-b.nightly', { authorization: as('alice'), body: job('team-b.nightly') }),
      await request(base, 'POST', '/v1/jobs/team-b.nightly/runs', { authorization: as('alice') }),
      await request(base, 'POST', '/v1/jobs/team-b.nightly/schedules', { authorization: as('alice'), body: { id: 's', cron: '* * * * *' } }),
      await request(base, 'DELETE', '/v1/jobs/team-b.nightly', { authorization: as('alice') }),
      await request(base, 'POST', '/v1/jobs', { authorization: as('bob'), body: job('team-a.x') }),
    ];
    expect(denied.map((r) => r.status)).toEqual(denied.map(() => 403));
    // Not one store write: no job, run or schedule.
    expect(await records()).toBe(before);
    expect((await request(base, 'GET', '/v1/jobs/team-b.nightly/runs', { authorization: as('ops') })).body).toEqual([]);

    expect((await request(base, 'POST', '/v1/jobs', { authorization: as('alice'), body: job('team-a.build') })).status).toBe(201);
    expect((await request(base, 'POST', '/v1/jobs/team-a.build/runs', { authorization: as('alice') })).status).toBe(201);
    const all = await request(base, 'GET', '/v1/jobs', { authorization: as('alice') });
    expect(all.body.map((j: { id: string }) => j.id).sort()).toEqual(['team-a.build', 'team-b.nightly']);
    expect((await request(base, 'GET', '/v1/jobs', { authorization: as('carol') })).status).toBe(403);
  });

  it('http acls - tandem apps serve / jobs serve --acls: a bad file stops the start naming the flag, the file and the field', async () => {
    const dir = tempDir();
    const bad = join(dir, 'acls.json');
    writeFileSync(bad, JSON.stringify({ deploy_apps: [{ principals: { values: ['alice'] }, group: { values: ['/a'] } }] }));
    for (const service of ['apps', 'jobs']) {
      const err: string[] = [];
      const io = { stdout: () => undefined, stderr: (s: string | Uint8Array) => void err.push(String(s)) };
      const code = await main(['node', 'tandem', service, 'serve', '--master', '127.0.0.1:1', '--port', '0', '--work-dir', join(dir, service), '--acls', bad], {
        io,
      });
      expect(code, service).not.toBe(0);
      expect(err.join(''), service).toMatch(new RegExp(`--acls ${bad}.*deploy_apps\\[0\\]`));
    }
  });
});
