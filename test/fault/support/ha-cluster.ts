/**
 * A Tandem cluster of real processes for the fault suite: a 3-node NATS JetStream cluster
 * on loopback, `tandem master` processes in HA on it (fixed ports, so a restarted master
 * comes back where clients look for it), and `tandem agent` processes given the list of
 * every master (process containerizer: the suite is about the control plane, not Docker).
 * Every process can be SIGKILLed, frozen (SIGSTOP), resumed and restarted on its ports and
 * work dir; `stop()` ends them all, and the tasks the agents left running.
 *
 * Links a scenario cuts go through TcpProxies (test/support/tcp-proxy.ts):
 * - `natsProxies`: each master reaches each NATS node through a proxy of its own (its
 *   `--store` names the proxies; the nodes do not advertise their own addresses, so the
 *   client never goes around them): `natsLinksOf(master)`.
 * - `agentProxies`: each agent reaches each master through a proxy of its own (its
 *   `--master` names the proxies, the leader's first): `masterLinksOf(agent)`. A standby
 *   that refuses the agent names the leader's own address, so an agent that lands on a
 *   standby after a heal goes to the leader directly from then on.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { spawnTandem, type TandemProcess, tempDir, waitFor } from '../../support/cluster.js';
import { type NatsCluster, startNatsCluster } from '../../support/nats-cluster.js';
import { freePort } from '../../support/nats-process.js';
import { TcpProxy } from '../../support/tcp-proxy.js';
import { killTasksUnder } from './task-reaper.js';

export interface HaClusterOptions {
  masters?: number;
  agents?: number;
  /** The masters' lease, in seconds. @default 2 */
  leaseTtlS?: number;
  /** The masters' ping period, in seconds (an agent counts a master gone after 5 missed). @default 0.3 */
  pingIntervalS?: number;
  /** Each agent's resources. @default 'cpus:16;mem:8192;disk:1024' */
  agentResources?: string;
  /** Each master reaches each NATS node through a TcpProxy of its own (`natsLinksOf`). @default false */
  natsProxies?: boolean;
  /** Each agent reaches each master through a TcpProxy of its own (`masterLinksOf`). @default false */
  agentProxies?: boolean;
}

/** One process of the cluster: what it was started with, and its lifecycle. */
export class ClusterProcess {
  private proc: TandemProcess;
  private earlier = '';

  constructor(
    readonly name: string,
    private readonly args: string[],
    /** An agent's work dir (its tasks are ended with the cluster). */
    readonly workDir?: string,
  ) {
    this.proc = spawnTandem(args, 'warn');
  }

  get pid(): number | undefined {
    return this.proc.child.pid;
  }

  get running(): boolean {
    return this.proc.child.exitCode === null && this.proc.child.signalCode === null;
  }

  /** Everything every incarnation printed. */
  output(): string {
    return this.earlier + this.proc.output();
  }

  /** What the current incarnation printed. */
  currentOutput(): string {
    return this.proc.output();
  }

  signal(sig: 'SIGSTOP' | 'SIGCONT'): void {
    if (this.running) this.proc.child.kill(sig);
  }

  /** SIGKILL; resolves once it has exited. */
  kill(): Promise<void> {
    const child = this.proc.child;
    if (!this.running) return Promise.resolve();
    return new Promise((resolve) => {
      child.once('exit', () => resolve());
      child.kill('SIGCONT');
      child.kill('SIGKILL');
    });
  }

  /** SIGTERM (an ordered stop); SIGKILL after `graceMs`. */
  terminate(graceMs = 10_000): Promise<void> {
    const child = this.proc.child;
    if (!this.running) return Promise.resolve();
    return new Promise((resolve) => {
      const force = setTimeout(() => child.kill('SIGKILL'), graceMs);
      child.once('exit', () => {
        clearTimeout(force);
        resolve();
      });
      child.kill('SIGCONT');
      child.kill('SIGTERM');
    });
  }

  /**
   * Starts it again with the same arguments (ports, work dir) once the last incarnation
   * has exited: after a SIGKILL (`'kill'`, a crash) or an ordered stop (`'terminate'`,
   * an upgrade).
   */
  async restart(how: 'kill' | 'terminate' = 'kill'): Promise<void> {
    await (how === 'kill' ? this.kill() : this.terminate());
    this.earlier += this.proc.output();
    this.proc = spawnTandem(this.args, 'warn');
  }
}

export interface MasterProcess extends ClusterProcess {
  readonly grpc: string;
  readonly http: string;
}

export interface LeaderView {
  leader: { id: string; grpc: string; http?: string } | null;
  leading: boolean;
  self: string;
}

export class HaCluster {
  private constructor(
    readonly nats: NatsCluster,
    readonly masters: MasterProcess[],
    readonly agents: ClusterProcess[],
    /** Per master name: its proxies to NATS node 0, 1, 2 (natsProxies). */
    private readonly natsLinks: Map<string, TcpProxy[]>,
    /** Per agent name: its proxies to master 0, 1, 2 (agentProxies). */
    private readonly masterLinks: Map<string, TcpProxy[]>,
  ) {}

  /** `h1:p1,h2:p2,h3:p3`, as agents, frameworks and `tandem` take it. */
  get masterList(): string {
    return this.masters.map((m) => m.grpc).join(',');
  }

  static async start(options: HaClusterOptions = {}): Promise<HaCluster> {
    const nats = await startNatsCluster(options.natsProxies ? { noAdvertise: true } : {});
    const natsLinks = new Map<string, TcpProxy[]>();
    const masterLinks = new Map<string, TcpProxy[]>();
    const proxies = (): TcpProxy[] => [...natsLinks.values(), ...masterLinks.values()].flat();
    const masters: MasterProcess[] = [];
    const agents: ClusterProcess[] = [];
    try {
      for (let i = 0; i < (options.masters ?? 3); i++) {
        const name = `master${i + 1}`;
        const grpcPort = await freePort();
        const httpPort = await freePort();
        let store = nats.servers;
        if (options.natsProxies) {
          const links = await Promise.all(nats.urls.map((url) => TcpProxy.start(url.replace('nats://', ''))));
          natsLinks.set(name, links);
          store = links.map((l) => `nats://${l.address}`).join(',');
        }
        const args = [
          'master',
          '--host',
          '127.0.0.1',
          '--port',
          String(grpcPort),
          '--http-port',
          String(httpPort),
          '--store',
          store,
          '--lease-ttl',
          String(options.leaseTtlS ?? 2),
          '--agent-ping-interval',
          String(options.pingIntervalS ?? 0.3),
          '--allocation-interval',
          '0.2',
        ];
        masters.push(Object.assign(new ClusterProcess(name, args), { grpc: `127.0.0.1:${grpcPort}`, http: `http://127.0.0.1:${httpPort}` }));
      }
      // Proxied agents are given the leader's proxy first, so that they start behind it.
      const first = options.agentProxies ? (await leaderOf(masters, 30_000)).master : undefined;
      for (let i = 0; i < (options.agents ?? 2); i++) {
        const name = `agent${i + 1}`;
        let list = masters.map((m) => m.grpc).join(',');
        if (options.agentProxies) {
          const links = await Promise.all(masters.map((m) => TcpProxy.start(m.grpc)));
          masterLinks.set(name, links);
          const ordered = masters.map((m, j) => ({ m, link: links[j] as TcpProxy })).sort((a, b) => Number(b.m === first) - Number(a.m === first));
          list = ordered.map((o) => o.link.address).join(',');
        }
        const workDir = join(tempDir('tandem-fault-agent-'), 'agent');
        agents.push(
          new ClusterProcess(
            name,
            [
              'agent',
              '--master',
              list,
              '--work-dir',
              workDir,
              '--hostname',
              `fault-agent-${i + 1}`,
              '--port',
              '0',
              '--containerizers',
              'process',
              '--resources',
              `${options.agentResources ?? 'cpus:16;mem:8192;disk:1024'};ports:[${32000 + i * 100}-${32000 + i * 100 + 99}]`,
            ],
            workDir,
          ),
        );
      }
      const cluster = new HaCluster(nats, masters, agents, natsLinks, masterLinks);
      await cluster.leader(30_000);
      await waitFor(() => cluster.whole(), 'every agent registered', 30_000, 100);
      return cluster;
    } catch (err) {
      if (err instanceof Error) err.message += [...masters, ...agents].map((p) => `\n--- ${p.name}:\n${p.output().slice(-1_500)}`).join('');
      await Promise.all([...agents, ...masters].map((p) => p.kill()));
      await Promise.all(proxies().map((p) => p.close()));
      await nats.stop();
      throw err;
    }
  }

  /** A master's proxies to NATS node 0, 1, 2 (`natsProxies`). */
  natsLinksOf(master: MasterProcess): TcpProxy[] {
    const links = this.natsLinks.get(master.name);
    if (!links) throw new Error(`${master.name} reaches NATS directly: start the cluster with natsProxies`);
    return links;
  }

  /** An agent's proxies to master 0, 1, 2 (`agentProxies`). */
  masterLinksOf(agent: ClusterProcess): TcpProxy[] {
    const links = this.masterLinks.get(agent.name);
    if (!links) throw new Error(`${agent.name} reaches the masters directly: start the cluster with agentProxies`);
    return links;
  }

  /** What one master says of the leader; undefined when it does not answer. */
  view(master: MasterProcess): Promise<LeaderView | undefined> {
    return viewOf(master);
  }

  /** The leading master and its id, once one leads. */
  leader(timeoutMs = 20_000, not?: string): Promise<{ master: MasterProcess; id: string }> {
    return leaderOf(this.masters, timeoutMs, not);
  }

  /** The master leading now and its id (one look at each; undefined when none leads). */
  async leading(): Promise<{ master: MasterProcess; id: string } | undefined> {
    for (const master of this.masters) {
      const v = await this.view(master);
      if (v?.leading) return { master, id: v.self };
    }
    return undefined;
  }

  /** The leader's /api/v1/state (undefined while none answers). */
  async state(): Promise<ClusterStateJson | undefined> {
    for (const master of this.masters) {
      const v = await this.view(master);
      if (!v?.leading) continue;
      try {
        const res = await fetch(`${master.http}/api/v1/state`, { signal: AbortSignal.timeout(5_000) });
        if (res.ok) return (await res.json()) as ClusterStateJson;
      } catch {
        // the next one
      }
    }
    return undefined;
  }

  /**
   * Starts again every master whose process has exited, as its supervisor would (a master
   * that steps down and cannot open its store anew exits); returns their names.
   */
  async restartExited(): Promise<string[]> {
    const exited = this.masters.filter((m) => !m.running);
    await Promise.all(exited.map((m) => m.restart()));
    return exited.map((m) => m.name);
  }

  /** The leader's state once a leader answers and every agent is ACTIVE with it; undefined until then. */
  async whole(): Promise<ClusterStateJson | undefined> {
    const st = await this.state();
    return st && st.agents.filter((a) => a.status === 'ACTIVE').length === this.agents.length ? st : undefined;
  }

  /**
   * Ends every process, then the tasks the agents left running, the proxies and NATS.
   * With TANDEM_FAULT_LOGS=DIR set, each process's output is kept in DIR/<when>-<name>.log.
   */
  async stop(): Promise<void> {
    await Promise.all([...this.agents, ...this.masters].map((p) => p.terminate(5_000)));
    const logs = process.env.TANDEM_FAULT_LOGS;
    if (logs) {
      mkdirSync(logs, { recursive: true });
      const when = new Date().toISOString().replace(/[:.]/g, '-');
      for (const p of [...this.masters, ...this.agents]) writeFileSync(join(logs, `${when}-${p.name}.log`), p.output());
    }
    for (const agent of this.agents) if (agent.workDir) killTasksUnder(agent.workDir);
    await Promise.all([...this.natsLinks.values(), ...this.masterLinks.values()].flat().map((p) => p.close()));
    await this.nats.stop();
  }
}

async function viewOf(master: MasterProcess): Promise<LeaderView | undefined> {
  if (!master.running) return undefined;
  try {
    const res = await fetch(`${master.http}/api/v1/leader`, { signal: AbortSignal.timeout(1_000) });
    return (await res.json()) as LeaderView;
  } catch {
    return undefined;
  }
}

function leaderOf(masters: readonly MasterProcess[], timeoutMs: number, not?: string): Promise<{ master: MasterProcess; id: string }> {
  return waitFor(
    async () => {
      for (const master of masters) {
        const v = await viewOf(master);
        if (v?.leading && v.self !== not) return { master, id: v.self };
      }
      return undefined;
    },
    not ? `a leader other than ${not}` : 'a leading master',
    timeoutMs,
    50,
  );
}

/** The parts of the master's /api/v1/state the suite reads. */
export interface ClusterStateJson {
  masterId: string;
  agents: { id: string; hostname: string; status: string; tasks: number }[];
  frameworks: { id: string; name: string; connected: boolean; failoverTimeoutSeconds: number }[];
  tasks: { id: string; frameworkId: string; agentId: string; state: string }[];
}
