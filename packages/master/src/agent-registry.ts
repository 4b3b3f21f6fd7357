import type { AgentInfo } from '@tandem/protocol';
import type { Store } from '@tandem/store';
import { sameJson } from './same-json.js';

/** An admitted agent as the registry keeps it, under `agents/<id>`. */
export interface AgentRecord {
  info: AgentInfo;
  registeredAt: number;
  /** When (seconds since the epoch) the master recorded the agent unreachable; absent while it is reachable. */
  unreachableAt?: number;
}

const PREFIX = 'agents/';
const keyOf = (id: string): string => `${PREFIX}${id}`;

/**
 * The master's durable book of admitted agents, and what a restarted master knows from it
 * before the agents come back (Mesos' `slaves.recovered` and `slaves.unreachable`):
 * - recovered: admitted, not re-registered with this master yet. The master gives no
 *   verdict on tasks it does not know that may be on them;
 * - unreachable: recorded unreachable. A task the master does not know on one is
 *   TASK_UNREACHABLE.
 * An agent's writes go one at a time in the order they were asked for, so an admission
 * asked for after an unreachable mark lands after it.
 */
export class AgentRegistry {
  private readonly recovered = new Map<string, AgentRecord>();
  private readonly unreachable = new Map<string, number>();
  /** Admissions so far, by agent: tells a mark that an admission came while it was written. */
  private readonly admissions = new Map<string, number>();
  /** The tail of each agent's chain of writes. */
  private readonly writes = new Map<string, Promise<void>>();

  constructor(private readonly store: () => Store) {}

  /** Reads every record: reachable ones are recovered (waiting to re-register), the others unreachable. */
  async load(): Promise<void> {
    for (const { key, value } of await this.store().list<AgentRecord>(PREFIX)) {
      const id = key.slice(PREFIX.length);
      if (typeof value.unreachableAt === 'number') this.unreachable.set(id, value.unreachableAt);
      else this.recovered.set(id, value);
    }
  }

  /** True while the registry admits the agent but it has not re-registered with this master. */
  isRecovered(agentId: string): boolean {
    return this.recovered.has(agentId);
  }

  /** How many admitted agents have not re-registered yet. */
  get recoveredCount(): number {
    return this.recovered.size;
  }

  /** The agents still waited for, with their records. */
  recoveredAgents(): [string, AgentRecord][] {
    return [...this.recovered];
  }

  /** When the agent was recorded unreachable, if it is. */
  unreachableAt(agentId: string): number | undefined {
    return this.unreachable.get(agentId);
  }

  /**
   * Records the agent as admitted and reachable, unless the registry holds exactly that
   * already (after a failover every agent re-registers unchanged: no write, no fsync).
   * Call `admitted` right after it resolves.
   */
  admit(agentId: string, info: AgentInfo, registeredAt: number): Promise<void> {
    return this.serialize(agentId, async () => {
      const stored = await this.store().get<AgentRecord>(keyOf(agentId));
      if (stored && stored.value.unreachableAt === undefined && sameJson(stored.value.info, info)) return;
      await this.store().put<AgentRecord>(keyOf(agentId), { info, registeredAt });
    });
  }

  /** The agent is admitted (its `admit` resolved): neither recovered nor unreachable now. True when it was recorded unreachable. */
  admitted(agentId: string): boolean {
    this.recovered.delete(agentId);
    this.admissions.set(agentId, (this.admissions.get(agentId) ?? 0) + 1);
    return this.unreachable.delete(agentId);
  }

  /**
   * Records the agent unreachable. True once written; false when the agent was admitted
   * while the mark was being written (the caller then writes its admission again).
   */
  async markUnreachable(agentId: string, record: AgentRecord, at: number): Promise<boolean> {
    const before = this.admissions.get(agentId) ?? 0;
    await this.serialize(agentId, async () => {
      await this.store().put<AgentRecord>(keyOf(agentId), { info: record.info, registeredAt: record.registeredAt, unreachableAt: at });
    });
    if ((this.admissions.get(agentId) ?? 0) !== before) return false;
    this.recovered.delete(agentId);
    this.unreachable.set(agentId, at);
    return true;
  }

  private serialize(agentId: string, write: () => Promise<void>): Promise<void> {
    const run = (this.writes.get(agentId) ?? Promise.resolve()).then(write);
    const tail = run.catch(() => undefined);
    this.writes.set(agentId, tail);
    void tail.then(() => {
      if (this.writes.get(agentId) === tail) this.writes.delete(agentId);
    });
    return run;
  }
}
