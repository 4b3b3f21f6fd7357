import type { DockerDeviceInit, DockerVolumeInit, FieldErrors } from '@tandem/protocol';
import type { DockerHostAccess } from './task-info.js';

/**
 * Marathon's and Metronome's host volumes (`volumes: [{containerPath, hostPath, mode}]`)
 * and the `docker.parameters` that ask the host for something, mapped onto a task's
 * `container.docker` fields. A framework does not decide what is allowed: each agent's
 * Docker policy does (`tandem agent --docker-allow`), and its refusal is the task's
 * TASK_ERROR naming the field and the flag. Here only the shape is checked, and anything
 * that cannot be carried is a problem naming it, never accepted and dropped.
 */

/** The `container.docker.parameters` keys Tandem carries (as `docker run --KEY VALUE`). */
export const DOCKER_PARAMETER_KEYS = ['cap-add', 'pid', 'ipc', 'device', 'runtime', 'volume', 'v'] as const;

/** The fields of a Marathon `container` (or a Metronome `run`) this reads. */
export interface MarathonContainer {
  readonly docker?: { readonly image?: string; readonly privileged?: boolean; readonly parameters?: readonly unknown[] } | undefined;
  readonly volumes?: readonly Record<string, unknown>[];
}

const CAPABILITY = /^(CAP_)?[A-Z][A-Z0-9_]*$/i;
const RUNTIME = /^[A-Za-z0-9][A-Za-z0-9_.-]*$/;
const PERMISSIONS = /^(?!.*(.).*\1)[rwm]{1,3}$/;
const HOST_VOLUME_KEYS = new Set(['containerPath', 'hostPath', 'mode']);

function pathProblem(path: unknown): string | undefined {
  if (typeof path !== 'string' || path === '') return 'must be an absolute path';
  if (!path.startsWith('/')) return `must be an absolute path, got "${path}"`;
  if (path.split('/').includes('..')) return `must not contain "..", got "${path}"`;
  return undefined;
}

/**
 * What a container asks of the host, and what in it is malformed, as JSON pointers under
 * `base` (`${base}/volumes/0/hostPath`, `${base}/docker/parameters/1/key`).
 */
export function marathonDockerHostAccess(container: MarathonContainer | undefined, base: string): { access: DockerHostAccess; problems: FieldErrors[] } {
  const problems: FieldErrors[] = [];
  const add = (path: string, error: string): void => {
    problems.push({ path, errors: [error] });
  };
  const volumes: DockerVolumeInit[] = [];
  const capAdd: string[] = [];
  const devices: DockerDeviceInit[] = [];
  const access: { -readonly [K in keyof DockerHostAccess]: DockerHostAccess[K] } = {};
  if (!container) return { access, problems };
  const targets = new Map<string, string>();
  /** `at(field)`: the pointer to blame for the host or container path. */
  const volume = (at: (field: 'hostPath' | 'containerPath') => string, hostPath: unknown, containerPath: unknown, readOnly: boolean) => {
    const host = pathProblem(hostPath);
    const inside = pathProblem(containerPath);
    if (host) add(at('hostPath'), `host path ${host}`);
    if (inside) add(at('containerPath'), `container path ${inside}`);
    if (host || inside) return;
    const target = String(containerPath).replace(/\/+$/, '') || '/';
    if (target === '/') return add(at('containerPath'), 'container path must not be / (the container root)');
    const earlier = targets.get(target);
    if (earlier) return add(at('containerPath'), `container path ${target} is already mounted by ${earlier}`);
    targets.set(target, at('containerPath'));
    volumes.push({ hostPath: String(hostPath), containerPath: String(containerPath), mode: readOnly ? 'RO' : 'RW' });
  };

  const hostVolume = (at: string, v: Record<string, unknown>) => {
    if ('persistent' in v || 'external' in v) return add(at, `${'persistent' in v ? 'persistent' : 'external'} volumes are not supported (host volumes are)`);
    const unknown = Object.keys(v).filter((k) => !HOST_VOLUME_KEYS.has(k));
    if (unknown.length > 0) return add(at, `${unknown.join(', ')} not supported: a host volume is {containerPath, hostPath, mode}`);
    if (v.mode !== 'RO' && v.mode !== 'RW') return add(`${at}/mode`, 'must be RO or RW');
    volume((f) => `${at}/${f}`, v.hostPath, v.containerPath, v.mode === 'RO');
  };
  for (const [i, v] of (container.volumes ?? []).entries()) hostVolume(`${base}/volumes/${i}`, v);

  const docker = container.docker;
  const given = new Set<string>();
  const parameter = (at: string, p: unknown) => {
    const { key, value } = (p ?? {}) as { key?: unknown; value?: unknown };
    if (typeof key !== 'string' || typeof value !== 'string') return add(at, 'must be {"key": "...", "value": "..."} with string values');
    const bad = (why: string) => add(`${at}/value`, `${key}: ${why}`);
    switch (key) {
      case 'cap-add':
        if (!CAPABILITY.test(value)) return bad(`"${value}" is not a capability name (e.g. NET_ADMIN)`);
        capAdd.push(value);
        return;
      case 'pid':
      case 'ipc': {
        if (given.has(key)) return add(`${at}/key`, `${key} is given more than once`);
        given.add(key);
        const allowed = key === 'pid' ? ['host'] : ['host', 'private'];
        if (!allowed.includes(value)) return bad(`must be ${allowed.join(' or ')}, got "${value}"`);
        access[key === 'pid' ? 'pidMode' : 'ipcMode'] = value === 'host' ? 'HOST' : 'PRIVATE';
        return;
      }
      case 'runtime':
        if (given.has(key)) return add(`${at}/key`, 'runtime is given more than once');
        given.add(key);
        if (!RUNTIME.test(value)) return bad(`"${value}" is not a runtime name`);
        access.runtime = value;
        return;
      case 'device': {
        // Docker's form: HOST[:CONTAINER][:PERMISSIONS].
        const parts = value.split(':');
        const hostPath = parts[0] ?? '';
        let containerPath = '';
        let permissions = '';
        if (parts.length === 2) {
          if (PERMISSIONS.test(parts[1] ?? '')) permissions = parts[1] ?? '';
          else containerPath = parts[1] ?? '';
        } else if (parts.length === 3) {
          containerPath = parts[1] ?? '';
          permissions = parts[2] ?? '';
        } else if (parts.length > 3) return bad(`must be HOST[:CONTAINER][:PERMISSIONS], got "${value}"`);
        const problem = pathProblem(hostPath) ?? (containerPath ? pathProblem(containerPath) : undefined);
        if (problem) return bad(`paths ${problem}`);
        if (permissions && !PERMISSIONS.test(permissions)) return bad(`permissions must be some of r, w, m, got "${permissions}"`);
        devices.push({ hostPath, containerPath, permissions });
        return;
      }
      case 'volume':
      case 'v': {
        // Docker's form: HOST:CONTAINER[:ro|rw]; named volumes are not carried.
        const parts = value.split(':');
        const mode = parts.length === 3 ? parts[2] : 'rw';
        if (parts.length < 2 || parts.length > 3 || (mode !== 'ro' && mode !== 'rw')) return bad(`must be HOST_PATH:CONTAINER_PATH[:ro|rw], got "${value}"`);
        if (!parts[0]?.startsWith('/')) return bad(`named volumes are not supported; give an absolute host path, got "${parts[0] ?? ''}"`);
        volume(() => `${at}/value`, parts[0], parts[1], mode === 'ro');
        return;
      }
      default:
        add(`${at}/key`, `docker parameter "${key}" is not supported (supported: ${DOCKER_PARAMETER_KEYS.join(', ')})`);
    }
  };
  for (const [i, p] of (docker?.parameters ?? []).entries()) parameter(`${base}/docker/parameters/${i}`, p);

  if (docker?.privileged) access.privileged = true;
  if (volumes.length > 0) access.volumes = volumes;
  if (capAdd.length > 0) access.capAdd = capAdd;
  if (devices.length > 0) access.devices = devices;
  if (!docker?.image && Object.keys(access).length > 0) add(`${base}/docker/image`, 'host volumes and docker parameters need a Docker image');
  return { access, problems };
}
