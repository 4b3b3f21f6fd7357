import type { DrainInfoInit } from '@tandem/protocol';
import type { Store } from '@tandem/store';

/** An agent's drain as the registry keeps it, under `drains/<agentId>`. */
export interface DrainRecord {
  /** The longest a task's kill may take, in seconds; absent: each task's own kill policy. */
  gracePeriodSeconds?: number;
  /** Mark the agent gone once it is drained. */
  markGone: boolean;
  /** When the drain began (seconds since the epoch). */
  since: number;
  /** When no task of the agent was left running; absent while it drains. */
  drainedAt?: number;
  /** Drained for a maintenance window (maintenance.ts): reactivated when it ends, at this time. */
  maintenanceUntil?: number;
}

/** What the state views read of the drains. */
export interface DrainView {
  get(agentId: string): DrainRecord | undefined;
}

const PREFIX = 'drains/';

/** A drain as the Operator API shows it. */
export function drainInfoOf(record: DrainRecord | undefined): DrainInfoInit {
  if (!record) return { state: 'DRAIN_STATE_NONE' };
  return {
    state: record.drainedAt === undefined ? 'DRAIN_STATE_DRAINING' : 'DRAIN_STATE_DRAINED',
    ...(record.gracePeriodSeconds === undefined ? {} : { gracePeriodSeconds: record.gracePeriodSeconds }),
    markGone: record.markGone,
    since: record.since,
    drainedAt: record.drainedAt ?? 0,
    maintenanceUntil: record.maintenanceUntil ?? 0,
  };
}

/**
 * The master's book of drained and draining agents (Operator.DrainAgent), kept in the
 * registry: a record is written before the master acts on it, and read back when a master
 * starts or takes the lease, so a drain outlives a restart or a failover. Writes run one
 * at a time, in the order they were asked for.
 */
export class AgentDrains implements DrainView {
  private readonly records = new Map<string, DrainRecord>();
  private chain: Promise<unknown> = Promise.resolve();

  constructor(private readonly store: () => Store) {}

  /** Reads every drain the registry holds. */
  async load(): Promise<void> {
    this.records.clear();
    for (const { key, value } of await this.store().list<DrainRecord>(PREFIX)) this.records.set(key.slice(PREFIX.length), value);
  }

  get(agentId: string): DrainRecord | undefined {
    return this.records.get(agentId);
  }

  /** True while the agent drains or is drained: it gets no offers. */
  has(agentId: string): boolean {
    return this.records.has(agentId);
  }

  /** The ids of every draining or drained agent. */
  agentIds(): string[] {
    return [...this.records.keys()];
  }

  /** Records the agent's drain; it holds in memory once written. */
  put(agentId: string, record: DrainRecord): Promise<void> {
    return this.serialize(async () => {
      await this.store().put<DrainRecord>(`${PREFIX}${agentId}`, record);
      this.records.set(agentId, record);
    });
  }

  /**
   * Records the agent DRAINED at `at`, unless its drain ended or was drained already by
   * the time this write's turn comes (a reactivation asked for before it wins). Resolves
   * with the record written, or undefined when nothing was.
   */
  markDrained(agentId: string, at: number): Promise<DrainRecord | undefined> {
    return this.serialize(async () => {
      const record = this.records.get(agentId);
      if (!record || record.drainedAt !== undefined) return undefined;
      const drained = { ...record, drainedAt: at };
      await this.store().put<DrainRecord>(`${PREFIX}${agentId}`, drained);
      this.records.set(agentId, drained);
      return drained;
    });
  }

  /** Ends the agent's drain; true when there was one. */
  remove(agentId: string): Promise<boolean> {
    return this.serialize(async () => {
      if (!this.records.has(agentId)) return false;
      await this.store().delete(`${PREFIX}${agentId}`);
      this.records.delete(agentId);
      return true;
    });
  }

  private serialize<T>(write: () => Promise<T>): Promise<T> {
    const run = this.chain.then(write);
    this.chain = run.catch(() => undefined);
    return run;
  }
}
