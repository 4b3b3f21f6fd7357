import { readFile } from 'node:fs/promises';
import { Code, TandemError } from '@tandem/protocol';

/** What dockerode's `pull` takes as `authconfig` (the engine's X-Registry-Auth). */
export interface RegistryAuth {
  username?: string;
  password?: string;
  identitytoken?: string;
  serveraddress: string;
}

/** The registry credentials of a Docker `config.json`, by registry host. */
export interface DockerCredentials {
  /** The file they were read from, for messages. */
  readonly file: string;
  readonly byRegistry: ReadonlyMap<string, RegistryAuth>;
}

/** Docker Hub's key in config.json. */
export const DOCKER_HUB_AUTH_KEY = 'https://index.docker.io/v1/';
const DOCKER_HUB_HOSTS = new Set(['docker.io', 'index.docker.io', 'registry-1.docker.io']);

/**
 * The registry host of an image reference, as Docker decides it: the first path part when
 * it has a `.` or a `:` or is `localhost`, else Docker Hub (`docker.io`).
 */
export function registryOf(image: string): string {
  const slash = image.indexOf('/');
  if (slash < 0) return 'docker.io';
  const first = image.slice(0, slash);
  if (first.includes('.') || first.includes(':') || first === 'localhost') return DOCKER_HUB_HOSTS.has(first) ? 'docker.io' : first;
  return 'docker.io';
}

/** `https://registry.example:5000/v1/` -> `registry.example:5000`; the Hub's keys -> `docker.io`. */
function hostOfKey(key: string): string {
  const host = key.replace(/^[a-z]+:\/\//i, '').replace(/\/.*$/, '');
  return DOCKER_HUB_HOSTS.has(host) ? 'docker.io' : host;
}

/**
 * Reads the `auths` of a Docker config.json (`auth` as base64 `user:password`, or
 * `username`/`password`, or `identitytoken`). Credential helpers (`credsStore`,
 * `credHelpers`) are not run. A missing, unreadable or malformed file is a
 * FailedPrecondition naming `flag` and the file.
 */
export async function loadDockerCredentials(file: string, flag = '--docker-config'): Promise<DockerCredentials> {
  const fail = (why: string): TandemError => new TandemError(Code.FailedPrecondition, `${flag}: ${file}: ${why}`, { field: flag });
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    throw fail(`cannot read it (${(err as NodeJS.ErrnoException).code ?? String(err)})`);
  }
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch {
    throw fail('is not JSON (a Docker config.json is expected)');
  }
  const auths = (doc as { auths?: unknown } | null)?.auths ?? {};
  if (typeof auths !== 'object' || auths === null || Array.isArray(auths)) throw fail('"auths" must be an object');
  const byRegistry = new Map<string, RegistryAuth>();
  for (const [key, entry] of Object.entries(auths as Record<string, unknown>)) {
    if (typeof entry !== 'object' || entry === null) throw fail(`auths["${key}"] must be an object`);
    const e = entry as Record<string, unknown>;
    const serveraddress = hostOfKey(key) === 'docker.io' ? DOCKER_HUB_AUTH_KEY : key;
    const auth: RegistryAuth = { serveraddress };
    if (typeof e.auth === 'string' && e.auth) {
      const decoded = Buffer.from(e.auth, 'base64').toString('utf8');
      const colon = decoded.indexOf(':');
      if (colon < 0) throw fail(`auths["${key}"].auth must be base64 of user:password`);
      auth.username = decoded.slice(0, colon);
      auth.password = decoded.slice(colon + 1);
    }
    if (typeof e.username === 'string') auth.username = e.username;
    if (typeof e.password === 'string') auth.password = e.password;
    if (typeof e.identitytoken === 'string') auth.identitytoken = e.identitytoken;
    if (auth.username === undefined && auth.identitytoken === undefined) continue; // an entry kept for a credential helper
    byRegistry.set(hostOfKey(key), auth);
  }
  return { file, byRegistry };
}

/** The credentials for pulling `image`, or undefined when its registry has none. */
export function authFor(credentials: DockerCredentials | undefined, image: string): RegistryAuth | undefined {
  return credentials?.byRegistry.get(registryOf(image));
}
