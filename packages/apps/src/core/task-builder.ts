import { taskInfo } from '@tandem/framework-sdk';
import { envWithSecretSources, type TaskInfoInit } from '@tandem/protocol';
import { type AppDefinition, imageOf } from '../app/app-definition.js';
import type { PortMapping } from '../app/app-schema.js';
import { dockerHostAccess } from '../app/docker-host-access.js';
import { agentHealthChecks } from '../app/health-check-mapping.js';
import { bridgeMappings } from '../app/port-mappings.js';
import { portResources } from '../placement/offer-fit.js';
import type { Instance } from './instance.js';
import { portEnv } from './port-env.js';

/** The TaskInfo for an instance's current incarnation on its agent, with its chosen ports. */
export function buildTask(app: AppDefinition, instance: Instance): TaskInfoInit {
  const taskId = instance.taskId!;
  const image = imageOf(app);
  const healthChecks = agentHealthChecks(app);
  const docker = image ? dockerHostAccess(app.container) : undefined;
  // Docker parameters env/e and user/u: the app's own env and user come first.
  const user = app.user || docker?.user;
  const mappings = bridgeMappings(app);
  const info = taskInfo(
    {
      id: taskId,
      name: app.id.slice(1).replace(/\//g, '.'),
      cpus: app.cpus,
      mem: app.mem,
      ...(app.disk > 0 ? { disk: app.disk } : {}),
      ...(app.cmd !== undefined ? { command: app.cmd } : app.args !== undefined ? { argv: app.args } : {}),
      ...(image
        ? {
            image,
            forcePullImage: app.container?.docker?.forcePullImage ?? false,
            docker: { ...docker?.access, ...(mappings ? bridgeNetwork(mappings, instance.ports) : {}) },
          }
        : {}),
      env: {
        ...docker?.env,
        ...portEnv(app, instance.ports),
        // A {secret} value becomes a reference to its secret's source: the agent reads the value.
        ...envWithSecretSources(app.env, app.secrets),
        MARATHON_APP_ID: app.id,
        MARATHON_APP_VERSION: instance.appVersion,
        MARATHON_APP_RESOURCE_CPUS: String(app.cpus),
        MARATHON_APP_RESOURCE_MEM: String(app.mem),
        MARATHON_APP_RESOURCE_DISK: String(app.disk),
        MESOS_TASK_ID: taskId,
      },
      labels: { ...app.labels, 'tandem.app-id': app.id, 'tandem.instance-id': instance.instanceId },
      ...(app.taskKillGracePeriodSeconds === undefined ? {} : { killGracePeriodSeconds: app.taskKillGracePeriodSeconds }),
      ...(user ? { user } : {}),
      healthChecks,
      uris: fetchUris(app),
    },
    { agentId: instance.agentId! },
  );
  return { ...info, resources: [...(info.resources ?? []), ...portResources(instance.ports).toWire()] };
}

/**
 * Bridge networking for the agent: each mapping's container port (0: the same as its host
 * port) published on the host port the instance took for it (`udp,tcp`: both).
 */
function bridgeNetwork(mappings: readonly PortMapping[], hostPorts: readonly number[]) {
  const portMappings = mappings.flatMap((m, i) => {
    const hostPort = hostPorts[i] ?? 0;
    const containerPort = m.containerPort || hostPort;
    return m.protocol.split(',').map((protocol) => ({ containerPort, hostPort, protocol }));
  });
  return { network: 'NETWORK_BRIDGE' as const, portMappings };
}

/**
 * Marathon's fetch (and the legacy uris: archives extracted, as Marathon does) as the
 * agent's CommandInfo.uris.
 */
function fetchUris(app: AppDefinition) {
  const archive = /\.(tar|tar\.gz|tgz|tar\.bz2|tbz2|tar\.xz|txz|zip)$/i;
  return [
    ...app.fetch.map((f) => ({ value: f.uri, extract: f.extract, executable: f.executable, cache: f.cache, outputFile: f.destPath ?? '' })),
    ...app.uris.map((u) => ({ value: u, extract: archive.test(u), executable: false, cache: false, outputFile: '' })),
  ];
}
