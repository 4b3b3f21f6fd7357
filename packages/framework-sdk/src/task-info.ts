import {
  type CommandUriInit,
  checkId,
  checkSecretSource,
  type DockerInfoInit,
  type HealthCheckInit,
  type Offer,
  type ResourceSpec,
  Resources,
  type TaskInfoInit,
  ValidationError,
} from '@tandem/protocol';

/**
 * What a Docker task asks of the agent's host beyond a plain container. Each item is
 * refused with TASK_ERROR naming the field and the flag that would allow it unless the
 * agent's operator allows it (`tandem agent --docker-allow ...`; docs/security.md).
 */
export type DockerHostAccess = Pick<
  DockerInfoInit,
  | 'privileged'
  | 'volumes'
  | 'capAdd'
  | 'pidMode'
  | 'ipcMode'
  | 'devices'
  | 'runtime'
  | 'labels'
  | 'workdir'
  | 'hostname'
  | 'memorySwappiness'
  | 'shmSizeBytes'
  | 'ulimits'
  | 'readOnly'
  | 'network'
  | 'portMappings'
>;

/** The friendly description of one task, turned into a TaskInfo by `taskInfo()`. */
export interface TaskSpec {
  /** The task id: 1-200 of [A-Za-z0-9_.:@-]. */
  id: string;
  /** @default the id */
  name?: string;
  cpus: number;
  /** MiB */
  mem: number;
  /** MiB. @default 0 */
  disk?: number;
  /** How many ports to take from the offer (they reach the task as PORT0..n). @default 0 */
  ports?: number;
  /** A shell command line (run under /bin/sh -c). Give this or `argv`. */
  command?: string;
  /** The argv, passed as is (no shell). With `image` it may be empty: the image's CMD runs. */
  argv?: readonly string[];
  /** Run in this Docker image (container type DOCKER); else the process containerizer. */
  image?: string;
  forcePullImage?: boolean;
  /** With `image`: volumes, added capabilities, host namespaces, devices, a runtime, privileged. */
  docker?: DockerHostAccess;
  /**
   * The task's environment: a value, or `{ secret: source }` for a secret the agent reads
   * from its secret source at launch (`tandem agent --secrets-dir`): only the reference
   * travels, never the value.
   */
  env?: Readonly<Record<string, string | SecretEnv>>;
  labels?: Readonly<Record<string, string>>;
  /** SIGTERM, then SIGKILL after this many seconds. @default the agent's (3 s) */
  killGracePeriodSeconds?: number;
  /** Run as this user; @default the agent's */
  user?: string;
  /** Artifacts the agent downloads into the sandbox before the start (Mesos' CommandInfo.URI). */
  uris?: readonly CommandUriInit[];
  /**
   * Health checks the agent runs next to the task; it reports the task healthy while all
   * pass and, as in Mesos, kills it when one fails `consecutiveFailures` times in a row
   * (unless that check is `reportOnly`).
   */
  healthChecks?: readonly HealthCheckInit[];
}

/** An environment variable that references a secret by its source name (a file name in the agent's --secrets-dir). */
export interface SecretEnv {
  secret: string;
}

/** Where a task goes: an offer, or an agent id with the resources still free on it. */
export type Placement = Offer | { agentId: string; resources?: Resources };

/** The resources a spec asks for, ports as a count (not yet picked). */
export function specResources(spec: TaskSpec): { resources: Resources; ports: number } {
  const field = `task ${spec.id}`;
  for (const [name, value, min] of [
    ['cpus', spec.cpus, 0],
    ['mem', spec.mem, 0],
  ] as const) {
    if (typeof value !== 'number' || !Number.isFinite(value) || value <= min) {
      throw new ValidationError(`${field}.${name}`, `must be a number > ${min}, got ${String(value)}`);
    }
  }
  const ports = spec.ports ?? 0;
  if (!Number.isSafeInteger(ports) || ports < 0) {
    throw new ValidationError(`${field}.ports`, `must be a whole number >= 0, got ${String(ports)}`);
  }
  const wanted: ResourceSpec = { cpus: spec.cpus, mem: spec.mem };
  if (spec.disk) wanted.disk = spec.disk;
  return { resources: Resources.of(wanted), ports };
}

function freeResources(placement: Placement): Resources {
  if ('id' in placement) return Resources.fromWire(placement.resources, `offer ${placement.id}.resources`);
  return placement.resources ?? Resources.EMPTY;
}

/**
 * Builds a TaskInfo for one offer (or agent): fills agent_id, resources and container,
 * and picks `ports` ports from the offer's port ranges. Throws a ValidationError naming
 * the field when the spec is invalid or the offer lacks a resource.
 */
export function taskInfo(spec: TaskSpec, placement: Placement): TaskInfoInit {
  const id = checkId('task.id', spec.id);
  const { resources, ports } = specResources(spec);
  const free = freeResources(placement);
  let all = resources;
  if (ports > 0) {
    const picked = free.takeFromRanges('ports', ports);
    if (!picked) throw new ValidationError(`task ${id}.ports`, `needs ${ports} port(s), the offer has too few`);
    all = all.add(Resources.of({ ports: picked }));
  }
  const placementGiven = 'id' in placement || placement.resources !== undefined;
  if (placementGiven) {
    const missing = free.missing(resources);
    if (missing.length > 0) {
      throw new ValidationError(
        `task ${id}.resources`,
        `the offer lacks ${missing.join(', ')} (has ${free.toString() || 'nothing'}, needs ${resources.toString()})`,
      );
    }
  }
  if (spec.command === undefined && spec.argv === undefined && !spec.image) {
    throw new ValidationError(`task ${id}.command`, 'give a command or argv (or an image to run its CMD)');
  }
  if (spec.command !== undefined && spec.argv !== undefined) {
    throw new ValidationError(`task ${id}.command`, 'give a command or argv, not both');
  }
  if (spec.docker && !spec.image && Object.values(spec.docker).some((v) => v !== undefined && v !== false && !(Array.isArray(v) && v.length === 0))) {
    throw new ValidationError(`task ${id}.docker`, 'volumes, capabilities, namespaces, devices, runtime and privileged need an image');
  }
  const environment = Object.entries(spec.env ?? {}).map(([name, value]) =>
    typeof value === 'string' ? { name, value } : { name, secret: checkSecretSource(`task ${id}.env.${name}.secret`, value.secret) },
  );
  const command =
    spec.command !== undefined
      ? { shell: true, value: spec.command, arguments: [], environment, user: spec.user ?? '' }
      : { shell: false, value: '', arguments: [...(spec.argv ?? [])], environment, user: spec.user ?? '' };
  if (spec.uris && spec.uris.length > 0) Object.assign(command, { uris: [...spec.uris] });
  return {
    taskId: id,
    name: spec.name ?? id,
    agentId: placement.agentId,
    resources: all.toWire(),
    command,
    container: spec.image
      ? { type: 'DOCKER', docker: { ...spec.docker, image: spec.image, forcePullImage: spec.forcePullImage ?? false } }
      : { type: 'PROCESS' },
    labels: Object.entries(spec.labels ?? {}).map(([key, value]) => ({ key, value })),
    ...(spec.killGracePeriodSeconds === undefined ? {} : { killPolicy: { gracePeriodSeconds: spec.killGracePeriodSeconds } }),
    ...(spec.healthChecks && spec.healthChecks.length > 0 ? { healthChecks: [...spec.healthChecks] } : {}),
  };
}
