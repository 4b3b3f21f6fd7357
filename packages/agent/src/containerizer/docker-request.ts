import { posix } from 'node:path';
import { DOCKER_VOLUME_NAME, type TaskInfo } from '@tandem/protocol';

/** A task's `container.docker`. */
export type DockerInfo = NonNullable<NonNullable<TaskInfo['container']>['docker']>;

/** A mount a task asks for; `field` names where it came from in the TaskInfo. */
export interface DockerMountRequest {
  readonly field: string;
  /** `bind`: `source` is a host path; `volume`: a named Docker volume. */
  readonly type: 'bind' | 'volume';
  readonly source: string;
  /** Absolute, inside the container. */
  readonly target: string;
  readonly readOnly: boolean;
}

/** A host device a task asks for. */
export interface DockerDeviceRequest {
  readonly field: string;
  readonly hostPath: string;
  /** Absolute, inside the container (the host path when the task gave none). */
  readonly containerPath: string;
  /** Some of `rwm`. */
  readonly permissions: string;
}

/** `''`: the engine's default; `private` or `host`: as asked. */
export type NamespaceMode = '' | 'private' | 'host';

/**
 * What a Docker task asks of the host, gathered from its TaskInfo: the one shape the
 * policy checks and the containerizer turns into the engine's HostConfig, so that what
 * is checked is what runs. A new field of `DockerInfo` that asks the host for something
 * must be copied in by `dockerRequestOf`, so that the policy sees it; the harmless ones
 * (labels, workdir, network and port mappings, ...) are `docker-settings.ts`'.
 */
export interface DockerRequest {
  readonly image: string;
  readonly privileged: boolean;
  readonly mounts: readonly DockerMountRequest[];
  /** Upper case, without `CAP_` (`NET_ADMIN`). */
  readonly capAdd: readonly string[];
  readonly pidMode: NamespaceMode;
  readonly ipcMode: NamespaceMode;
  readonly devices: readonly DockerDeviceRequest[];
  /** `''`: the engine's default. */
  readonly runtime: string;
}

/** A malformed field of `container.docker`: the task can never run as given. */
export interface DockerFieldProblem {
  readonly field: string;
  /** What is wrong, without the field. */
  readonly problem: string;
  /** `<field>: <problem>`. */
  readonly message: string;
}

const FIELD = 'container.docker';
const CAPABILITY = /^(CAP_)?[A-Z][A-Z0-9_]*$/i;
const RUNTIME = /^[A-Za-z0-9][A-Za-z0-9_.-]*$/;
const PERMISSIONS = /^(?!.*(.).*\1)[rwm]{1,3}$/;

function namespaceMode(mode: unknown): NamespaceMode | undefined {
  if (mode === undefined || mode === 'NAMESPACE_DEFAULT' || mode === 0) return '';
  if (mode === 'PRIVATE') return 'private';
  if (mode === 'HOST') return 'host';
  return undefined;
}

/** An absolute path without NUL and without `..` parts; undefined when it is one, else why not. */
function pathProblem(path: string): string | undefined {
  if (path === '') return 'is required (an absolute path)';
  if (!path.startsWith('/')) return `must be an absolute path, got "${path}"`;
  if (path.includes('\0')) return 'must not contain a NUL character';
  if (path.split('/').includes('..')) return `must not contain "..", got "${path}"`;
  return undefined;
}

/**
 * The first malformed value of `info`, or undefined: volume and device paths must be
 * absolute (no `..`), a container path other than `/` and given once, modes and
 * permissions known, capability and runtime names well formed.
 */
export function dockerFieldProblem(info: DockerInfo | null | undefined): DockerFieldProblem | undefined {
  if (!info) return undefined;
  const bad = (field: string, problem: string): DockerFieldProblem => ({ field, problem, message: `${field}: ${problem}` });
  const targets = new Map<string, string>();
  for (const [i, v] of (info.volumes ?? []).entries()) {
    const at = `${FIELD}.volumes[${i}]`;
    const target = pathProblem(v.containerPath ?? '');
    if (target) return bad(`${at}.container_path`, target);
    const where = posix.normalize(v.containerPath);
    if (where === '/') return bad(`${at}.container_path`, 'must not be / (the container root)');
    const earlier = targets.get(where.replace(/\/+$/, ''));
    if (earlier) return bad(`${at}.container_path`, `${v.containerPath} is already mounted by ${earlier}`);
    targets.set(where.replace(/\/+$/, ''), at);
    // A name (not a path) is a Docker named volume.
    const source = DOCKER_VOLUME_NAME.test(v.hostPath ?? '') ? undefined : pathProblem(v.hostPath ?? '');
    if (source) return bad(`${at}.host_path`, `${source} (or a Docker volume name)`);
    if (v.mode !== 'RW' && v.mode !== 'RO' && v.mode !== undefined) return bad(`${at}.mode`, `must be RW or RO, got ${String(v.mode)}`);
  }
  for (const [i, cap] of (info.capAdd ?? []).entries()) {
    if (!CAPABILITY.test(cap)) return bad(`${FIELD}.cap_add[${i}]`, `"${cap}" is not a capability name (e.g. NET_ADMIN)`);
  }
  if (namespaceMode(info.pidMode) === undefined) return bad(`${FIELD}.pid_mode`, `must be NAMESPACE_DEFAULT, PRIVATE or HOST, got ${String(info.pidMode)}`);
  if (namespaceMode(info.ipcMode) === undefined) return bad(`${FIELD}.ipc_mode`, `must be NAMESPACE_DEFAULT, PRIVATE or HOST, got ${String(info.ipcMode)}`);
  for (const [i, d] of (info.devices ?? []).entries()) {
    const at = `${FIELD}.devices[${i}]`;
    const host = pathProblem(d.hostPath ?? '');
    if (host) return bad(`${at}.host_path`, host);
    const inside = d.containerPath ? pathProblem(d.containerPath) : undefined;
    if (inside) return bad(`${at}.container_path`, inside);
    if (d.permissions && !PERMISSIONS.test(d.permissions)) return bad(`${at}.permissions`, `must be some of r, w, m (e.g. rwm), got "${d.permissions}"`);
  }
  const runtime = info.runtime ?? '';
  if (runtime !== '' && !RUNTIME.test(runtime)) return bad(`${FIELD}.runtime`, `"${runtime}" is not a runtime name`);
  return undefined;
}

/** The fields of `info` beyond the image (for a task that is not a Docker task: only a container has them). */
export function dockerHostFieldsOf(info: DockerInfo | null | undefined): string[] {
  if (!info) return [];
  const given: [string, boolean][] = [
    ['privileged', info.privileged === true],
    ['volumes', (info.volumes ?? []).length > 0],
    ['cap_add', (info.capAdd ?? []).length > 0],
    ['pid_mode', namespaceMode(info.pidMode) !== ''],
    ['ipc_mode', namespaceMode(info.ipcMode) !== ''],
    ['devices', (info.devices ?? []).length > 0],
    ['runtime', (info.runtime ?? '') !== ''],
    ['labels', (info.labels ?? []).length > 0],
    ['workdir', (info.workdir ?? '') !== ''],
    ['hostname', (info.hostname ?? '') !== ''],
    ['memory_swappiness', info.memorySwappiness !== undefined && info.memorySwappiness !== null],
    ['shm_size_bytes', Number(info.shmSizeBytes ?? 0) !== 0],
    ['ulimits', (info.ulimits ?? []).length > 0],
    ['read_only', info.readOnly === true],
    ['network', info.network !== undefined && info.network !== 'NETWORK_HOST' && info.network !== (0 as unknown)],
    ['port_mappings', (info.portMappings ?? []).length > 0],
  ];
  return given.filter(([, yes]) => yes).map(([name]) => `${FIELD}.${name}`);
}

/** `cap_net_admin` -> `NET_ADMIN`. */
export function capabilityName(cap: string): string {
  return cap.toUpperCase().replace(/^CAP_/, '');
}

/**
 * The request of a task's `container.docker`. Check it with `dockerFieldProblem` first:
 * here an unknown namespace mode reads as the default and paths are not checked.
 */
export function dockerRequestOf(info: DockerInfo | null | undefined): DockerRequest {
  return {
    image: info?.image ?? '',
    privileged: info?.privileged ?? false,
    mounts: (info?.volumes ?? []).map((v, i) => ({
      field: `${FIELD}.volumes[${i}]`,
      type: DOCKER_VOLUME_NAME.test(v.hostPath) ? ('volume' as const) : ('bind' as const),
      source: v.hostPath,
      target: v.containerPath,
      readOnly: v.mode === 'RO',
    })),
    capAdd: (info?.capAdd ?? []).map(capabilityName),
    pidMode: namespaceMode(info?.pidMode) ?? '',
    ipcMode: namespaceMode(info?.ipcMode) ?? '',
    devices: (info?.devices ?? []).map((d, i) => ({
      field: `${FIELD}.devices[${i}]`,
      hostPath: d.hostPath,
      containerPath: d.containerPath || d.hostPath,
      permissions: d.permissions || 'rwm',
    })),
    runtime: info?.runtime ?? '',
  };
}
