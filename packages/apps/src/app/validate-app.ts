import { type FieldErrors, MAX_TASK_URIS, undefinedSecretRefs, ValidationError, zodDetails } from '@tandem/protocol';
import type { AppDefinition, VersionInfo } from './app-definition.js';
import { appSchema, type ParsedApp } from './app-schema.js';
import { dockerHostAccess } from './docker-host-access.js';
import { canonicalPathId, parentGroup, pathIdProblem, resolvePathId } from './path-id.js';
import { bridgeMappings } from './port-mappings.js';
import { unsupportedAppFields } from './unsupported-fields.js';

export interface AppLimits {
  /** @default DEFAULT_MAX_INSTANCES_PER_APP */
  maxInstances: number;
}

export const DEFAULT_MAX_INSTANCES_PER_APP = 50_000;

function crossFieldProblems(app: ParsedApp, limits: AppLimits): FieldErrors[] {
  const out: FieldErrors[] = [];
  const add = (path: string, error: string): void => {
    out.push({ path, errors: [error] });
  };
  const idProblem = pathIdProblem(app.id);
  if (idProblem) add('/id', idProblem);
  const image = app.container?.docker?.image;
  if (app.cmd !== undefined && app.args !== undefined) add('/', 'AppDefinition must contain either cmd or args, not both');
  if (app.cmd === undefined && app.args === undefined && !image)
    add('/', 'AppDefinition must contain one of cmd or args, and/or a container with a Docker image');
  if (app.cmd !== undefined && app.cmd.trim() === '') add('/cmd', 'must not be empty');
  if (app.instances > limits.maxInstances) add('/instances', `must be at most ${limits.maxInstances}`);
  if (app.container) {
    if (!app.container.docker && app.container.type === 'DOCKER') add('/container/docker', 'a DOCKER container needs docker.image');
    const net = app.container.docker?.network;
    if (net && net !== 'HOST' && net !== 'BRIDGE') add('/container/docker/network', 'must be HOST or BRIDGE (USER networks are not supported)');
    // Privileged, host volumes and the parameters Tandem carries pass through: each agent's Docker policy decides.
    out.push(...dockerHostAccess(app.container).problems);
  }
  app.networks.forEach((n, i) => {
    if (n.mode !== 'host' && n.mode !== 'container/bridge')
      add(`/networks/${i}/mode`, 'must be host or container/bridge (container networks are not supported)');
  });
  out.push(...bridgeProblems(app));
  // As Marathon: both may be given when they say the same (an app PUT back as GET showed it); else neither is guessed.
  if (app.portDefinitions !== undefined && app.ports !== undefined) {
    const defined = app.portDefinitions.map((p) => p.port);
    if (defined.length !== app.ports.length || defined.some((p, i) => p !== app.ports![i])) {
      const says = `cannot specify both ports and port definitions unless they are equal: ports is [${app.ports.join(', ')}], portDefinitions' ports are [${defined.join(', ')}]`;
      add('/ports', says);
      add('/portDefinitions', says);
    }
  }
  // As Marathon: explicit (non-zero) ports and port names are unique within an app.
  const given = app.portDefinitions?.map((p) => p.port) ?? app.ports ?? [];
  const explicitPorts = given.filter((p) => p !== 0);
  const twice = [...new Set(explicitPorts.filter((p, i) => explicitPorts.indexOf(p) !== i))];
  if (twice.length > 0) add(app.portDefinitions ? '/portDefinitions' : '/ports', `Ports must be unique (${twice.join(', ')} given more than once).`);
  const named = (app.portDefinitions ?? []).map((p) => p.name).filter((n): n is string => n !== undefined);
  if (new Set(named).size !== named.length) add('/portDefinitions', 'Port names must be unique.');
  if (app.fetch.length + app.uris.length > MAX_TASK_URIS) {
    add(app.fetch.length > 0 ? '/fetch' : '/uris', `at most ${MAX_TASK_URIS} URIs (fetch and uris together), got ${app.fetch.length + app.uris.length}`);
  }
  app.fetch.forEach((f, i) => {
    const problem = fetchUriProblem(f.uri);
    if (problem) add(`/fetch/${i}/uri`, problem);
    if (f.destPath !== undefined && (f.destPath.startsWith('/') || f.destPath.split('/').some((p) => p === '..' || p === '')))
      add(`/fetch/${i}/destPath`, 'must be a relative path inside the sandbox (no .., not absolute)');
  });
  app.uris.forEach((u, i) => {
    const problem = fetchUriProblem(u);
    if (problem) add(`/uris/${i}`, problem);
  });
  const ports = app.portDefinitions?.length ?? app.ports?.length ?? 1;
  app.healthChecks.forEach((h, i) => {
    const usesPort = h.protocol !== 'COMMAND';
    if (usesPort && (h.portIndex ?? 0) >= ports) add(`/healthChecks/${i}/portIndex`, `is ${h.portIndex ?? 0} but the app has ${ports} port(s)`);
  });
  if (app.readinessChecks.length > 1) add('/readinessChecks', 'at most one readiness check per app (as in Marathon)');
  const portNames = (app.portDefinitions ?? []).map((p) => p.name).filter((n): n is string => n !== undefined);
  app.readinessChecks.forEach((r, i) => {
    if (portNames.includes(r.portName)) return;
    const known = portNames.length > 0 ? `the named ports are ${portNames.join(', ')}` : 'no portDefinition has a name';
    add(`/readinessChecks/${i}/portName`, `no port definition reference for portName "${r.portName}" (${known})`);
  });
  if (app.requirePorts) {
    const fixed = app.portDefinitions?.map((p) => p.port) ?? app.ports ?? [];
    if (fixed.some((p) => p === 0)) add('/requirePorts', 'requirePorts needs every port to be set (non-zero)');
  }
  if (app.unreachableStrategy !== 'disabled' && app.unreachableStrategy.expungeAfterSeconds < app.unreachableStrategy.inactiveAfterSeconds) {
    add('/unreachableStrategy/expungeAfterSeconds', 'must be >= inactiveAfterSeconds');
  }
  if (!idProblem) {
    app.dependencies.forEach((d, i) => {
      const resolved = resolvePathId(parentGroup(canonicalPathId(app.id)), d);
      if (!resolved || pathIdProblem(resolved)) add(`/dependencies/${i}`, `"${d}" is not a valid path id`);
    });
  }
  for (const { name, message } of undefinedSecretRefs(app.env, app.secrets)) add(`/env/${name}`, message);
  (app.acceptedResourceRoles ?? []).forEach((r, i) => {
    if (r === '') add(`/acceptedResourceRoles/${i}`, 'must not be empty');
  });
  return out;
}

/** Why `uri` cannot be fetched by an agent (http, https, file URLs or absolute paths), or undefined. */
function fetchUriProblem(uri: string): string | undefined {
  if (uri.startsWith('/')) return undefined;
  try {
    const { protocol } = new URL(uri);
    return ['http:', 'https:', 'file:'].includes(protocol) ? undefined : `the scheme ${protocol} is not supported (http, https, file)`;
  } catch {
    return `"${uri}" is not a URL (http://, https:// or file://) nor an absolute path`;
  }
}

/**
 * Bridge networking: a Docker image, port mappings only in bridge mode (in one place),
 * host ports unique, and any portDefinitions given beside the mappings one per mapping
 * with its service port (as GET shows them), never a second, different list.
 */
function bridgeProblems(app: ParsedApp): FieldErrors[] {
  const out: FieldErrors[] = [];
  const add = (path: string, error: string): void => {
    out.push({ path, errors: [error] });
  };
  const both = app.container?.portMappings && app.container.docker?.portMappings;
  if (both) add('/container/docker/portMappings', 'give port mappings in container.portMappings or container.docker.portMappings, not both');
  const mappings = bridgeMappings(app);
  if (!mappings) {
    if (app.container?.portMappings?.length) add('/container/portMappings', 'port mappings need bridge networking (networks: [{"mode": "container/bridge"}])');
    if (app.container?.docker?.portMappings?.length) add('/container/docker/portMappings', 'port mappings need bridge networking (docker.network BRIDGE)');
    return out;
  }
  if (!app.container?.docker?.image) add('/networks', 'bridge networking needs a Docker image (container.docker.image)');
  const at = app.container?.portMappings ? '/container/portMappings' : '/container/docker/portMappings';
  const hostPorts = mappings.map((m) => m.hostPort ?? 0).filter((p) => p !== 0);
  const twice = [...new Set(hostPorts.filter((p, i) => hostPorts.indexOf(p) !== i))];
  if (twice.length > 0) add(at, `host ports must be unique (${twice.join(', ')} given more than once)`);
  const given = app.portDefinitions?.map((p) => p.port) ?? app.ports;
  if (given && given.length > 0) {
    const same = given.length === mappings.length && given.every((p, i) => p === 0 || mappings[i]?.servicePort === 0 || p === mappings[i]?.servicePort);
    if (!same)
      add(
        app.portDefinitions ? '/portDefinitions' : '/ports',
        'in bridge mode ports are given by the port mappings; leave this out (or equal to their service ports)',
      );
  }
  return out;
}

/** Turns a parsed app into the stored definition (canonical id, ports folded, dependencies absolute). */
function normalize(app: ParsedApp, versionInfo: VersionInfo, version: string): AppDefinition {
  const id = canonicalPathId(app.id);
  const { ports, portDefinitions, ...rest } = app;
  // In bridge mode each port mapping is a port of the app: its service port, name and labels.
  const mappings = bridgeMappings(app);
  const givenPorts = portDefinitions?.map((p) => p.port) ?? ports;
  const defs = mappings
    ? mappings.map((m, i) => ({ port: m.servicePort || (givenPorts?.[i] ?? 0), protocol: m.protocol, name: m.name, labels: m.labels }))
    : (portDefinitions ?? (ports ?? [0]).map((port) => ({ port, protocol: 'tcp' as const, name: undefined, labels: undefined })));
  return {
    ...rest,
    id,
    portDefinitions: defs,
    healthChecks: app.healthChecks.map((h) => ({ ...h, portIndex: h.protocol === 'COMMAND' ? h.portIndex : (h.portIndex ?? 0) })),
    dependencies: app.dependencies.map((d) => resolvePathId(parentGroup(id), d) ?? d),
    version,
    versionInfo,
  };
}

/**
 * Validates a JSON value as an app definition. Throws an ValidationError (422) with
 * every field at fault; `pathPrefix` places the pointers inside a larger document
 * (e.g. `/apps/2` of a group).
 */
export function validateApp(json: unknown, limits: AppLimits, stamp: { version: string; versionInfo: VersionInfo }, pathPrefix = ''): AppDefinition {
  // Fields Marathon takes and Tandem does not honour: refused by name, never dropped.
  const unsupported = unsupportedAppFields(json);
  const parsed = appSchema.safeParse(json);
  if (!parsed.success)
    throw new ValidationError([...zodDetails(parsed.error.issues, pathPrefix), ...unsupported.map((p) => ({ ...p, path: `${pathPrefix}${p.path}` }))]);
  const problems = [...unsupported, ...crossFieldProblems(parsed.data, limits)];
  if (problems.length > 0) {
    throw new ValidationError(problems.map((p) => ({ ...p, path: `${pathPrefix}${p.path === '/' && pathPrefix ? '' : p.path}` || '/' })));
  }
  return normalize(parsed.data, stamp.versionInfo, stamp.version);
}
