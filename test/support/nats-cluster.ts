/**
 * A real NATS JetStream cluster on loopback for tests (issue #10's fault suite and the
 * NATS store's replication tests): N nats-servers (3 by default), each with its own
 * config file and store directory under one temp dir, a free client, cluster (route) and
 * monitoring port, a `server_name`, one cluster name and routes to the others.
 *
 * `startNatsCluster()` resolves once every node answers and all of them name the same
 * JetStream meta leader (read from each node's monitoring `/jsz`). Each node can be
 * crashed (`kill`: SIGKILL), frozen (`stop`: SIGSTOP) and resumed (`cont`: SIGCONT), and
 * restarted on the same port and data. `stop()` ends every node and removes the temp
 * dir; call it in `afterAll` (or `afterEach`). A test process that exits without it still
 * SIGKILLs the servers (`nats-process.ts`) and removes the dirs.
 *
 * `sync_interval: always` (fsync before every acknowledgement, what production needs) is
 * written only for servers that know it: it arrived in nats-server 2.10, and Debian's
 * 2.9.10, which the tests run, refuses it as an unknown field. On 2.9 the nodes use the
 * default lazy fsync. The tests crash processes, not machines (what `always` guards
 * against is power loss), so they hold either way. `syncAlways` says which.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { findNatsServer, freePort, NatsProcess, natsServerVersion, sleep } from './nats-process.js';

export interface NatsClusterOptions {
  /** Servers in the cluster (3 for a quorum that survives one loss). @default 3 */
  nodes?: number;
  /** The cluster's name in every node's `cluster {}` block. @default 'tandem-test' */
  name?: string;
  /** How long starting the cluster, or one node's restart, may take. @default 20000 */
  timeoutMs?: number;
  /**
   * Do not tell clients of the other nodes' client URLs (`cluster { no_advertise: true }`):
   * a client then only ever dials the URLs it was given, as when it reaches the nodes
   * through TCP proxies that a test cuts. @default false
   */
  noAdvertise?: boolean;
}

export interface NatsNode {
  /** `server_name`: `n1`, `n2`, … */
  readonly name: string;
  /** Client URL, `nats://127.0.0.1:<port>`. */
  readonly url: string;
  /** Monitoring base URL (`/varz`, `/jsz`, `/routez`). */
  readonly monitorUrl: string;
  /** The server's process id while it runs. */
  readonly pid: number | undefined;
  readonly running: boolean;
  /** The server's last output, for a failing test's message. */
  readonly log: string;
  /** SIGKILL: a crash. Resolves once the process has exited. A no-op when it is not running. */
  kill(): Promise<void>;
  /** SIGSTOP: frozen, its sockets open and silent. Resolves once the kernel shows it stopped. */
  stop(): Promise<void>;
  /** SIGCONT: resumes a frozen node. */
  cont(): void;
  /** The names of the client connections this node holds (its `/connz`; `NatsKvStore`'s is `tandem-store-<bucket>`); [] when it does not answer. */
  clientNames(): Promise<string[]>;
  /** What this node reports of a stream (`KV_<bucket>` for a KV bucket), or undefined when it does not answer or knows no such stream. */
  streamState(stream: string): Promise<StreamState | undefined>;
  /**
   * Starts the node again on the same ports, config and data (a running one is first
   * stopped with SIGTERM). Resolves once it answers and, when a quorum of nodes runs,
   * once it names the JetStream meta leader (it has rejoined).
   */
  restart(): Promise<void>;
}

export interface NatsCluster {
  /** Every node's client URL, in node order. */
  readonly urls: string[];
  /** The client URLs as one comma list, as `--store nats://…` and `NatsKvStore`'s `servers` take them. */
  readonly servers: string;
  /** The temp dir holding each node's config file and store dir. */
  readonly dir: string;
  /** Whether the nodes run with `sync_interval: always` (nats-server >= 2.10 only). */
  readonly syncAlways: boolean;
  /** Node `i`, from 0. */
  node(i: number): NatsNode;
  /** Resolves with the node leading a stream (`KV_<bucket>`) once the running nodes agree on one that runs. */
  streamLeader(stream: string, timeoutMs?: number): Promise<NatsNode>;
  /** Resolves with the meta leader's name once every running node names the same one. */
  waitForLeader(timeoutMs?: number): Promise<string>;
  /** Ends every node (SIGCONT then SIGTERM, SIGKILL after 5 s) and removes the temp dir. Idempotent. */
  stop(): Promise<void>;
}

export interface StreamState {
  /** The leader's `server_name` as this node sees it ('' for none). */
  leader: string;
  /** The last sequence this node holds. */
  lastSeq: number;
}

export const DEFAULT_NATS_CLUSTER_NODES = 3;
const DEFAULT_TIMEOUT_MS = 20_000;

/** Temp dirs of clusters not yet stopped: removed if the test process exits without `stop()`. */
const dirs = new Set<string>();
process.once('exit', () => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

/** The parts of nats-server's `/jsz` these helpers read. */
interface Jsz {
  meta_cluster?: { leader?: string };
  account_details?: { stream_detail?: { name: string; cluster?: { leader?: string }; state?: { last_seq?: number } }[] }[];
}

interface Ports {
  client: number;
  cluster: number;
  monitor: number;
}

class Node implements NatsNode {
  private paused = false;

  constructor(
    readonly name: string,
    private readonly ports: Ports,
    private readonly process: NatsProcess,
    private readonly cluster: Cluster,
  ) {}

  get url(): string {
    return `nats://127.0.0.1:${this.ports.client}`;
  }

  get monitorUrl(): string {
    return `http://127.0.0.1:${this.ports.monitor}`;
  }

  get pid(): number | undefined {
    return this.process.pid;
  }

  get running(): boolean {
    return this.process.running;
  }

  /** Running and not frozen: can answer. */
  get live(): boolean {
    return this.process.running && !this.paused;
  }

  get log(): string {
    return this.process.log;
  }

  start(timeoutMs: number): Promise<void> {
    this.paused = false;
    return this.process.start(timeoutMs);
  }

  async kill(): Promise<void> {
    await this.process.kill();
    this.paused = false;
  }

  async stop(): Promise<void> {
    await this.process.pause();
    this.paused = this.process.running;
  }

  cont(): void {
    this.process.resume();
    this.paused = false;
  }

  async restart(): Promise<void> {
    await this.end();
    await this.start(this.cluster.timeoutMs);
    if (this.cluster.quorumLive()) await waitUntil(() => this.metaLeader(), `${this.name} to rejoin and name a meta leader`, this.cluster.timeoutMs, this);
  }

  /** SIGTERM (a frozen node is resumed first), SIGKILL after 5 s. */
  async end(): Promise<void> {
    await this.process.stop();
    this.paused = false;
  }

  /** The JetStream meta leader this node names, or '' when it names none or does not answer. */
  async metaLeader(): Promise<string> {
    return (await this.jsz(''))?.meta_cluster?.leader ?? '';
  }

  async streamState(stream: string): Promise<StreamState | undefined> {
    const jsz = await this.jsz('?accounts=true&streams=true');
    for (const account of jsz?.account_details ?? []) {
      for (const s of account.stream_detail ?? []) {
        if (s.name === stream) return { leader: s.cluster?.leader ?? '', lastSeq: s.state?.last_seq ?? 0 };
      }
    }
    return undefined;
  }

  async clientNames(): Promise<string[]> {
    const connz = await this.monitor<{ connections?: { name?: string }[] }>('/connz?limit=1024');
    return (connz?.connections ?? []).map((c) => c.name ?? '');
  }

  private jsz(query: string): Promise<Jsz | undefined> {
    return this.monitor<Jsz>(`/jsz${query}`);
  }

  /** One of the node's monitoring endpoints, or undefined when it does not answer within a second. */
  private async monitor<T>(path: string): Promise<T | undefined> {
    try {
      const res = await fetch(`${this.monitorUrl}${path}`, { signal: AbortSignal.timeout(1_000) });
      return res.ok ? ((await res.json()) as T) : undefined;
    } catch {
      return undefined;
    }
  }
}

class Cluster implements NatsCluster {
  readonly nodes: Node[] = [];
  private stopped = false;

  constructor(
    readonly dir: string,
    readonly syncAlways: boolean,
    readonly timeoutMs: number,
  ) {}

  get urls(): string[] {
    return this.nodes.map((n) => n.url);
  }

  get servers(): string {
    return this.urls.join(',');
  }

  node(i: number): NatsNode {
    const n = this.nodes[i];
    if (!n) throw new RangeError(`node: index ${i} is out of range (the cluster has nodes 0..${this.nodes.length - 1})`);
    return n;
  }

  quorumLive(): boolean {
    return this.nodes.filter((n) => n.live).length > this.nodes.length / 2;
  }

  async waitForLeader(timeoutMs = this.timeoutMs): Promise<string> {
    return waitUntil(
      async () => {
        const live = this.nodes.filter((n) => n.live);
        if (live.length === 0) return '';
        const leaders = new Set(await Promise.all(live.map((n) => n.metaLeader())));
        const [leader] = leaders;
        return leaders.size === 1 && leader && live.some((n) => n.name === leader) ? leader : '';
      },
      'every running node to name the same JetStream meta leader',
      timeoutMs,
      ...this.nodes,
    );
  }

  async streamLeader(stream: string, timeoutMs = this.timeoutMs): Promise<NatsNode> {
    const name = await waitUntil(
      async () => {
        const live = this.nodes.filter((n) => n.live);
        const leaders = new Set((await Promise.all(live.map((n) => n.streamState(stream)))).map((s) => s?.leader ?? ''));
        const [leader] = leaders;
        return leaders.size === 1 && leader && live.some((n) => n.name === leader) ? leader : '';
      },
      `every running node to name the same leader of stream ${stream}`,
      timeoutMs,
      ...this.nodes,
    );
    const node = this.nodes.find((n) => n.name === name);
    if (!node) throw new Error(`nats cluster: stream ${stream}'s leader ${name} is no node of this cluster`);
    return node;
  }

  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    await Promise.all(this.nodes.map((n) => n.end()));
    rmSync(this.dir, { recursive: true, force: true });
    dirs.delete(this.dir);
  }
}

/**
 * Writes each node's config, starts them all, and resolves once they agree on a JetStream
 * meta leader. Ports are picked free and then bound by the servers: another process may
 * take one in between (seen once in a full run), so a start that fails on a port in use is
 * tried again, twice, on new ports.
 */
export async function startNatsCluster(options: NatsClusterOptions = {}): Promise<NatsCluster> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await startNatsClusterOnce(options);
    } catch (err) {
      if (attempt >= 3 || !/address already in use/.test(String((err as Error).message))) throw err;
    }
  }
}

async function startNatsClusterOnce(options: NatsClusterOptions): Promise<NatsCluster> {
  const count = options.nodes ?? DEFAULT_NATS_CLUSTER_NODES;
  if (!Number.isInteger(count) || count < 1) throw new RangeError(`nodes: must be a whole number >= 1, got ${count}`);
  const bin = findNatsServer();
  const [major, minor] = natsServerVersion(bin);
  const syncAlways = major > 2 || (major === 2 && minor >= 10);
  const name = options.name ?? 'tandem-test';
  const dir = mkdtempSync(join(tmpdir(), 'tandem-nats-cluster-'));
  dirs.add(dir);
  const cluster = new Cluster(dir, syncAlways, options.timeoutMs ?? DEFAULT_TIMEOUT_MS);
  try {
    const ports: Ports[] = [];
    for (let i = 0; i < count; i++) ports.push({ client: await freePort(), cluster: await freePort(), monitor: await freePort() });
    for (const [i, p] of ports.entries()) {
      const server = `n${i + 1}`;
      const storeDir = join(dir, server);
      mkdirSync(storeDir);
      const routes = ports.filter((_, j) => j !== i).map((o) => `nats-route://127.0.0.1:${o.cluster}`);
      const conf = join(dir, `${server}.conf`);
      writeFileSync(conf, nodeConfig({ server, cluster: name, ports: p, storeDir, routes, syncAlways, noAdvertise: options.noAdvertise ?? false }));
      cluster.nodes.push(new Node(server, p, new NatsProcess(bin, ['-c', conf], p.client), cluster));
    }
    await Promise.all(cluster.nodes.map((n) => n.start(cluster.timeoutMs)));
    await cluster.waitForLeader();
    return cluster;
  } catch (err) {
    await cluster.stop();
    throw err;
  }
}

/** One node's nats-server config (strings JSON-quoted, which the config format accepts). */
function nodeConfig(c: {
  server: string;
  cluster: string;
  ports: Ports;
  storeDir: string;
  routes: string[];
  syncAlways: boolean;
  noAdvertise: boolean;
}): string {
  const q = (s: string): string => JSON.stringify(s);
  return [
    `server_name: ${q(c.server)}`,
    `listen: ${q(`127.0.0.1:${c.ports.client}`)}`,
    `http: ${q(`127.0.0.1:${c.ports.monitor}`)}`,
    'jetstream {',
    `  store_dir: ${q(c.storeDir)}`,
    ...(c.syncAlways ? ['  sync_interval: always'] : []),
    '}',
    'cluster {',
    `  name: ${q(c.cluster)}`,
    `  listen: ${q(`127.0.0.1:${c.ports.cluster}`)}`,
    `  routes: [${c.routes.map(q).join(', ')}]`,
    ...(c.noAdvertise ? ['  no_advertise: true'] : []),
    '}',
    '',
  ].join('\n');
}

async function waitUntil(fn: () => Promise<string>, what: string, timeoutMs: number, ...logs: NatsNode[]): Promise<string> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > deadline) {
      const tails = logs.map((n) => `--- ${n.name}:\n${n.log.slice(-1_500)}`).join('\n');
      throw new Error(`nats cluster: timed out after ${timeoutMs} ms waiting for ${what}\n${tails}`);
    }
    await sleep(100);
  }
}
