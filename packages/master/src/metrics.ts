import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client';
import type { ShedLimit } from './call-limits.js';
import type { ClusterView } from './cluster-view.js';

/** The master's Prometheus metrics, read from its state at scrape time. */
export class MasterMetrics {
  readonly registry = new Registry();
  private readonly allocation: Histogram;

  constructor(master: ClusterView) {
    const r = this.registry;
    collectDefaultMetrics({ register: r, prefix: 'tandem_master_process_' });
    new Gauge({
      name: 'tandem_master_agents',
      help: 'Agents known to the master, by phase (ACTIVE, DISCONNECTED, UNREACHABLE).',
      labelNames: ['phase'],
      registers: [r],
      collect() {
        this.reset();
        for (const phase of ['ACTIVE', 'DISCONNECTED', 'UNREACHABLE']) this.set({ phase }, 0);
        for (const a of master.agents.values()) this.inc({ phase: a.phase });
      },
    });
    new Gauge({
      name: 'tandem_master_agents_awaiting_removal',
      help: 'Agents that missed their pings and wait for the agent removal rate limit to mark them unreachable.',
      registers: [r],
      collect() {
        this.set(master.agentsAwaitingRemoval);
      },
    });
    new Gauge({
      name: 'tandem_master_frameworks',
      help: 'Frameworks known to the master, by whether they are connected.',
      labelNames: ['connected'],
      registers: [r],
      collect() {
        this.reset();
        this.set({ connected: 'true' }, 0);
        this.set({ connected: 'false' }, 0);
        for (const f of master.frameworks.values()) this.inc({ connected: String(!!f.stream) });
      },
    });
    new Gauge({
      name: 'tandem_master_tasks',
      help: 'Tasks the master tracks (not yet completed), by state.',
      labelNames: ['state'],
      registers: [r],
      collect() {
        this.reset();
        for (const t of master.tasks.values()) this.inc({ state: t.state });
      },
    });
    new Gauge({
      name: 'tandem_master_tasks_completed',
      help: 'Completed tasks kept in memory for the state endpoints.',
      registers: [r],
      collect() {
        this.set(master.completed.size);
      },
    });
    new Gauge({
      name: 'tandem_master_offers_outstanding',
      help: 'Offers made and not yet accepted, declined or rescinded.',
      registers: [r],
      collect() {
        this.set(master.offers.size);
      },
    });
    this.allocation = new Histogram({
      name: 'tandem_master_allocation_seconds',
      help: 'Time of one allocation pass.',
      buckets: [0.0005, 0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1],
      registers: [r],
    });
  }

  /** `tandem_master_calls_shed_total{limit}`: the gRPC calls and streams `limits` refused, read at scrape time. */
  countShed(limits: { readonly shedBy: Readonly<Record<ShedLimit, number>> }): void {
    new Counter({
      name: 'tandem_master_calls_shed_total',
      help: 'gRPC calls and streams refused RESOURCE_EXHAUSTED by the per-principal limits, by limit (rate, stream_rate, max_streams, max_agents, max_frameworks).',
      labelNames: ['limit'],
      registers: [this.registry],
      collect() {
        this.reset();
        for (const [limit, n] of Object.entries(limits.shedBy)) this.inc({ limit }, n);
      },
    });
  }

  observeAllocation(seconds: number): void {
    this.allocation.observe(seconds);
  }
}
