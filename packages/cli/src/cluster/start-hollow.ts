import { join } from 'node:path';
import { Agent, HollowContainerizer, HollowRegistry, SharedAgentChannel } from '@tandem/agent';
import { type Logger, parseMasterList } from '@tandem/protocol';

/**
 * HOLLOW AGENTS ONLY (benchmarks and scale tests): N real Agent objects in this process,
 * each with its own hostname and work dir, running tasks in a HollowContainerizer (no
 * processes). They share one in-memory HollowRegistry.
 */
export interface HollowLaunch {
  master: string;
  count: number;
  resources: string;
  workDir: string;
  /** Hostnames are `<prefix>-<i>`. */
  hostnamePrefix: string;
  /** How long a task runs when it does not say (HOLLOW_DURATION_MS); undefined = until killed. */
  taskDurationMs: number | undefined;
  /** Keep checkpoints in memory (the default for hollow agents) or write them under workDir as a real agent does. */
  checkpoints: 'memory' | 'disk';
  /** First redial delay after a lost master (doubling up to 10x). */
  reconnectMs: number;
  /** Agents started at once. */
  startConcurrency: number;
  /** The agents' logger. */
  agentLogger: Logger;
}

export interface HollowFleet {
  readonly agents: readonly Agent[];
  /** How many have registered at least once. */
  registered(): number;
  stop(): Promise<void>;
}

/** At most this many channels (connections) for a fleet, one per AGENTS_PER_CHANNEL agents. */
const HOLLOW_CHANNELS = 16;
const AGENTS_PER_CHANNEL = 500;

export async function startHollowAgents(o: HollowLaunch): Promise<HollowFleet> {
  const registry = new HollowRegistry();
  // A few channels for the fleet, each its own connection: thousands of channels (each
  // its own resolver, load balancer and subchannel lookup) would measure this process,
  // not the master; one connection for all held every agent's registration behind one
  // HTTP/2 flow-control window (64 KiB in flight) after a master failover.
  const masters = parseMasterList(o.master, '--master');
  const clients = Array.from(
    { length: Math.max(1, Math.min(HOLLOW_CHANNELS, Math.ceil(o.count / AGENTS_PER_CHANNEL))) },
    () => new SharedAgentChannel(masters, { channelOptions: { 'grpc.use_local_subchannel_pool': 1 } }),
  );
  const agents: Agent[] = [];
  for (let i = 0; i < o.count; i++) {
    agents.push(
      new Agent({
        master: o.master,
        workDir: join(o.workDir, `agent-${i}`),
        hostname: `${o.hostnamePrefix}-${i}`,
        resources: o.resources,
        containerizers: [new HollowContainerizer({ registry, ...(o.taskDurationMs === undefined ? {} : { defaultDurationMs: o.taskDurationMs }) })],
        hollowInMemoryCheckpoints: o.checkpoints === 'memory',
        hollowSharedChannel: clients[i % clients.length],
        // Full jitter: agents on separate machines redial at independent moments; in one
        // process, 10,000 agents on the same schedule would hit the master in one burst.
        reconnectBackoff: { initialMs: o.reconnectMs, maxMs: o.reconnectMs * 10, jitter: 1 },
        // Thousands of agents: no point waiting 15 s for an answer from a busy master to redial.
        registerTimeoutMs: 60_000,
        logger: o.agentLogger,
      }),
    );
  }
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < agents.length) {
      const agent = agents[next++];
      if (agent) await agent.start();
    }
  };
  try {
    await Promise.all(Array.from({ length: Math.max(1, Math.min(o.startConcurrency, agents.length)) }, worker));
  } catch (err) {
    await Promise.all(agents.map((a) => a.stop()));
    for (const c of clients) c.close();
    throw err;
  }
  return {
    agents,
    registered: () => agents.filter((a) => a.agentId !== undefined).length,
    stop: async () => {
      await Promise.all(agents.map((a) => a.stop()));
      for (const c of clients) c.close();
    },
  };
}
