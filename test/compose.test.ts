import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { findNatsServer, natsServerVersion } from './support/nats-process.js';

// docker-compose.yml is the HA cluster (issue #10): 3 NATS JetStream nodes in one cluster
// with fsync on every write, 3 masters on that store, and agents, apps and jobs that know
// all three masters. This reads the file as Compose would (YAML merge keys included) and
// checks how the pieces name each other; `docker compose config` checks it where it exists.

interface Service {
  build?: string | { context?: string; dockerfile?: string };
  image?: string;
  command?: string[];
  restart?: string;
  ports?: string[];
  volumes?: string[];
  network_mode?: string;
  networks?: Record<string, { ipv4_address?: string } | null>;
  extra_hosts?: string[];
  healthcheck?: { test?: string[] };
}

const REPO = join(dirname(fileURLToPath(import.meta.url)), '..');
const COMPOSE_FILE = join(REPO, 'docker-compose.yml');
const compose = parse(readFileSync(COMPOSE_FILE, 'utf8'), { merge: true }) as { services: Record<string, Service> };
const services = Object.entries(compose.services);

/** The value after `flag` in a service's command. */
function flagValue(service: Service, flag: string): string | undefined {
  const cmd = service.command ?? [];
  const i = cmd.indexOf(flag);
  return i >= 0 ? cmd[i + 1] : undefined;
}

function named(kind: (s: Service) => boolean): [string, Service][] {
  return services.filter(([, s]) => kind(s));
}

const natsNodes = named((s) => (s.image ?? '').startsWith('nats:'));
const masters = named((s) => s.command?.[0] === 'master');
const agents = named((s) => s.command?.[0] === 'agent');
const apps = named((s) => s.command?.[0] === 'apps' && s.command[1] === 'serve');
const jobs = named((s) => s.command?.[0] === 'jobs' && s.command[1] === 'serve');

/** A NATS config file with its comments removed. */
function natsConfig(path: string): string {
  return readFileSync(path, 'utf8').replace(/#.*$/gm, '');
}

/** A NATS config without its blocks: the top-level settings. */
function topLevel(conf: string): string {
  return conf.replace(/^\w+\s*\{[^}]*\}/gm, '');
}

/** The body of a top-level `name { … }` block of a NATS config (the blocks used here hold no nested braces). */
function block(conf: string, name: string): string {
  const m = new RegExp(`^${name}\\s*\\{([^}]*)\\}`, 'm').exec(conf);
  if (!m?.[1]) throw new Error(`no ${name} { } block`);
  return m[1];
}

function setting(conf: string, key: string): string | undefined {
  return new RegExp(`^\\s*${key}\\s*[:=]\\s*("?)([^"\\s]+)\\1\\s*$`, 'm').exec(conf)?.[2];
}

/** The config file a NATS service runs: the host side of the volume mounted where `--config` points. */
function configFileOf(service: Service): string {
  const inContainer = flagValue(service, '--config');
  const mount = (service.volumes ?? []).map((v) => v.split(':')).find(([, target]) => target === inContainer);
  if (!inContainer || !mount?.[0]) throw new Error(`no config file mounted at --config ${inContainer}`);
  return resolve(REPO, mount[0]);
}

/** `nats://a:4222,b:4222` → ['a:4222', 'b:4222']. */
function natsHosts(url: string | undefined): string[] {
  if (!url?.startsWith('nats://')) return [];
  return url
    .slice('nats://'.length)
    .split(',')
    .map((h) => h.replace(/^nats:\/\//, ''));
}

const masterAddresses = masters.map(([name, s]) => `${name}:${flagValue(s, '--port') ?? '5050'}`);

describe('docker-compose.yml (the HA cluster)', () => {
  it('compose - three NATS nodes, pinned to a 2.10+ image, form one cluster whose routes name each other, with JetStream fsyncing every write', () => {
    expect(natsNodes.map(([n]) => n).sort()).toEqual(['nats1', 'nats2', 'nats3']);
    const clusterNames = new Set<string>();
    for (const [name, s] of natsNodes) {
      const tag = /^nats:(\d+)\.(\d+)\.(\d+)(-alpine)?$/.exec(s.image ?? '');
      expect(tag, `${name}: image ${s.image} is not a pinned nats:X.Y.Z tag`).not.toBeNull();
      const [major, minor] = [Number(tag?.[1]), Number(tag?.[2])];
      expect(major > 2 || minor >= 10, `${name}: ${s.image} predates sync_interval (2.10)`).toBe(true);

      const conf = natsConfig(configFileOf(s));
      expect(setting(topLevel(conf), 'server_name')).toBe(name);
      expect(setting(topLevel(conf), 'listen')).toMatch(/:4222$/);
      const js = block(conf, 'jetstream');
      expect(setting(js, 'sync_interval'), `${name}: jetstream.sync_interval`).toBe('always');
      const dataDir = setting(js, 'store_dir');
      expect(
        (s.volumes ?? []).some((v) => v.split(':')[1] === dataDir),
        `${name}: store_dir ${dataDir} is on a volume`,
      ).toBe(true);

      const cluster = block(conf, 'cluster');
      clusterNames.add(setting(cluster, 'name') ?? '');
      const clusterPort = setting(cluster, 'listen')?.split(':').pop();
      const routes = [...cluster.matchAll(/nats-route:\/\/([\w.-]+):(\d+)/g)].map((m) => `${m[1]}:${m[2]}`);
      for (const [other] of natsNodes.filter(([n]) => n !== name)) expect(routes, `${name} routes to ${other}`).toContain(`${other}:${clusterPort}`);
    }
    expect([...clusterNames]).toHaveLength(1);
  });

  it("compose - the NATS configs are ones nats-server accepts (this machine's server; sync_interval set aside only where it predates 2.10)", () => {
    const bin = findNatsServer();
    const [major, minor] = natsServerVersion(bin);
    const knowsSyncInterval = major > 2 || minor >= 10;
    const dir = mkdtempSync(join(tmpdir(), 'tandem-compose-'));
    try {
      for (const [name, s] of natsNodes) {
        let conf = readFileSync(configFileOf(s), 'utf8');
        if (!knowsSyncInterval) conf = conf.replace(/^\s*sync_interval\s*:.*$/m, '');
        const file = join(dir, `${name}.conf`);
        writeFileSync(file, conf);
        const r = spawnSync(bin, ['-c', file, '-t'], { encoding: 'utf8' });
        expect(r.status, `${name}: ${r.stdout}${r.stderr}`).toBe(0);
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('compose - three masters on the NATS store naming all three nodes, each advertising its own name', () => {
    expect(masters.map(([n]) => n).sort()).toEqual(['master1', 'master2', 'master3']);
    const nodes = natsNodes.map(([n]) => `${n}:4222`).sort();
    for (const [name, s] of masters) {
      expect(natsHosts(flagValue(s, '--store')).sort(), `${name} --store`).toEqual(nodes);
      expect(flagValue(s, '--advertise-host')).toBe(name);
      expect(flagValue(s, '--host')).toBe('0.0.0.0');
    }
  });

  it('compose - agents, apps and jobs are given all three masters; apps and jobs keep their state on the NATS store', () => {
    expect(agents).toHaveLength(2);
    expect(apps).toHaveLength(2);
    expect(jobs).toHaveLength(2);
    const nodes = natsNodes.map(([n]) => `${n}:4222`).sort();
    for (const [name, s] of [...agents, ...apps, ...jobs]) {
      expect((flagValue(s, '--master') ?? '').split(',').sort(), `${name} --master`).toEqual([...masterAddresses].sort());
    }
    for (const [name, s] of [...apps, ...jobs]) {
      expect(natsHosts(flagValue(s, '--store')).sort(), `${name} --store`).toEqual(nodes);
      expect(flagValue(s, '--advertise-host')).toBe(name);
      expect(flagValue(s, '--host')).toBe('0.0.0.0');
    }
  });

  it("compose - agents on the host's network reach each master by its fixed address, own the Docker socket, and do not collide", () => {
    const addressOf = new Map(masters.map(([name, s]) => [name, s.networks?.default?.ipv4_address]));
    const agentPorts = new Set<string>();
    const ranges: [number, number][] = [];
    for (const [name, s] of agents) {
      expect(s.network_mode).toBe('host');
      expect(s.volumes).toContain('/var/run/docker.sock:/var/run/docker.sock');
      const hosts = new Map((s.extra_hosts ?? []).map((h) => h.split(':') as [string, string]));
      for (const [master, address] of addressOf) {
        expect(address, `${master} has a fixed address`).toMatch(/^\d+\.\d+\.\d+\.\d+$/);
        expect(hosts.get(master), `${name} resolves ${master}`).toBe(address);
      }
      agentPorts.add(flagValue(s, '--port') ?? '5052');
      const range = /ports:\[(\d+)-(\d+)\]/.exec(flagValue(s, '--resources') ?? '');
      expect(range, `${name} --resources names its port range`).not.toBeNull();
      ranges.push([Number(range?.[1]), Number(range?.[2])]);
    }
    expect(agentPorts.size, 'each agent has its own --port on the shared host network').toBe(agents.length);
    ranges.sort((a, b) => a[0] - b[0]);
    for (let i = 1; i < ranges.length; i++) expect(ranges[i]?.[0], 'task port ranges do not overlap').toBeGreaterThan(ranges[i - 1]?.[1] ?? 0);
    // Tasks run on the host's network: apps and jobs reach them through the agents' hostnames.
    for (const [name, s] of [...apps, ...jobs]) {
      for (const [agent, a] of agents) expect(s.extra_hosts, `${name} resolves ${agent}`).toContain(`${flagValue(a, '--hostname')}:host-gateway`);
    }
  });

  it('compose - every service is built from the repo Dockerfile or is the nats image, comes back after a crash, and has a healthcheck on its own port', () => {
    expect(existsSync(join(REPO, 'Dockerfile'))).toBe(true);
    const hostPorts: string[] = [];
    for (const [name, s] of services) {
      expect(['always', 'unless-stopped'], `${name}: restart`).toContain(s.restart);
      if (natsNodes.some(([n]) => n === name)) {
        expect(s.build, `${name} is the nats image, not built`).toBeUndefined();
        expect(s.healthcheck?.test?.join(' ')).toContain(':8222/healthz');
        continue;
      }
      const build = typeof s.build === 'string' ? { context: s.build } : s.build;
      expect(build?.context, `${name}: build context`).toBe('.');
      expect(build?.dockerfile ?? 'Dockerfile').toBe('Dockerfile');
      expect(s.image, `${name}: one image for every Tandem service`).toBe('tandem:dev');
      const ownPort = s.command?.[0] === 'master' ? (flagValue(s, '--http-port') ?? '5051') : (flagValue(s, '--port') ?? '');
      expect(s.healthcheck?.test?.join(' '), `${name}: healthcheck`).toContain(`127.0.0.1:${ownPort}/`);
      for (const p of s.ports ?? []) hostPorts.push(p.split(':')[0] ?? '');
    }
    expect(new Set(hostPorts).size, 'published host ports are distinct').toBe(hostPorts.length);
    expect(services).toHaveLength(natsNodes.length + masters.length + agents.length + apps.length + jobs.length);
  });

  const composeVersion = spawnSync('docker', ['compose', 'version'], { encoding: 'utf8' });
  const noCompose = composeVersion.status !== 0;
  if (noCompose)
    console.log(
      `compose.test: skipping \`docker compose config\`: \`docker compose version\` fails here (${(composeVersion.stderr || composeVersion.error?.message || '').trim().split('\n')[0]})`,
    );

  it.skipIf(noCompose)('compose - docker compose config accepts the file', () => {
    execFileSync('docker', ['compose', '-f', COMPOSE_FILE, 'config', '-q'], { cwd: REPO, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  });
});
