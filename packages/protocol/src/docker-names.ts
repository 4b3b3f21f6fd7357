/**
 * What Docker accepts as names in a container's settings, checked the same way by the
 * frameworks (Marathon's `docker.parameters`) and by the agent (the task's
 * `container.docker` fields), so that a value one accepts the other does not refuse.
 */

/** Linux's resource names as Docker takes them (`docker run --ulimit NAME=SOFT[:HARD]`). */
export const DOCKER_ULIMIT_NAMES = [
  'core',
  'cpu',
  'data',
  'fsize',
  'locks',
  'memlock',
  'msgqueue',
  'nice',
  'nofile',
  'nproc',
  'rss',
  'rtprio',
  'rttime',
  'sigpending',
  'stack',
] as const;

export function isDockerUlimitName(name: string): boolean {
  return (DOCKER_ULIMIT_NAMES as readonly string[]).includes(name);
}

/** A container label's key. */
export const DOCKER_LABEL_KEY = /^[A-Za-z0-9][A-Za-z0-9._/-]*$/;

/** A container's host name: one DNS label (letters, digits and -, at most 63). */
export const CONTAINER_HOSTNAME = /^(?=.{1,63}$)[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?$/;

/**
 * A Docker named volume (`docker run -v NAME:/path`, Marathon's external volumes with the
 * `local` driver): what the engine accepts as a volume name. A volume's host path that is
 * such a name, not an absolute path, asks for the named volume.
 */
export const DOCKER_VOLUME_NAME = /^[A-Za-z0-9][A-Za-z0-9_.-]+$/;
