import {
  CONTAINER_HOSTNAME,
  DOCKER_LABEL_KEY,
  DOCKER_ULIMIT_NAMES,
  DOCKER_VOLUME_NAME,
  type DockerDeviceInit,
  type DockerVolumeInit,
  ENV_NAME_PATTERN,
  type FieldErrors,
  isDockerUlimitName,
} from '@tandem/protocol';
import type { DockerHostAccess } from './task-info.js';

/**
 * Marathon's and Metronome's host volumes (`volumes: [{containerPath, hostPath, mode}]`),
 * Marathon's external volumes of the `dvdi` provider with the `local` driver (Docker named
 * volumes, carried as a host path that is a volume name) and the `docker.parameters` that
 * ask the host for something, mapped onto a task's
 * `container.docker` fields. A framework does not decide what is allowed: each agent's
 * Docker policy does (`tandem agent --docker-allow`), and its refusal is the task's
 * TASK_ERROR naming the field and the flag. Here only the shape is checked, and anything
 * that cannot be carried is a problem naming it, never accepted and dropped.
 */

/**
 * The `container.docker.parameters` keys Tandem carries (as `docker run --KEY VALUE`). The
 * first seven ask the host for something (the agent's Docker policy decides); the rest are
 * harmless and always honoured. Any other key is refused naming it.
 */
export const DOCKER_PARAMETER_KEYS = [
  'cap-add',
  'pid',
  'ipc',
  'device',
  'runtime',
  'volume',
  'v',
  'label',
  'l',
  'env',
  'e',
  'user',
  'u',
  'workdir',
  'w',
  'hostname',
  'h',
  'memory-swappiness',
  'shm-size',
  'ulimit',
  'init',
  'read-only',
] as const;

const SIZE = /^([0-9]+)([bkmg]?)$/i;
const SIZE_UNITS: Record<string, number> = { '': 1, b: 1, k: 1024, m: 1024 ** 2, g: 1024 ** 3 };
const LIMIT = /^(-1|[0-9]+)$/;

/** The fields of a Marathon `container` (or a Metronome `run`) this reads. */
export interface MarathonContainer {
  readonly docker?: { readonly image?: string; readonly privileged?: boolean; readonly parameters?: readonly unknown[] } | undefined;
  readonly volumes?: readonly Record<string, unknown>[];
}

const CAPABILITY = /^(CAP_)?[A-Z][A-Z0-9_]*$/i;
const RUNTIME = /^[A-Za-z0-9][A-Za-z0-9_.-]*$/;
const PERMISSIONS = /^(?!.*(.).*\1)[rwm]{1,3}$/;
const HOST_VOLUME_KEYS = new Set(['containerPath', 'hostPath', 'mode']);
const EXTERNAL_VOLUME_KEYS = new Set(['containerPath', 'external', 'mode']);

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
export function marathonDockerHostAccess(
  container: MarathonContainer | undefined,
  base: string,
): { access: DockerHostAccess; problems: FieldErrors[]; env: Record<string, string>; user?: string } {
  const problems: FieldErrors[] = [];
  const add = (path: string, error: string): void => {
    problems.push({ path, errors: [error] });
  };
  const volumes: DockerVolumeInit[] = [];
  const capAdd: string[] = [];
  const devices: DockerDeviceInit[] = [];
  const access: { -readonly [K in keyof DockerHostAccess]: DockerHostAccess[K] } = {};
  const env: Record<string, string> = {};
  const labels: { key: string; value: string }[] = [];
  const ulimits: { name: string; soft: number; hard: number }[] = [];
  let user: string | undefined;
  if (!container) return { access, problems, env };
  const targets = new Map<string, string>();
  /** `at(field)`: the pointer to blame for the host or container path. */
  /** `hostPath`: an absolute host path (a bind mount) or, with `named`, a Docker volume name. */
  const volume = (at: (field: 'hostPath' | 'containerPath') => string, hostPath: unknown, containerPath: unknown, readOnly: boolean, named = false) => {
    const host = named
      ? typeof hostPath === 'string' && DOCKER_VOLUME_NAME.test(hostPath)
        ? undefined
        : `name must be a Docker volume name (letters, digits, _ . -), got ${JSON.stringify(hostPath)}`
      : pathProblem(hostPath);
    const inside = pathProblem(containerPath);
    if (host) add(at('hostPath'), named ? `volume ${host}` : `host path ${host}`);
    if (inside) add(at('containerPath'), `container path ${inside}`);
    if (host || inside) return;
    const target = String(containerPath).replace(/\/+$/, '') || '/';
    if (target === '/') return add(at('containerPath'), 'container path must not be / (the container root)');
    const earlier = targets.get(target);
    if (earlier) return add(at('containerPath'), `container path ${target} is already mounted by ${earlier}`);
    targets.set(target, at('containerPath'));
    volumes.push({ hostPath: String(hostPath), containerPath: String(containerPath), mode: readOnly ? 'RO' : 'RW' });
  };

  /** Marathon's external volume of the dvdi provider with the `local` driver: a Docker named volume. */
  const externalVolume = (at: string, v: Record<string, unknown>) => {
    const unknown = Object.keys(v).filter((k) => !EXTERNAL_VOLUME_KEYS.has(k));
    if (unknown.length > 0)
      return add(at, `${unknown.join(', ')} not supported: an external volume is {containerPath, external: {name, provider, options}, mode}`);
    const ext = v.external;
    if (typeof ext !== 'object' || ext === null || Array.isArray(ext))
      return add(`${at}/external`, 'must be {"name": "...", "provider": "dvdi", "options": {"dvdi/driver": "local"}}');
    const e = ext as Record<string, unknown>;
    const extra = Object.keys(e).filter((k) => !['name', 'provider', 'options'].includes(k));
    if (extra.length > 0) return add(`${at}/external/${extra[0]}`, 'not supported: a Docker named volume of the local driver has no size or other settings');
    if (e.provider !== 'dvdi') return add(`${at}/external/provider`, `must be dvdi (Docker volume drivers), got ${JSON.stringify(e.provider)}`);
    const options = (e.options ?? {}) as Record<string, unknown>;
    const driver = options['dvdi/driver'];
    if (driver !== undefined && driver !== 'local') {
      return add(`${at}/external/options/dvdi~1driver`, `only the local driver (Docker named volumes) is supported, got ${JSON.stringify(driver)}`);
    }
    const otherOption = Object.keys(options).find((k) => k !== 'dvdi/driver');
    if (otherOption)
      return add(
        `${at}/external/options/${otherOption.replace(/~/g, '~0').replace(/\//g, '~1')}`,
        "not supported: driver options are the operator's, not a task's",
      );
    if (v.mode !== undefined && v.mode !== 'RO' && v.mode !== 'RW') return add(`${at}/mode`, 'must be RO or RW');
    volume((f) => (f === 'hostPath' ? `${at}/external/name` : `${at}/${f}`), e.name, v.containerPath, v.mode === 'RO', true);
  };

  const hostVolume = (at: string, v: Record<string, unknown>) => {
    if ('persistent' in v)
      return add(
        `${at}/persistent`,
        'persistent volumes (and residency) are not supported yet; use a host volume or an external volume of the local driver (a Docker named volume)',
      );
    if ('external' in v) return externalVolume(at, v);
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
        // Docker's form: HOST_PATH|NAME:CONTAINER[:ro|rw]; a name is a Docker named volume.
        const parts = value.split(':');
        const mode = parts.length === 3 ? parts[2] : 'rw';
        if (parts.length < 2 || parts.length > 3 || (mode !== 'ro' && mode !== 'rw'))
          return bad(`must be HOST_PATH:CONTAINER_PATH[:ro|rw] or NAME:CONTAINER_PATH[:ro|rw], got "${value}"`);
        const named = !parts[0]?.startsWith('/');
        if (named && !DOCKER_VOLUME_NAME.test(parts[0] ?? ''))
          return bad(`give an absolute host path or a Docker volume name (letters, digits, _ . -), got "${parts[0] ?? ''}"`);
        volume(() => `${at}/value`, parts[0], parts[1], mode === 'ro', named);
        return;
      }
      case 'label':
      case 'l': {
        const eq = value.indexOf('=');
        const name = eq < 0 ? value : value.slice(0, eq);
        if (!DOCKER_LABEL_KEY.test(name)) return bad(`must be KEY=VALUE with a label key, got "${value}"`);
        if (name.toLowerCase().startsWith('tandem.')) return bad(`keys starting with tandem. are the agent's own, got "${name}"`);
        labels.push({ key: name, value: eq < 0 ? '' : value.slice(eq + 1) });
        return;
      }
      case 'env':
      case 'e': {
        const eq = value.indexOf('=');
        if (eq < 0 || !ENV_NAME_PATTERN.test(value.slice(0, eq))) return bad(`must be NAME=VALUE with a POSIX name, got "${value}"`);
        env[value.slice(0, eq)] = value.slice(eq + 1);
        return;
      }
      case 'user':
      case 'u':
      case 'workdir':
      case 'w':
      case 'hostname':
      case 'h':
      case 'memory-swappiness':
      case 'shm-size':
      case 'init':
      case 'read-only': {
        const long = key.length === 1 ? ({ u: 'user', w: 'workdir', h: 'hostname' } as Record<string, string>)[key]! : key;
        if (given.has(long)) return add(`${at}/key`, `${long} is given more than once`);
        given.add(long);
        if (long === 'user') {
          if (!/^[A-Za-z0-9_][A-Za-z0-9_.-]*(:[A-Za-z0-9_][A-Za-z0-9_.-]*)?$/.test(value))
            return bad(`must be a user name or uid (optionally :group), got "${value}"`);
          user = value;
        } else if (long === 'workdir') {
          const problem = pathProblem(value);
          if (problem) return bad(problem);
          access.workdir = value;
        } else if (long === 'hostname') {
          if (!CONTAINER_HOSTNAME.test(value)) return bad(`"${value}" is not a host name (letters, digits and -, at most 63)`);
          access.hostname = value;
        } else if (long === 'memory-swappiness') {
          const n = Number(value);
          if (!/^[0-9]+$/.test(value) || n > 100) return bad(`must be a whole number from 0 to 100, got "${value}"`);
          access.memorySwappiness = n;
        } else if (long === 'shm-size') {
          const m = SIZE.exec(value);
          if (!m) return bad(`must be a size such as 64m or 1g, got "${value}"`);
          const bytes = Number(m[1]) * (SIZE_UNITS[(m[2] ?? '').toLowerCase()] ?? 1);
          if (bytes <= 0 || !Number.isSafeInteger(bytes)) return bad(`must be a size above 0, got "${value}"`);
          access.shmSizeBytes = bytes;
        } else if (long === 'init') {
          // Tandem always runs docker-init as PID 1 (signals reach the command, zombies are reaped).
          if (value !== 'true') return bad(`Tandem always runs an init process; only "true" is accepted, got "${value}"`);
        } else if (value === 'true' || value === 'false') access.readOnly = value === 'true';
        else return bad(`must be true or false, got "${value}"`);
        return;
      }
      case 'ulimit': {
        // Docker's form: NAME=SOFT[:HARD].
        const m = /^([a-z]+)=([^:]+)(?::(.+))?$/.exec(value);
        if (!m || !isDockerUlimitName(m[1] ?? '')) return bad(`must be NAME=SOFT[:HARD] with NAME one of ${DOCKER_ULIMIT_NAMES.join(', ')}, got "${value}"`);
        const soft = m[2] ?? '';
        const hard = m[3] ?? soft;
        if (!LIMIT.test(soft) || !LIMIT.test(hard)) return bad(`limits must be whole numbers (-1: unlimited), got "${value}"`);
        if (Number(hard) !== -1 && (Number(soft) === -1 || Number(soft) > Number(hard))) return bad(`the soft limit is above the hard limit in "${value}"`);
        if (ulimits.some((u) => u.name === m[1])) return bad(`${m[1]} is given more than once`);
        ulimits.push({ name: m[1] ?? '', soft: Number(soft), hard: Number(hard) });
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
  if (labels.length > 0) access.labels = labels;
  if (ulimits.length > 0) access.ulimits = ulimits;
  const anyParameter = (docker?.parameters ?? []).length > 0;
  if (!docker?.image && (anyParameter || Object.keys(access).length > 0)) add(`${base}/docker/image`, 'host volumes and docker parameters need a Docker image');
  return { access, problems, env, ...(user === undefined ? {} : { user }) };
}
