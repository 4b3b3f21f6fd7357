import { CONTAINER_HOSTNAME, DOCKER_LABEL_KEY, DOCKER_ULIMIT_NAMES, isDockerUlimitName } from '@tandem/protocol';
import type Docker from 'dockerode';
import type { DockerInfo } from './docker-request.js';

/**
 * The harmless settings of a Docker task (labels, workdir, hostname, memory swappiness,
 * shm size, ulimits, a read-only root) and its network (host, or the agent's bridge with
 * port mappings): checked here, turned into the engine's create options by
 * `dockerSettingsOptions`. None needs the agent's Docker policy; a malformed value is the
 * task's TASK_ERROR naming the field.
 */
export interface DockerSettings {
  readonly labels: Readonly<Record<string, string>>;
  readonly workdir: string;
  readonly hostname: string;
  readonly memorySwappiness: number | undefined;
  readonly shmSizeBytes: number;
  readonly ulimits: readonly { name: string; soft: number; hard: number }[];
  readonly readOnly: boolean;
  readonly network: 'host' | 'bridge';
  readonly portMappings: readonly { containerPort: number; hostPort: number; protocol: 'tcp' | 'udp' }[];
}

const FIELD = 'container.docker';
const isPort = (p: number): boolean => Number.isInteger(p) && p >= 1 && p <= 65535;

function networkOf(n: unknown): 'host' | 'bridge' | undefined {
  if (n === undefined || n === null || n === 0 || n === 'NETWORK_HOST') return 'host';
  if (n === 1 || n === 'NETWORK_BRIDGE') return 'bridge';
  return undefined;
}

/** The settings of `info`, or the first malformed one as `<field>: <problem>`. */
export function dockerSettingsOf(info: DockerInfo | null | undefined): DockerSettings | { field: string; problem: string } {
  const bad = (field: string, problem: string) => ({ field: `${FIELD}.${field}`, problem });
  const labels: Record<string, string> = {};
  for (const [i, l] of (info?.labels ?? []).entries()) {
    if (!DOCKER_LABEL_KEY.test(l.key ?? '')) return bad(`labels[${i}].key`, `"${l.key}" is not a label key`);
    if (l.key.toLowerCase().startsWith('tandem.')) return bad(`labels[${i}].key`, `"${l.key}": keys starting with tandem. are the agent's own`);
    labels[l.key] = l.value ?? '';
  }
  const workdir = info?.workdir ?? '';
  if (workdir && (!workdir.startsWith('/') || workdir.includes('\0'))) return bad('workdir', `must be an absolute path, got "${workdir}"`);
  const hostname = info?.hostname ?? '';
  if (hostname && !CONTAINER_HOSTNAME.test(hostname)) return bad('hostname', `"${hostname}" is not a host name (letters, digits and -, at most 63)`);
  const swappiness = info?.memorySwappiness ?? undefined;
  if (swappiness !== undefined && (!Number.isInteger(swappiness) || swappiness < 0 || swappiness > 100))
    return bad('memory_swappiness', `must be a whole number from 0 to 100, got ${swappiness}`);
  const shm = Number(info?.shmSizeBytes ?? 0);
  if (!Number.isSafeInteger(shm) || shm < 0) return bad('shm_size_bytes', `must be a whole number of bytes, got ${shm}`);
  const ulimits: { name: string; soft: number; hard: number }[] = [];
  for (const [i, u] of (info?.ulimits ?? []).entries()) {
    const at = `ulimits[${i}]`;
    if (!isDockerUlimitName(u.name)) return bad(`${at}.name`, `"${u.name}" is not a ulimit (one of ${DOCKER_ULIMIT_NAMES.join(', ')})`);
    if (ulimits.some((x) => x.name === u.name)) return bad(`${at}.name`, `${u.name} is given more than once`);
    const soft = Number(u.soft);
    const hard = Number(u.hard);
    if (!Number.isSafeInteger(soft) || !Number.isSafeInteger(hard) || soft < -1 || hard < -1)
      return bad(at, 'soft and hard must be whole numbers (-1: unlimited)');
    if (hard !== -1 && (soft === -1 || soft > hard)) return bad(at, `the soft limit ${soft} is above the hard limit ${hard}`);
    ulimits.push({ name: u.name, soft, hard });
  }
  const network = networkOf(info?.network);
  if (!network) return bad('network', `must be NETWORK_HOST or NETWORK_BRIDGE, got ${String(info?.network)}`);
  const portMappings: { containerPort: number; hostPort: number; protocol: 'tcp' | 'udp' }[] = [];
  for (const [i, m] of (info?.portMappings ?? []).entries()) {
    const at = `port_mappings[${i}]`;
    if (network !== 'bridge') return bad('port_mappings', 'port mappings need network NETWORK_BRIDGE');
    if (!isPort(m.containerPort)) return bad(`${at}.container_port`, `must be a port from 1 to 65535, got ${m.containerPort}`);
    if (!isPort(m.hostPort)) return bad(`${at}.host_port`, `must be a port from 1 to 65535, got ${m.hostPort}`);
    const protocol = m.protocol === '' || m.protocol === undefined ? 'tcp' : m.protocol;
    if (protocol !== 'tcp' && protocol !== 'udp') return bad(`${at}.protocol`, `must be tcp or udp, got "${m.protocol}"`);
    if (portMappings.some((x) => x.hostPort === m.hostPort && x.protocol === protocol))
      return bad(`${at}.host_port`, `${protocol} host port ${m.hostPort} is mapped more than once`);
    portMappings.push({ containerPort: m.containerPort, hostPort: m.hostPort, protocol });
  }
  return {
    labels,
    workdir,
    hostname,
    memorySwappiness: swappiness,
    shmSizeBytes: shm,
    ulimits,
    readOnly: info?.readOnly === true,
    network,
    portMappings,
  };
}

/**
 * The create options of `settings`, merged into the containerizer's own: `bridgeNetwork`
 * is the engine network a bridge task joins. The agent's own labels win over the task's.
 */
export function dockerSettingsOptions(
  settings: DockerSettings,
  bridgeNetwork: string,
): Partial<Docker.ContainerCreateOptions> & { HostConfig: Docker.HostConfig } {
  const exposed: Record<string, object> = {};
  const bindings: Record<string, { HostIp: string; HostPort: string }[]> = {};
  for (const m of settings.portMappings) {
    const key = `${m.containerPort}/${m.protocol}`;
    exposed[key] = {};
    bindings[key] = [...(bindings[key] ?? []), { HostIp: '', HostPort: String(m.hostPort) }];
  }
  return {
    ...(settings.workdir ? { WorkingDir: settings.workdir } : {}),
    ...(settings.hostname ? { Hostname: settings.hostname } : {}),
    ...(settings.portMappings.length > 0 ? { ExposedPorts: exposed } : {}),
    HostConfig: {
      NetworkMode: settings.network === 'bridge' ? bridgeNetwork : 'host',
      ...(settings.portMappings.length > 0 ? { PortBindings: bindings } : {}),
      ...(settings.memorySwappiness !== undefined ? { MemorySwappiness: settings.memorySwappiness } : {}),
      ...(settings.shmSizeBytes > 0 ? { ShmSize: settings.shmSizeBytes } : {}),
      ...(settings.ulimits.length > 0 ? { Ulimits: settings.ulimits.map((u) => ({ Name: u.name, Soft: u.soft, Hard: u.hard })) } : {}),
      ...(settings.readOnly ? { ReadonlyRootfs: true } : {}),
    },
  };
}
