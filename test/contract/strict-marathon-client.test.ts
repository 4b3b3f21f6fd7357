import { afterEach, describe, expect, it } from 'vitest';
import { httpdApp, startApps, startAppsAgent } from '../support/apps.js';
import { cleanup, startMaster, track, waitFor } from '../support/cluster.js';
import { type DeploymentResult, type MarathonEvent, type MarathonTask, readTaskList, StrictMarathonClient } from './strict-marathon-client.js';

// A client that knows Marathon's documented fields only and fails on any other key runs a
// user's everyday calls against a real master, agent and apps framework. Any key Tandem
// adds to a response (or an event) makes the call throw UnknownFieldError.

afterEach(cleanup);

describe('strict Marathon client', () => {
  it('strict-client - create, scale, update, restart, versions, kill with scale, queue, groups, events and delete with no unknown field', async () => {
    const master = await startMaster();
    await startAppsAgent(master);
    const fw = await startApps(master);
    const client = new StrictMarathonClient(fw.url);
    const events: MarathonEvent[] = [];
    const strayEvents: Error[] = [];
    const stream = await client.events(
      (e) => events.push(e),
      (err) => strayEvents.push(err),
    );
    track(() => stream.close());
    /** Waits for the deployment to leave /v2/deployments (each listing read strictly). */
    const done = async (d: DeploymentResult | { deployments?: { id: string }[] }): Promise<void> => {
      const id = 'deploymentId' in d ? d.deploymentId : d.deployments?.[0]?.id;
      await waitFor(async () => !(await client.listDeployments()).some((x) => x.id === id), `deployment ${id}`, 30_000, 100);
    };

    const info = await client.info();
    expect(info).toMatchObject({ name: 'marathon', version: '1.10.0', elected: true });

    // Create, scale, update, restart.
    const app = await client.createApp(httpdApp('/strict/web', { labels: { owner: 'strict' } }));
    expect(app).toMatchObject({ id: '/strict/web', instances: 1 });
    await done(app);
    await done(await client.scaleApp('/strict/web', 2));
    expect(await client.getApp('/strict/web')).toMatchObject({ instances: 2, tasksRunning: 2 });
    await done(await client.updateApp('/strict/web', { ...httpdApp('/strict/web', { instances: 2 }), env: { MODE: 'blue' } }));
    const updated = await client.getApp('/strict/web');
    expect(updated).toMatchObject({ env: { MODE: 'blue' }, tasksRunning: 2 });
    const before = new Set((await client.listTasks('/strict/web')).map((t) => t.id));
    await done(await client.restartApp('/strict/web'));
    const after = await client.listTasks('/strict/web');
    expect(after).toHaveLength(2);
    expect(after.some((t) => before.has(t.id))).toBe(false);
    expect((await client.listTasks()).filter((t) => t.appId === '/strict/web')).toHaveLength(2);

    // Versions: the create, the scale, the update (a restart keeps the definition).
    const versions = await client.listVersions('/strict/web');
    expect(versions.length).toBeGreaterThanOrEqual(3);
    expect(await client.getVersion('/strict/web', versions.at(-1)!)).toMatchObject({ id: '/strict/web', instances: 1 });

    // Kill one task and scale down with it.
    const victim = after[0]!;
    const killed = await client.killTask('/strict/web', victim.id, true);
    await done(killed as DeploymentResult);
    await waitFor(async () => (await client.getApp('/strict/web')).tasksRunning === 1, 'one task left', 30_000, 100);
    const left = await client.getApp('/strict/web');
    expect(left.instances).toBe(1);
    expect(left.tasks?.map((t: MarathonTask) => t.id)).not.toContain(victim.id);

    // The queue: an app no agent can take waits there.
    const stuck = await client.createApp(httpdApp('/strict/stuck', { constraints: [['hostname', 'IS', 'node-z']] }));
    const item = await waitFor(async () => (await client.listQueue()).find((q) => q.app.id === '/strict/stuck'), 'the stuck app queued', 30_000, 100);
    expect(item).toMatchObject({ count: 1, app: { id: '/strict/stuck' } });
    await done(await client.deleteApp('/strict/stuck', true));
    expect(stuck.deployments).toHaveLength(1);

    // Groups: a group with one app, read back, deleted.
    await done(await client.createGroup({ id: '/strict/team', apps: [httpdApp('api')] }));
    const group = await client.getGroup('/strict');
    expect(group.groups.map((g) => g.id)).toEqual(['/strict/team']);
    expect(group.groups[0]!.apps.map((a) => a.id)).toEqual(['/strict/team/api']);
    await done(await client.deleteGroup('/strict/team'));

    // What the client refuses: Tandem's own task fields, sent only when asked for (embed=tandem).
    const tandemTasks = await fetch(`${fw.url}/v2/tasks?embed=tandem`).then((r) => r.json());
    expect(() => readTaskList(tandemTasks)).toThrow(/tasks\[0\]: unknown field\(s\) instanceId, condition, goal/);

    // Delete the app; nothing is left.
    await done(await client.deleteApp('/strict/web'));
    expect(await client.listApps()).toEqual([]);

    // Events: every one sent was read strictly.
    await waitFor(() => events.some((e) => e.eventType === 'deployment_success'), 'deployment_success events', 30_000);
    expect(strayEvents.map((e) => e.message)).toEqual([]);
    const types = new Set(events.map((e) => e.eventType));
    for (const t of [
      'event_stream_attached',
      'api_post_event',
      'status_update_event',
      'instance_changed_event',
      'deployment_info',
      'deployment_success',
      'group_change_success',
    ]) {
      expect(types).toContain(t);
    }
  });
});
