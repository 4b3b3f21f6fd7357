import { EventSource } from 'eventsource';
import { afterEach, describe, expect, it } from 'vitest';
import { api, httpdApp, startApps, startAppsAgent } from '../support/apps.js';
import { cleanup, startMaster, track, waitFor } from '../support/cluster.js';
import { appInfoSchema, marathonType, validatorOf } from './marathon-schemas.js';

// Every response object of the apps API against Marathon's published RAML types (vendored
// in upstream/marathon): closed objects, so a key Marathon does not return fails; Tandem's
// own keys only with ?embed=tandem. A real master, agent and apps framework.

afterEach(cleanup);

const list = (items: Record<string, unknown>, key: string) => ({
  type: 'object',
  properties: { [key]: { type: 'array', items } },
  required: [key],
  additionalProperties: false,
});
const one = (item: Record<string, unknown>, key: string) => ({ type: 'object', properties: { [key]: item }, required: [key], additionalProperties: false });

const appInfo = appInfoSchema();
const app = marathonType('app.raml', 'App');
const task = marathonType('enrichedTask.raml', 'EnrichedTask');
const check = {
  appList: validatorOf(list(appInfo, 'apps')),
  app: validatorOf(one(appInfo, 'app')),
  definition: validatorOf(app),
  tasks: validatorOf(list(task, 'tasks')),
  info: validatorOf(marathonType('info.raml', 'MarathonInfo')),
  queue: validatorOf(list(marathonType('queue.raml', 'QueueApp'), 'queue')),
  deployments: validatorOf({ type: 'array', items: marathonType('deployment.raml', 'DeploymentStepInfo') }),
  deploymentResult: validatorOf(marathonType('deployment.raml', 'DeploymentResult')),
  group: validatorOf(marathonType('group.raml', 'GroupInfo')),
  versions: validatorOf({ ...list({ type: 'string' }, 'versions') }),
};

/**
 * The keys of each event Tandem sends, as Marathon documents them (docs/docs/event-bus.md,
 * and Marathon 1.10's event classes for the instance events and status_update_event's
 * message and ipAddresses); eventType and timestamp on all.
 */
const EVENT_KEYS: Record<string, string[]> = {
  event_stream_attached: ['remoteAddress'],
  api_post_event: ['clientIp', 'uri', 'appDefinition'],
  status_update_event: ['slaveId', 'taskId', 'taskStatus', 'message', 'appId', 'host', 'ipAddresses', 'ports', 'version'],
  instance_changed_event: ['instanceId', 'condition', 'runSpecId', 'agentId', 'host', 'runSpecVersion', 'goal'],
  instance_health_changed_event: ['instanceId', 'runSpecId', 'runSpecVersion', 'healthy'],
  health_status_changed_event: ['appId', 'instanceId', 'version', 'alive'],
  failed_health_check_event: ['appId', 'taskId', 'instanceId', 'healthCheck'],
  unhealthy_instance_kill_event: ['appId', 'taskId', 'instanceId', 'version', 'reason', 'host', 'slaveId'],
  group_change_success: ['groupId', 'version'],
  deployment_info: ['plan', 'currentStep'],
  deployment_step_success: ['plan', 'currentStep'],
  deployment_success: ['id', 'plan'],
  deployment_failed: ['id', 'plan', 'reason'],
};

/**
 * Every event type Marathon 1.10 sends (docs/docs/event-bus.md, commit 0494431894dbf5a474cf319eb6eb7db1ff970c1e,
 * and its event classes: the instance, pod, scheduler and app_terminated events). A client
 * switching on the type meets no other: the stream must not send one.
 */
const MARATHON_EVENT_TYPES = new Set([
  'api_post_event',
  'status_update_event',
  'framework_message_event',
  'subscribe_event',
  'unsubscribe_event',
  'event_stream_attached',
  'event_stream_detached',
  'add_health_check_event',
  'remove_health_check_event',
  'failed_health_check_event',
  'health_status_changed_event',
  'unhealthy_task_kill_event',
  'unhealthy_instance_kill_event',
  'group_change_success',
  'group_change_failed',
  'deployment_success',
  'deployment_failed',
  'deployment_info',
  'deployment_step_success',
  'deployment_step_failure',
  'app_terminated_event',
  'instance_changed_event',
  'unknown_instance_terminated_event',
  'instance_health_changed_event',
  'pod_created_event',
  'pod_updated_event',
  'pod_deleted_event',
  'scheduler_registered_event',
  'scheduler_reregistered_event',
  'scheduler_disconnected_event',
]);

/** Every `event:` type of the raw stream at `url` (an EventSource shows only the types listened to), until the test ends. */
function rawEventTypes(url: string): string[] {
  const seen: string[] = [];
  const abort = new AbortController();
  track(() => abort.abort());
  void fetch(url, { signal: abort.signal })
    .then(async (res) => {
      const decoder = new TextDecoder();
      let buffered = '';
      for await (const chunk of res.body as AsyncIterable<Uint8Array>) {
        buffered += decoder.decode(chunk, { stream: true });
        const lines = buffered.split('\n');
        buffered = lines.pop() ?? '';
        for (const line of lines) if (line.startsWith('event:')) seen.push(line.slice('event:'.length).trim());
      }
    })
    .catch(() => undefined);
  return seen;
}

describe('Marathon shapes', () => {
  it('marathon-shapes - apps, tasks, info, queue, deployments, groups and events have exactly Marathon keys; Tandem keys only with embed=tandem', async () => {
    const master = await startMaster();
    const agent = await startAppsAgent(master);
    const fw = await startApps(master);
    const events: { type: string; data: Record<string, unknown> }[] = [];
    const rawTypes = rawEventTypes(`${fw.url}/v2/events`);
    const es = new EventSource(`${fw.url}/v2/events`);
    track(() => es.close());
    for (const type of Object.keys(EVENT_KEYS)) {
      es.addEventListener(type, (m) => events.push({ type, data: JSON.parse(m.data) as Record<string, unknown> }));
    }
    await new Promise<void>((resolve, reject) => {
      es.onopen = () => resolve();
      es.onerror = (e) => reject(e);
    });
    // The same stream with Tandem's fields.
    const tandemHealth: Record<string, unknown>[] = [];
    const esTandem = new EventSource(`${fw.url}/v2/events?embed=tandem&event_type=health_status_changed_event`);
    track(() => esTandem.close());
    esTandem.addEventListener('health_status_changed_event', (m) => tandemHealth.push(JSON.parse(m.data) as Record<string, unknown>));
    await new Promise<void>((resolve, reject) => {
      esTandem.onopen = () => resolve();
      esTandem.onerror = (e) => reject(e);
    });

    // An app that runs (with a health check and labels) and one that waits for an agent that is not there.
    const created = await api(
      fw.url,
      'POST',
      '/v2/apps',
      httpdApp('/shapes/web', {
        cmd: 'echo ok > index.html && exec busybox httpd -f -p 127.0.0.1:$PORT0 -h .',
        labels: { team: 'web' },
        healthChecks: [{ protocol: 'MESOS_HTTP', path: '/index.html', portIndex: 0, intervalSeconds: 1, timeoutSeconds: 1, delaySeconds: 0 }],
      }),
    );
    expect(created.status).toBe(201);
    expect(check.app({ app: created.body })).toEqual([]);
    await waitFor(async () => (await api(fw.url, 'GET', '/v2/apps/shapes/web')).body.app.tasksHealthy === 1, 'the app healthy', 40_000, 100);
    const waiting = await api(fw.url, 'POST', '/v2/apps', httpdApp('/shapes/nowhere', { constraints: [['hostname', 'IS', 'node-z']] }));
    expect(waiting.status).toBe(201);

    // Apps, one app, its tasks, versions.
    const apps = await api(fw.url, 'GET', '/v2/apps');
    expect(apps.body.apps).toHaveLength(2);
    expect(check.appList(apps.body)).toEqual([]);
    const web = await api(fw.url, 'GET', '/v2/apps/shapes/web');
    expect(web.body.app.tasks).toHaveLength(1);
    expect(web.body.app.tasks[0].healthCheckResults).toHaveLength(1);
    expect(check.app(web.body)).toEqual([]);
    expect(check.app((await api(fw.url, 'GET', '/v2/apps/shapes/web?embed=app.tasks&embed=app.lastTaskFailure&embed=app.readiness')).body)).toEqual([]);
    const tasks = await api(fw.url, 'GET', '/v2/apps/shapes/web/tasks');
    expect(tasks.body.tasks[0]).toMatchObject({ appId: '/shapes/web', state: 'TASK_RUNNING', slaveId: agent.agentId });
    expect(check.tasks(tasks.body)).toEqual([]);
    expect(check.tasks((await api(fw.url, 'GET', '/v2/tasks')).body)).toEqual([]);
    const versions = await api(fw.url, 'GET', '/v2/apps/shapes/web/versions');
    expect(check.versions(versions.body)).toEqual([]);
    const version = await api(fw.url, 'GET', `/v2/apps/shapes/web/versions/${versions.body.versions[0]}`);
    expect(version.body.id).toBe('/shapes/web');
    expect(check.definition(version.body)).toEqual([]);

    // /v2/info: Marathon's keys, truthful values.
    const info = await api(fw.url, 'GET', '/v2/info');
    expect(check.info(info.body)).toEqual([]);
    const port = Number(new URL(fw.url).port);
    expect(info.body).toMatchObject({
      name: 'marathon',
      version: '1.10.0',
      elected: true,
      leader: `127.0.0.1:${port}`,
      frameworkId: fw.repo.frameworkId,
      event_subscriber: null,
      http_config: { http_port: port, https_port: 0 },
      marathon_config: { master: master.address, framework_name: 'tandem-apps', features: [] },
    });

    // The queue: the waiting app with the offers it could not use, in Marathon's offer shape.
    const queue = await waitFor(
      async () => {
        const body = (await api(fw.url, 'GET', '/v2/queue')).body;
        return body.queue[0]?.lastUnusedOffers?.length > 0 ? body : undefined;
      },
      'an unused offer in /v2/queue',
      30_000,
      100,
    );
    expect(queue.queue[0]).toMatchObject({ count: 1, app: { id: '/shapes/nowhere' } });
    expect(queue.queue[0].lastUnusedOffers[0].offer.resources).toContainEqual({ name: 'cpus', role: '*', scalar: expect.any(Number) });
    expect(check.queue(queue)).toEqual([]);

    // Deployments (the waiting app's is in progress), and the result of a change.
    const deployments = await api(fw.url, 'GET', '/v2/deployments');
    expect(deployments.body).toHaveLength(1);
    expect(check.deployments(deployments.body)).toEqual([]);
    const scaled = await api(fw.url, 'PUT', '/v2/apps/shapes/web', { instances: 2 });
    expect(check.deploymentResult(scaled.body)).toEqual([]);

    // Errors, as Marathon's error.raml and REST reference write them: 404 {message}, 409 with the locking deployments, 422 with details.
    const missing = await api(fw.url, 'GET', '/v2/apps/shapes/none');
    expect({ status: missing.status, keys: Object.keys(missing.body) }).toEqual({ status: 404, keys: ['message'] });
    const locked = await api(fw.url, 'PUT', '/v2/apps/shapes/nowhere', { instances: 2 });
    expect(locked.status).toBe(409);
    expect(Object.keys(locked.body).sort()).toEqual(['deployments', 'message']);
    expect(locked.body.deployments).toEqual([{ id: deployments.body[0].id }]);
    const invalid = await api(fw.url, 'POST', '/v2/apps', { id: '/shapes/bad', cmd: 'x', cpus: -1 });
    expect(invalid.status).toBe(422);
    expect(Object.keys(invalid.body).sort()).toEqual(['details', 'message']);
    expect(invalid.body.details.map((d: Record<string, unknown>) => Object.keys(d).sort())).toEqual([['errors', 'path']]);

    // Groups: the root and a subgroup.
    expect(check.group((await api(fw.url, 'GET', '/v2/groups')).body)).toEqual([]);
    const group = await api(fw.url, 'GET', '/v2/groups/shapes');
    expect(group.body.apps.map((a: { id: string }) => a.id).sort()).toEqual(['/shapes/nowhere', '/shapes/web']);
    expect(check.group(group.body)).toEqual([]);
    // GET /v2/groups/{id}/apps: an array of AppInfo; PUT ?dryRun=true: {steps: DeploymentStep[]}.
    const groupApps = await api(fw.url, 'GET', '/v2/groups/shapes/apps');
    expect(groupApps.body.map((a: { id: string }) => a.id).sort()).toEqual(['/shapes/nowhere', '/shapes/web']);
    expect(validatorOf({ type: 'array', items: appInfo })(groupApps.body)).toEqual([]);
    const dry = await api(fw.url, 'PUT', '/v2/groups/shapes?dryRun=true', { scaleBy: 2 });
    expect(dry.body.steps.length).toBeGreaterThan(0);
    expect(
      validatorOf({
        type: 'object',
        properties: { steps: { type: 'array', items: marathonType('deployment.raml', 'DeploymentStep') } },
        required: ['steps'],
        additionalProperties: false,
      })(dry.body),
    ).toEqual([]);

    // Events: what the stream sent so far, key for key.
    // The waiting app's deployment stays; the scale's ends.
    await waitFor(() => events.some((e) => e.type === 'deployment_success' && e.data.id === scaled.body.deploymentId), 'the scale to succeed', 40_000);
    // These always come (a slow health check on a loaded machine may add failed_health_check_event, also held below).
    const seenTypes = new Set(events.map((e) => e.type));
    for (const t of [
      'event_stream_attached',
      'api_post_event',
      'status_update_event',
      'instance_changed_event',
      'deployment_info',
      'deployment_step_success',
      'deployment_success',
      'group_change_success',
      'instance_health_changed_event',
      'health_status_changed_event',
    ]) {
      expect(seenTypes).toContain(t);
    }
    for (const e of events)
      expect({ type: e.type, keys: Object.keys(e.data).sort() }).toEqual({ type: e.type, keys: ['eventType', 'timestamp', ...EVENT_KEYS[e.type]!].sort() });
    // Every type the raw stream sent (not only those listened to above) is one of Marathon's.
    await waitFor(() => rawTypes.includes('deployment_success'), 'the raw stream to carry the deployments', 10_000);
    expect(rawTypes.filter((t) => !MARATHON_EVENT_TYPES.has(t))).toEqual([]);

    // A task killed without scaling (the app's and the bulk route), and an app whose task failed.
    const [victim] = (await api(fw.url, 'GET', '/v2/apps/shapes/web/tasks')).body.tasks as { id: string }[];
    const killed = await api(fw.url, 'DELETE', `/v2/apps/shapes/web/tasks/${victim!.id}`);
    expect(killed.body.task.id).toBe(victim!.id);
    expect(validatorOf(one(task, 'task'))(killed.body)).toEqual([]);
    const [other] = (await api(fw.url, 'GET', '/v2/apps/shapes/web/tasks')).body.tasks as { id: string }[];
    const bulk = await api(fw.url, 'POST', '/v2/tasks/delete', { ids: [other!.id] });
    expect(bulk.body.tasks.map((t: { id: string }) => t.id)).toEqual([other!.id]);
    expect(check.tasks(bulk.body)).toEqual([]);
    await api(fw.url, 'POST', '/v2/apps', { id: '/shapes/crash', cmd: 'exit 3', cpus: 0.1, mem: 16 });
    const crashed = await waitFor(
      async () => {
        const body = (await api(fw.url, 'GET', '/v2/apps/shapes/crash')).body;
        return body.app.lastTaskFailure ? body : undefined;
      },
      'a lastTaskFailure',
      30_000,
      100,
    );
    expect(crashed.app.lastTaskFailure).toMatchObject({ appId: '/shapes/crash', state: 'TASK_FAILED' });
    expect(check.app(crashed)).toEqual([]);

    // With the opt-in, Tandem's keys are there (and are what the closed schemas refuse).
    const mine = await api(fw.url, 'GET', '/v2/apps/shapes/web/tasks?embed=tandem');
    expect(mine.body.tasks[0]).toMatchObject({ instanceId: expect.stringMatching(/^instance-/), condition: 'Running', goal: 'Running' });
    expect(check.tasks(mine.body).join()).toMatch(/additional properties: instanceId/);
    const tandemQueue = (await api(fw.url, 'GET', '/v2/queue?embed=tandem')).body;
    const nowhere = tandemQueue.queue.find((q: { app: { id: string } }) => q.app.id === '/shapes/nowhere');
    expect(nowhere.instances).toHaveLength(1);
    expect(nowhere.lastUnusedOffers[0].details.join()).toMatch(/hostname IS node-z/);
    expect(check.queue(tandemQueue).join()).toMatch(/additional properties: instances/);
    const tandemApp = (await api(fw.url, 'GET', '/v2/apps/shapes/nowhere?embed=tandem')).body;
    expect(tandemApp.app.waiting.count).toBe(1);
    expect(check.app(tandemApp).join()).toMatch(/additional properties: waiting/);
    const tandemInfo = (await api(fw.url, 'GET', '/v2/info?embed=tandem')).body;
    expect(tandemInfo).toMatchObject({ connected: true, tandem: { version: expect.any(String) } });
    expect(tandemHealth[0]).toMatchObject({ appId: '/shapes/web', taskId: expect.stringMatching(/^shapes_web\./), alive: true });
    expect(check.info(tandemInfo).join()).toMatch(/additional properties: connected/);
  });
});
