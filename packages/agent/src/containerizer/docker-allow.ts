import { ValidationError } from '@tandem/protocol';
import { DOCKER_ALLOW_ITEMS } from '../defaults.js';
import { DEFAULT_DOCKER_POLICY, type DockerPolicy, normaliseHostPath } from './docker-policy.js';

export { DOCKER_ALLOW_ITEMS };

type Mutable<T> = { -readonly [K in keyof T]: T[K] extends readonly (infer E)[] ? E[] : T[K] };

/**
 * Parses `--docker-allow` (`privileged,host-mounts:/data,docker-socket,cap:NET_ADMIN,...`)
 * into the policy (deny by default for what it does not name). An unknown item is a
 * ValidationError naming `flag`.
 */
export function parseDockerAllow(value: string | undefined, flag = '--docker-allow'): Omit<DockerPolicy, 'images'> {
  const p: Mutable<Omit<DockerPolicy, 'images'>> = {
    privileged: false,
    hostMounts: [],
    dockerSocket: false,
    namedVolumes: false,
    capabilities: [],
    hostPid: false,
    hostIpc: false,
    devices: false,
    runtimes: [],
  };
  for (const raw of (value ?? '').split(',')) {
    const item = raw.trim();
    if (!item) continue;
    const colon = item.indexOf(':');
    const key = colon < 0 ? item : item.slice(0, colon);
    const arg = colon < 0 ? '' : item.slice(colon + 1).trim();
    const bad = (why: string): ValidationError => new ValidationError(flag, `${why} in "${item}" (items: ${DOCKER_ALLOW_ITEMS})`);
    const flagOnly = (): void => {
      if (colon >= 0) throw bad(`${key} takes no value`);
    };
    switch (key) {
      case 'privileged':
        flagOnly();
        p.privileged = true;
        break;
      case 'docker-socket':
        flagOnly();
        p.dockerSocket = true;
        break;
      case 'named-volumes':
        flagOnly();
        p.namedVolumes = true;
        break;
      case 'host-pid':
        flagOnly();
        p.hostPid = true;
        break;
      case 'host-ipc':
        flagOnly();
        p.hostIpc = true;
        break;
      case 'devices':
        flagOnly();
        p.devices = true;
        break;
      case 'host-mounts':
        if (!arg.startsWith('/')) throw bad('host-mounts needs an absolute host path prefix (host-mounts:/data)');
        p.hostMounts.push(normaliseHostPath(arg));
        break;
      case 'cap': {
        const name = arg.toUpperCase().replace(/^CAP_/, '');
        if (!/^[A-Z_]+$/.test(name)) throw bad('cap needs a capability name (cap:NET_ADMIN)');
        p.capabilities.push(name);
        break;
      }
      case 'runtime':
        if (!/^[A-Za-z0-9_.-]+$/.test(arg)) throw bad('runtime needs a runtime name (runtime:runsc)');
        p.runtimes.push(arg);
        break;
      default:
        throw bad(`unknown item ${key}`);
    }
  }
  return p;
}

/** Parses `--docker-images` (`registry.example/*,busybox:*`); empty or unset: any image. */
export function parseDockerImages(value: string | undefined, flag = '--docker-images'): readonly string[] | undefined {
  const globs = (value ?? '')
    .split(',')
    .map((g) => g.trim())
    .filter(Boolean);
  for (const g of globs) {
    if (/\s/.test(g)) throw new ValidationError(flag, `an image glob has no spaces, got "${g}"`);
  }
  return globs.length > 0 ? globs : undefined;
}

/** The whole policy from the two flags' values. */
export function dockerPolicyOf(allow: string | undefined, images: string | undefined): DockerPolicy {
  return { ...DEFAULT_DOCKER_POLICY, ...parseDockerAllow(allow), images: parseDockerImages(images) };
}
