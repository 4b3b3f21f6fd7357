import { type Resources, rangeCount, TaskStates } from '@tandem/protocol';
import { collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client';
import type { TaskSnapshot } from './agent-task.js';

/** What the agent's metrics read of it at scrape time. */
export interface AgentMetricsView {
  readonly state: string;
  readonly totalResources: Resources;
  tasks(): TaskSnapshot[];
  /** The resources of the tasks not yet terminal. */
  usedResources(): Resources;
}

/** Seconds a containerizer may take to start a container (an image pull can take minutes). */
const LAUNCH_BUCKETS = [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300];

/** Each scalar of `r` (cpus, mem, disk, gpus, ...) and its port count as `ports`. */
function quantities(r: Resources): [string, number][] {
  const out: [string, number][] = r.scalarNames().map((name) => [name, r.scalar(name)]);
  const ports = r.ranges('ports');
  if (ports.length > 0) out.push(['ports', rangeCount(ports)]);
  return out;
}

/**
 * The agent's Prometheus metrics (`GET /metrics` on its HTTP port), on a registry of its
 * own with the process metrics prefixed `tandem_agent_` (`tandem_agent_process_*`, `tandem_agent_nodejs_*`) (a master, an agent, apps
 * and jobs may share one process under `tandem up`). Made only when the HTTP port is
 * served: hollow agents, thousands to a process, have none.
 */
export class AgentMetrics {
  readonly registry = new Registry();
  private readonly launches: Histogram<'containerizer' | 'result'>;

  constructor(agent: AgentMetricsView) {
    const r = this.registry;
    collectDefaultMetrics({ register: r, prefix: 'tandem_agent_' });
    new Gauge({
      name: 'tandem_agent_up',
      help: 'The agent is running (registered with a master, or redialling one): 1, else 0.',
      registers: [r],
      collect() {
        this.set(agent.state === 'running' ? 1 : 0);
      },
    });
    const states = Object.values(TaskStates);
    new Gauge({
      name: 'tandem_agent_tasks',
      help: 'Tasks the agent knows (launching, running, or terminal and not yet acknowledged), by state (every TaskState, 0 when none).',
      labelNames: ['state'],
      registers: [r],
      collect() {
        this.reset();
        for (const state of states) this.set({ state }, 0);
        for (const t of agent.tasks()) this.inc({ state: t.state });
      },
    });
    new Gauge({
      name: 'tandem_agent_resources_total',
      help: 'Resources the agent offers, by resource (cpus, mem and disk in MiB, gpus, ports as a count).',
      labelNames: ['resource'],
      registers: [r],
      collect() {
        this.reset();
        for (const [resource, v] of quantities(agent.totalResources)) this.set({ resource }, v);
      },
    });
    new Gauge({
      name: 'tandem_agent_resources_used',
      help: 'Resources of the tasks on the agent that have not ended, by resource (as tandem_agent_resources_total).',
      labelNames: ['resource'],
      registers: [r],
      collect() {
        this.reset();
        const used = new Map(quantities(agent.usedResources()));
        for (const [resource] of quantities(agent.totalResources)) this.set({ resource }, used.get(resource) ?? 0);
      },
    });
    this.launches = new Histogram({
      name: 'tandem_agent_container_launch_seconds',
      help: "Time a containerizer took to start a task's container (image pull included), by containerizer (docker, process) and result (ok, error).",
      labelNames: ['containerizer', 'result'],
      buckets: LAUNCH_BUCKETS,
      registers: [r],
    });
  }

  observeLaunch(containerizer: string, seconds: number, ok: boolean): void {
    this.launches.observe({ containerizer, result: ok ? 'ok' : 'error' }, seconds);
  }
}
