import { join } from 'node:path';
import { Agent, ProcessContainerizer } from '@tandem/agent';
import { SchedulerDriver, taskInfo } from '@tandem/framework-sdk';
import { basicAuthorization, HttpAuth, parseAcls } from '@tandem/protocol';
import { afterEach, describe, expect, it } from 'vitest';
import { cleanup, recorder, startMaster, tempDir, track, waitFor } from '../support/cluster.js';
import { openSse } from '../support/sse.js';

// The web UI's endpoints through the master's HTTP credentials and `view` ACL: a real master
// with credentials and ACLs, an agent and two frameworks of two principals, each with a task.
// alice may view framework/a only; ops views everything; no credentials, nothing.

afterEach(cleanup);

describe('ui - credentials and the view ACL', () => {
  it('ui acls - the UI, its views, the event stream and followed logs show a caller only the frameworks view gives it', async () => {
    const acls = parseAcls(
      JSON.stringify({
        permissive: false,
        register_frameworks: [{ principals: { type: 'ANY' }, roles: { type: 'ANY' } }],
        register_agents: [{ principals: { values: ['agent/x'] }, agents: { type: 'ANY' } }],
        run_tasks: [{ principals: { type: 'ANY' }, users: { type: 'ANY' } }],
        view: [
          { principals: { values: ['alice'] }, framework_principals: { values: ['framework/a'] } },
          { principals: { values: ['ops'] }, framework_principals: { type: 'ANY' } },
        ],
      }),
      'ui acls',
    );
    const master = await startMaster({
      acls,
      credentials: [
        { user: 'framework/a', password: 'a-secret' },
        { user: 'framework/b', password: 'b-secret' },
        { user: 'agent/x', password: 'x-secret' },
      ],
      httpAuth: new HttpAuth({
        basic: [
          { user: 'alice', password: 'alice-pw' },
          { user: 'ops', password: 'ops-pw' },
        ],
      }),
    });
    const agent = new Agent({
      master: master.address,
      workDir: join(tempDir(), 'agent'),
      hostname: 'acl-host',
      resources: 'cpus:2;mem:1024;disk:1024',
      containerizers: [new ProcessContainerizer()],
      reconnectBackoff: { initialMs: 100, maxMs: 300 },
      credential: { principal: 'agent/x', secret: 'x-secret' },
    });
    track(() => agent.stop({ killTasks: true }));
    await agent.start();
    const base = `http://127.0.0.1:${master.httpPort}`;
    const as = (user: string): Record<string, string> => ({ authorization: basicAuthorization(`${user}:${user}-pw`) });
    // Both watch from before the launches.
    const aliceEvents = await openSse(`${base}/api/v1/events`, as('alice'));
    const opsEvents = await openSse(`${base}/api/v1/events`, as('ops'));
    track(() => aliceEvents.close());
    track(() => opsEvents.close());
    expect([aliceEvents.status, opsEvents.status]).toEqual([200, 200]);

    for (const name of ['a', 'b']) {
      const driver = new SchedulerDriver({
        master: master.address,
        framework: { name: `fw-${name}`, failoverTimeoutSeconds: 60 },
        credential: { principal: `framework/${name}`, secret: `${name}-secret` },
        reconnect: { initialMs: 100, maxMs: 500 },
      });
      track(() => driver.stop());
      const rec = recorder(driver);
      await driver.start();
      const offer = await waitFor(() => rec.offers[0], `an offer to ${name}`);
      await driver.launch(offer, [taskInfo({ id: `task-${name}`, cpus: 0.1, mem: 16, argv: ['sh', '-c', `echo secret-of-${name}; exec sleep 300`] }, offer)]);
      await waitFor(() => rec.states(`task-${name}`).includes('TASK_RUNNING'), `task-${name} running`, 30_000);
      await driver.suppress();
    }

    // Without credentials: not the UI, not its data, not the stream.
    for (const path of ['/', '/api/v1/ui/overview', '/api/v1/ui/tasks', '/api/v1/events']) expect((await fetch(`${base}${path}`)).status, path).toBe(401);
    expect((await fetch(`${base}/`, { headers: as('alice') })).status).toBe(200);

    const tasksOf = async (user: string): Promise<string[]> => {
      const page = (await (await fetch(`${base}/api/v1/ui/tasks`, { headers: as(user) })).json()) as { items: { id: string }[] };
      return page.items.map((t) => t.id).sort();
    };
    expect(await tasksOf('alice')).toEqual(['task-a']);
    expect(await tasksOf('ops')).toEqual(['task-a', 'task-b']);
    const aliceOverview = (await (await fetch(`${base}/api/v1/ui/overview`, { headers: as('alice') })).json()) as {
      tasks: { byState: Record<string, number> };
      frameworks: { total: number };
    };
    expect(aliceOverview.tasks.byState.TASK_RUNNING).toBe(1);
    expect(aliceOverview.frameworks.total).toBe(1);
    const fws = (await (await fetch(`${base}/api/v1/ui/frameworks`, { headers: as('alice') })).json()) as { frameworks: { name: string }[] };
    expect(fws.frameworks.map((f) => f.name)).toEqual(['fw-a']);
    expect((await fetch(`${base}/api/v1/ui/tasks/task-b`, { headers: as('alice') })).status).toBe(404);
    expect((await fetch(`${base}/api/v1/ui/tasks/task-b`, { headers: as('ops') })).status).toBe(200);

    // The followed log: alice may not read B's (refused before the stream opens), ops may.
    expect((await fetch(`${base}/api/v1/tasks/task-b/logs/stream?offset=0`, { headers: as('alice') })).status).toBe(403);
    const opsLog = await openSse(`${base}/api/v1/tasks/task-b/logs/stream?offset=0`, as('ops'));
    track(() => opsLog.close());
    await waitFor(() => opsLog.events.some((e) => e.event === 'data' && e.data.includes('secret-of-b')), "ops reads B's log");

    // The event stream: alice heard A's task only, ops both.
    const added = (events: typeof opsEvents.events): string[] =>
      events
        .filter((e) => e.event === 'task_added')
        .map((e) => (JSON.parse(e.data) as { info: { taskId: string } }).info.taskId)
        .sort();
    await waitFor(() => added(opsEvents.events).length === 2, 'ops heard both launches');
    expect(added(opsEvents.events)).toEqual(['task-a', 'task-b']);
    expect(added(aliceEvents.events)).toEqual(['task-a']);
    const updated = (events: typeof opsEvents.events): Set<string> =>
      new Set(events.filter((e) => e.event === 'task_updated').map((e) => (JSON.parse(e.data) as { taskId: string }).taskId));
    expect([...updated(aliceEvents.events)]).toEqual(['task-a']);
    // Quoted: framework ids are fw-<hex>, so a bare fw-b may begin A's own id.
    expect(aliceEvents.events.some((e) => e.data.includes('"fw-b"') || e.data.includes('"task-b"'))).toBe(false);
    expect(opsEvents.events.some((e) => e.data.includes('"fw-b"'))).toBe(true);
  });
});
