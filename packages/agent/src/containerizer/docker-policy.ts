import { posix } from 'node:path';
import { capabilityName, type DockerRequest } from './docker-request.js';

/**
 * What an agent lets Docker tasks ask for beyond a plain container (host networking, no
 * privileges, no bind mount). Everything that grants power over the host is denied unless
 * the agent's operator allows it (`tandem agent --docker-allow ...`, `--docker-images`).
 */
export interface DockerPolicy {
  /** `container.docker.privileged`. */
  readonly privileged: boolean;
  /** Host paths (absolute, normalised) under which bind mounts are allowed; none by default. */
  readonly hostMounts: readonly string[];
  /** A mount of the Docker socket (or of a directory holding it); never implied by `hostMounts`. */
  readonly dockerSocket: boolean;
  /**
   * Docker named volumes (created by the engine on first use, kept after the task, shared
   * by every task on this host that names them); none by default.
   */
  readonly namedVolumes: boolean;
  /** Capabilities a task may add (upper case, no `CAP_` prefix); none by default. */
  readonly capabilities: readonly string[];
  /** The host's PID namespace (`--pid host`). */
  readonly hostPid: boolean;
  /** The host's IPC namespace (`--ipc host`). */
  readonly hostIpc: boolean;
  /** Host devices (`--device`). */
  readonly devices: boolean;
  /** Runtimes other than the engine's default (`--runtime`). */
  readonly runtimes: readonly string[];
  /** Image globs (`*` matches any run of characters); undefined: any image. */
  readonly images: readonly string[] | undefined;
}

/** Deny by default: what an agent allows when its operator says nothing. */
export const DEFAULT_DOCKER_POLICY: DockerPolicy = Object.freeze({
  privileged: false,
  hostMounts: [],
  dockerSocket: false,
  namedVolumes: false,
  capabilities: [],
  hostPid: false,
  hostIpc: false,
  devices: false,
  runtimes: [],
  images: undefined,
});

/** Where the engine's socket usually is; `/var/run` is a link to `/run` on most hosts. */
export const DOCKER_SOCKET_PATHS: readonly string[] = ['/var/run/docker.sock', '/run/docker.sock'];

/** Why the policy refuses a request: the field at fault and the flag that would allow it. */
export interface DockerRefusal {
  readonly field: string;
  /** The exact flag, e.g. `--docker-allow privileged`. */
  readonly allowWith: string;
  /** `<field>: <why>; ... allow it with <flag>`. */
  readonly message: string;
}

function refusal(field: string, what: string, allowWith: string): DockerRefusal {
  return { field, allowWith, message: `${field}: ${what} is not allowed on this agent (its operator can allow it with ${allowWith})` };
}

/** `/a/b/` and `/a/./b` -> `/a/b`; `..` resolved, so `/data/../etc` is `/etc`. */
export function normaliseHostPath(path: string): string {
  return posix.resolve('/', path);
}

/** Whether `path` is `prefix` or lies under it (on a path boundary: `/data` does not hold `/database`). */
function isUnder(path: string, prefix: string): boolean {
  return prefix === '/' || path === prefix || path.startsWith(`${prefix}/`);
}

function escapeRegExp(s: string): string {
  return s.replace(/[.+?^${}()|[\]\\]/g, '\\$&');
}

/** A glob (`*` for any run of characters, nothing else special) matching a whole image reference. */
export function imageGlobMatches(glob: string, image: string): boolean {
  const re = new RegExp(`^${glob.split('*').map(escapeRegExp).join('.*')}$`);
  if (re.test(image)) return true;
  // `busybox` is `busybox:latest` to the engine: a glob of tags matches it too.
  const lastPart = image.slice(image.lastIndexOf('/') + 1);
  return !lastPart.includes(':') && !lastPart.includes('@') && re.test(`${image}:latest`);
}

/**
 * The first thing `request` asks for that `policy` does not allow, or undefined.
 * `sockets`: the engine sockets a mount must not reach without `docker-socket` (the
 * containerizer adds the one it talks to, wherever it is).
 */
export function checkDockerRequest(request: DockerRequest, policy: DockerPolicy, sockets: readonly string[] = DOCKER_SOCKET_PATHS): DockerRefusal | undefined {
  if (policy.images !== undefined && !policy.images.some((g) => imageGlobMatches(g, request.image))) {
    return {
      field: 'container.docker.image',
      allowWith: '--docker-images',
      message: `container.docker.image: image ${request.image} is not in this agent's image allow-list (--docker-images ${policy.images.join(',')})`,
    };
  }
  if (request.privileged && !policy.privileged) return refusal('container.docker.privileged', 'a privileged container', '--docker-allow privileged');
  for (const m of request.mounts) {
    if (m.type === 'volume') {
      if (!policy.namedVolumes) return refusal(m.field, `the Docker named volume ${m.source}`, '--docker-allow named-volumes');
      continue;
    }
    const source = normaliseHostPath(m.source);
    if (sockets.some((sock) => isUnder(sock, source)) && !policy.dockerSocket) {
      return refusal(m.field, `a mount of the Docker socket (host path ${source})`, '--docker-allow docker-socket');
    }
    if (!policy.hostMounts.some((prefix) => isUnder(source, prefix))) {
      return refusal(m.field, `a bind mount of host path ${source}`, `--docker-allow host-mounts:${source}`);
    }
  }
  const allCaps = policy.capabilities.includes('ALL');
  for (const [i, cap] of request.capAdd.entries()) {
    const name = capabilityName(cap);
    if (!allCaps && !policy.capabilities.includes(name))
      return refusal(`container.docker.cap_add[${i}]`, `adding capability ${name}`, `--docker-allow cap:${name}`);
  }
  if (request.pidMode === 'host' && !policy.hostPid) return refusal('container.docker.pid_mode', "the host's PID namespace", '--docker-allow host-pid');
  if (request.ipcMode === 'host' && !policy.hostIpc) return refusal('container.docker.ipc_mode', "the host's IPC namespace", '--docker-allow host-ipc');
  const device = request.devices[0];
  if (device && !policy.devices) return refusal(device.field, `host device ${device.hostPath}`, '--docker-allow devices');
  if (request.runtime && request.runtime !== 'runc' && !policy.runtimes.includes(request.runtime)) {
    return refusal('container.docker.runtime', `runtime ${request.runtime}`, `--docker-allow runtime:${request.runtime}`);
  }
  return undefined;
}
