import { protoRoot, TaskStates } from '@tandem/protocol';
import type { StoreWriteOp } from '@tandem/store';
import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client';
import type { ShedLimit } from './call-limits.js';
import type { ClusterView } from './cluster-view.js';
import type { OfferEntry, TaskEntry } from './state-records.js';
import { agentStatusOf } from './state-view.js';

/** Buckets of the latencies a person waits on (offers answered, tasks started, store writes): 1 ms to 1 minute. */
export const LATENCY_BUCKETS: readonly number[] = [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60];

/** How an offer left its framework's hands. */
export type OfferOutcome = 'accepted' | 'declined';

/**
 * What the master's parts report to its metrics as things happen: offers sent and
 * answered, tasks launched and running. The master keeps no clock of its own on its
 * records: the metrics hold the start times (weakly, by record), so a record that never
 * finishes is forgotten with it.
 */
export interface MasterTimings {
  offerSent(offer: OfferEntry): void;
  offerAnswered(offer: OfferEntry, outcome: OfferOutcome): void;
  taskLaunched(task: TaskEntry): void;
  /** A task's state changed to `state` (observed once, at its first TASK_RUNNING). */
  taskState(task: TaskEntry, state: string): void;
}

/** The agent statuses of the Operator API (`AgentStatus` in operator.proto), every value of the enum. */
function agentStatuses(): string[] {
  return Object.keys(protoRoot().lookupEnum('tandem.v1.AgentStatus').values);
}

/** The master's Prometheus metrics: most read from its state at scrape time, the latencies observed as they happen. */
export class MasterMetrics implements MasterTimings {
  readonly registry = new Registry();
  private readonly allocation: Histogram;
  private readonly offerToAnswer: Histogram<'outcome'>;
  private readonly launchToRunning: Histogram;
  private readonly storeWrites: Histogram<'op' | 'result'>;
  private readonly offeredAt = new WeakMap<OfferEntry, number>();
  private readonly launchedAt = new WeakMap<TaskEntry, number>();

  constructor(master: ClusterView) {
    const r = this.registry;
    collectDefaultMetrics({ register: r, prefix: 'tandem_master_' });
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
    const statuses = agentStatuses();
    new Gauge({
      name: 'tandem_master_agents_by_status',
      help: "Agents by their status in the Operator API (every value of AgentStatus: AGENT_ACTIVE, AGENT_UNREACHABLE, AGENT_GONE, ...); AGENT_GONE counts the registry's agents marked gone.",
      labelNames: ['status'],
      registers: [r],
      collect() {
        this.reset();
        for (const status of statuses) this.set({ status }, 0);
        for (const a of master.agents.values()) this.inc({ status: agentStatusOf(master, a) });
        this.set({ status: 'AGENT_GONE' }, master.agentsGone);
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
    const states = Object.values(TaskStates);
    new Gauge({
      name: 'tandem_master_tasks',
      help: 'Tasks the master tracks (not yet completed), by state (every TaskState, 0 when none).',
      labelNames: ['state'],
      registers: [r],
      collect() {
        this.reset();
        for (const state of states) this.set({ state }, 0);
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
      help: 'Time of one allocation pass (the allocator deciding what to offer).',
      buckets: [0.0005, 0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1],
      registers: [r],
    });
    this.offerToAnswer = new Histogram({
      name: 'tandem_master_offer_to_accept_seconds',
      help: 'From an offer sent to a framework to its ACCEPT or DECLINE call, by outcome (accepted, declined); rescinded offers are not counted.',
      labelNames: ['outcome'],
      buckets: [...LATENCY_BUCKETS],
      registers: [r],
    });
    this.launchToRunning = new Histogram({
      name: 'tandem_master_launch_to_running_seconds',
      help: "From a task's launch accepted by the master to its first TASK_RUNNING from the agent.",
      buckets: [...LATENCY_BUCKETS],
      registers: [r],
    });
    this.storeWrites = new Histogram({
      name: 'tandem_master_store_write_seconds',
      help: 'Writes to the registry store (file or NATS), by operation (put, delete) and result (ok, error).',
      labelNames: ['op', 'result'],
      buckets: [...LATENCY_BUCKETS],
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

  /** `tandem_master_events_{published,dropped}_total{kind}`: the events a publisher (NATS) sent and dropped, read at scrape time. */
  countPublished(publisher: { readonly published: ReadonlyMap<string, number>; readonly dropped: ReadonlyMap<string, number> }): void {
    new Counter({
      name: 'tandem_master_events_published_total',
      help: 'Operator events published on NATS (tandem.events.<kind>), by kind.',
      labelNames: ['kind'],
      registers: [this.registry],
      collect() {
        this.reset();
        for (const [kind, n] of publisher.published) this.inc({ kind }, n);
      },
    });
    new Counter({
      name: 'tandem_master_events_dropped_total',
      help: 'Operator events not published on NATS because its buffer was full (NATS slow or away) or a publish failed, by kind.',
      labelNames: ['kind'],
      registers: [this.registry],
      collect() {
        this.reset();
        for (const [kind, n] of publisher.dropped) this.inc({ kind }, n);
      },
    });
  }

  observeAllocation(seconds: number): void {
    this.allocation.observe(seconds);
  }

  observeStoreWrite(op: StoreWriteOp, seconds: number, ok: boolean): void {
    this.storeWrites.observe({ op, result: ok ? 'ok' : 'error' }, seconds);
  }

  offerSent(offer: OfferEntry): void {
    this.offeredAt.set(offer, performance.now());
  }

  offerAnswered(offer: OfferEntry, outcome: OfferOutcome): void {
    const at = this.offeredAt.get(offer);
    if (at === undefined) return;
    this.offeredAt.delete(offer);
    this.offerToAnswer.observe({ outcome }, (performance.now() - at) / 1000);
  }

  taskLaunched(task: TaskEntry): void {
    this.launchedAt.set(task, performance.now());
  }

  taskState(task: TaskEntry, state: string): void {
    if (state !== 'TASK_RUNNING' && state !== 'TASK_STARTING' && state !== 'TASK_STAGING') {
      this.launchedAt.delete(task);
      return;
    }
    if (state !== 'TASK_RUNNING') return;
    const at = this.launchedAt.get(task);
    if (at === undefined) return;
    this.launchedAt.delete(task);
    this.launchToRunning.observe((performance.now() - at) / 1000);
  }
}
