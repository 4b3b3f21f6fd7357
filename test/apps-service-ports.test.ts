import { afterEach, describe, expect, it } from 'vitest';
import { api, deploymentsDone, privatePorts, startApps, startAppsAgent } from './support/apps.js';
import { cleanup, startMaster, waitFor } from './support/cluster.js';

// Service ports, on a real master and agent (process containerizer): a portDefinition
// with port 0 gets a service port from the framework's range, unique across apps, kept
// by later versions, stored with the app; the task sees it as PORT_<service port>.

afterEach(cleanup);

/** busybox httpd on $PORT0 serving its own PORT* environment as /index.html. */
const envApp = (id: string, extra: Record<string, unknown> = {}) => ({
  id,
  cmd: 'env | grep ^PORT | sort > index.html && exec busybox httpd -f -p 127.0.0.1:$PORT0 -h .',
  cpus: 0.1,
  mem: 32,
  portDefinitions: [{ port: 0, protocol: 'tcp', name: 'http' }],
  ...extra,
});

async function taskEnv(base: string, appId: string): Promise<{ env: Record<string, string>; task: { ports: number[]; servicePorts: number[] } }> {
  const [task] = (await api(base, 'GET', `/v2/apps${appId}/tasks`)).body.tasks;
  const text = await waitFor(
    () =>
      fetch(`http://127.0.0.1:${task.ports[0]}/index.html`).then(
        (r) => (r.ok ? r.text() : ''),
        () => '',
      ),
    `${appId} serving`,
    10_000,
    50,
  );
  const env = Object.fromEntries(
    text
      .trim()
      .split('\n')
      .map((l) => l.split('=') as [string, string]),
  );
  return { env, task };
}

describe('apps service ports', () => {
  it('apps-service-ports - port 0 gets a distinct service port from the range, kept by a PUT, stored with the app and given to the task as PORT_<service port>', async () => {
    const master = await startMaster();
    await startAppsAgent(master);
    const fw = await startApps(master, { localPortMin: 15_000, localPortMax: 15_003 });
    expect((await api(fw.url, 'POST', '/v2/apps', envApp('/one'))).body.portDefinitions[0].port).toBe(15_000);
    expect((await api(fw.url, 'POST', '/v2/apps', envApp('/two'))).status).toBe(201);
    await deploymentsDone(fw.url);
    const one = (await api(fw.url, 'GET', '/v2/apps/one')).body.app;
    const two = (await api(fw.url, 'GET', '/v2/apps/two')).body.app;
    expect(one.portDefinitions).toEqual([{ port: 15_000, protocol: 'tcp', name: 'http' }]);
    expect(one.ports).toEqual([15_000]);
    expect(two.portDefinitions[0].port).toBe(15_001);
    // The stored version holds the assigned port too.
    expect((await api(fw.url, 'GET', `/v2/apps/one/versions/${one.version}`)).body.portDefinitions[0].port).toBe(15_000);

    // The task: a host port from the agent, the service port from the app; Marathon's variables.
    const { env, task } = await taskEnv(fw.url, '/one');
    expect(task.servicePorts).toEqual([15_000]);
    expect(task.ports[0]).not.toBe(15_000);
    expect(env).toMatchObject({
      PORT0: String(task.ports[0]),
      PORT: String(task.ports[0]),
      PORTS: String(task.ports[0]),
      PORT_15000: String(task.ports[0]),
      PORT_HTTP: String(task.ports[0]),
    });

    // A PUT that changes env keeps the port (partial update), and so does a full definition with port 0 again.
    await api(fw.url, 'PUT', '/v2/apps/one', { env: { V: '2' } });
    await deploymentsDone(fw.url);
    const after = (await api(fw.url, 'GET', '/v2/apps/one')).body.app;
    expect(after.env).toEqual({ V: '2' });
    expect(after.portDefinitions[0].port).toBe(15_000);
    await api(fw.url, 'PUT', '/v2/apps/one', envApp('/one', { env: { V: '3' } }));
    await deploymentsDone(fw.url);
    expect((await api(fw.url, 'GET', '/v2/apps/one')).body.app.portDefinitions[0].port).toBe(15_000);
    expect((await taskEnv(fw.url, '/one')).env.PORT_15000).toBeDefined();

    // An explicit port is kept as given and never handed out; the range is then used up: 422 naming the port, nothing created.
    expect((await api(fw.url, 'POST', '/v2/apps', envApp('/fixed', { instances: 0, portDefinitions: [{ port: 15_002 }] }))).status).toBe(201);
    const full = await api(fw.url, 'POST', '/v2/apps', envApp('/three', { instances: 0 }));
    expect(full.status).toBe(422);
    expect(full.body.details).toEqual([
      { path: '/portDefinitions/0/port', errors: ['/three: all service ports in the range [15000-15003) are already in use'] },
    ]);
    expect((await api(fw.url, 'GET', '/v2/apps/three')).status).toBe(404);
    // As Marathon, the same explicit port in two apps is accepted; twice in one app it is not.
    expect((await api(fw.url, 'POST', '/v2/apps', envApp('/fixed2', { instances: 0, portDefinitions: [{ port: 15_002 }] }))).status).toBe(201);
    const twice = await api(fw.url, 'POST', '/v2/apps', envApp('/twice', { instances: 0, portDefinitions: [{ port: 9000 }, { port: 9000 }] }));
    expect(twice.status).toBe(422);
    expect(twice.body.details[0]).toEqual({ path: '/portDefinitions', errors: ['Ports must be unique (9000 given more than once).'] });
    // Deleting an app frees its service port for the next one.
    await api(fw.url, 'DELETE', '/v2/apps/two');
    await deploymentsDone(fw.url);
    expect((await api(fw.url, 'POST', '/v2/apps', envApp('/three', { instances: 0 }))).body.portDefinitions[0].port).toBe(15_001);
  });

  it('apps-service-ports-require - with requirePorts the given port is the host port too', async () => {
    const master = await startMaster();
    const range = privatePorts();
    const hostPort = Number(/^\[(\d+)-/.exec(range)![1]) + 7;
    await startAppsAgent(master, { resources: `cpus:4;mem:4096;disk:4096;ports:${range}` });
    const fw = await startApps(master);
    expect((await api(fw.url, 'POST', '/v2/apps', envApp('/pinned', { requirePorts: true, portDefinitions: [{ port: hostPort, name: 'http' }] }))).status).toBe(
      201,
    );
    await deploymentsDone(fw.url);
    const { env, task } = await taskEnv(fw.url, '/pinned');
    expect(task.ports).toEqual([hostPort]);
    expect(task.servicePorts).toEqual([hostPort]);
    expect(env).toMatchObject({ PORT0: String(hostPort), [`PORT_${hostPort}`]: String(hostPort), PORT_HTTP: String(hostPort) });
  });
});
