import type { FieldErrors } from '@tandem/protocol';

/**
 * Marathon app fields Tandem does not honour. Each is refused with a 422 naming it when
 * it asks for something (a value other than Marathon's empty default), never accepted
 * and dropped. The list is in docs/marathon-apps.md.
 */
interface Unsupported {
  /** A JSON pointer from the app's root. */
  readonly path: readonly string[];
  /** True when the value asks for something (null and Marathon's empty default do not). */
  readonly given: (value: unknown) => boolean;
  readonly message: string;
}

const present = (v: unknown): boolean => v !== undefined && v !== null;
const nonEmptyArray = (v: unknown): boolean => present(v) && (!Array.isArray(v) || v.length > 0);

export const UNSUPPORTED_APP_FIELDS: readonly Unsupported[] = [
  { path: ['residency'], given: present, message: 'resident apps (residency, persistent volumes) are not supported yet' },
  { path: ['storeUrls'], given: nonEmptyArray, message: 'storeUrls are not supported; use fetch' },
  { path: ['ipAddress'], given: present, message: 'ipAddress (IP per task) is not supported; use networks' },
  { path: ['tty'], given: (v) => present(v) && v !== false, message: 'a TTY for the task is not supported' },
  { path: ['check'], given: present, message: 'Mesos checks (check) are not supported; use healthChecks' },
  { path: ['executorResources'], given: present, message: 'executorResources are not supported (tasks run under the agent, with no executor of their own)' },
  { path: ['resourceLimits'], given: present, message: "resourceLimits are not supported: cpus and mem are the task's limits" },
  {
    path: ['executor'],
    given: (v) => present(v) && v !== '' && v !== '//cmd',
    message: 'a custom executor is not supported (only "" or "//cmd", the command executor)',
  },
  { path: ['container', 'appc'], given: present, message: 'appc images are not supported; use docker' },
  { path: ['container', 'linuxInfo'], given: present, message: 'linuxInfo (seccomp, ipc mode, shm size) is not supported; use docker parameters' },
  {
    path: ['container', 'docker', 'credential'],
    given: present,
    message: 'per-app registry credentials are not supported; the agent operator gives them (tandem agent --docker-config)',
  },
  {
    path: ['container', 'docker', 'pullConfig'],
    given: present,
    message: 'per-app registry credentials are not supported; the agent operator gives them (tandem agent --docker-config)',
  },
];

/** Each value at `path` (with `*` for every element of an array), with its JSON pointer. */
function valuesAt(json: unknown, path: readonly string[], at = ''): { pointer: string; value: unknown }[] {
  if (path.length === 0) return [{ pointer: at, value: json }];
  if (json === null || typeof json !== 'object') return [];
  const [head, ...rest] = path as [string, ...string[]];
  if (head === '*') return Array.isArray(json) ? json.flatMap((v, i) => valuesAt(v, rest, `${at}/${i}`)) : [];
  if (Array.isArray(json) || !Object.hasOwn(json, head)) return [];
  return valuesAt((json as Record<string, unknown>)[head], rest, `${at}/${head}`);
}

/** The unsupported fields `json` (an app as sent) asks for, as 422 details. */
export function unsupportedAppFields(json: unknown): FieldErrors[] {
  return UNSUPPORTED_APP_FIELDS.flatMap((u) =>
    valuesAt(json, u.path)
      .filter((v) => u.given(v.value))
      .map((v) => ({ path: v.pointer, errors: [u.message] })),
  );
}
