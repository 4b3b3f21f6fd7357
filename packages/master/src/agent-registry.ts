import { type AgentInfo, Code, TandemError } from '@tandem/protocol';
import type { Store } from '@tandem/store';
import { sameJson } from './same-json.js';

/** An admitted agent as the registry keeps it, under `agents/<id>`. */
export interface AgentRecord {
  info: AgentInfo;
  registeredAt: number;
  /** When (seconds since the epoch) the master recorded the agent unreachable; absent while it is reachable. */
  unreachableAt?: number;
  /** When (seconds since the epoch) an operator marked the agent gone (Operator.MarkAgentGone): it may never register again. */
  goneAt?: number;
  /** The principal that first registered the agent with one: only it may register the id again. Absent: none (an open cluster). */
  principal?: string;
}

const PREFIX = 'agents/';
const keyOf = (id: string): string => `${PREFIX}${id}`;

/**
 * The master's durable book of admitted agents, and what a restarted master knows from it
 * before the agents come back (Mesos' `slaves.recovered` and `slaves.unreachable`):
 * - recovered: admitted, not re-registered with this master yet. The master gives no
 *   verdict on tasks it does not know that may be on them;
 * - unreachable: recorded unreachable. A task the master does not know on one is
 *   TASK_UNREACHABLE;
 * - gone: marked gone by an operator, for good: its registration is refused, and a task
 *   the master does not know on it is TASK_GONE_BY_OPERATOR. A gone record is never
 *   overwritten.
 * An agent's writes go one at a time in the order they were asked for, so an admission
 * asked for after an unreachable mark lands after it.
 */
export class AgentRegistry {
  private readonly recovered = new Map<string, AgentRecord>();
  private readonly unreachable = new Map<string, number>();
  private readonly gone = new Map<string, number>();
  /** Admissions so far, by agent: tells a mark that an admission came while it was written. */
  private readonly admissions = new Map<string, number>();
  /** The tail of each agent's chain of writes. */
  private readonly writes = new Map<string, Promise<void>>();
  /**
   * Every record as the registry holds it: read once by `load`, then kept with each write.
   * This master is the registry's only writer (the file store's lock, the NATS store's
   * fence), so it is exact, and a re-registration compares with it instead of reading the
   * store (10,000 reads of a NATS store after a failover).
   */
  private readonly records = new Map<string, AgentRecord>();

  constructor(private readonly store: () => Store) {}

  /** Reads every record: reachable ones are recovered (waiting to re-register), the others unreachable. */
  async load(): Promise<void> {
    for (const { key, value } of await this.store().list<AgentRecord>(PREFIX)) {
      const id = key.slice(PREFIX.length);
      this.records.set(id, value);
      if (typeof value.goneAt === 'number') this.gone.set(id, value.goneAt);
      else if (typeof value.unreachableAt === 'number') this.unreachable.set(id, value.unreachableAt);
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

  /** True when the registry admitted the agent (whatever became of it since). */
  knows(agentId: string): boolean {
    return this.records.has(agentId);
  }

  /** How many agents an operator marked gone. */
  get goneCount(): number {
    return this.gone.size;
  }

  /** When an operator marked the agent gone, if one did. */
  goneAt(agentId: string): number | undefined {
    return this.gone.get(agentId);
  }

  /**
   * Records the agent as admitted and reachable, unless the registry holds exactly that
   * already (after a failover every agent re-registers unchanged: no write, no fsync).
   * Call `admitted` right after it resolves. An agent marked gone is refused
   * (PERMISSION_DENIED, `goneRefusal`) and nothing is written. The id is bound to the
   * first principal that registers it (kept in the record): another principal is refused
   * (PERMISSION_DENIED, field `register.agent_info.id`); a record bound to none is bound now.
   */
  admit(agentId: string, info: AgentInfo, registeredAt: number, principal?: string): Promise<void> {
    return this.serialize(agentId, async () => {
      const stored = this.records.get(agentId);
      const goneAt = this.gone.get(agentId) ?? stored?.goneAt;
      if (goneAt !== undefined) throw goneRefusal(agentId, goneAt);
      const owner = stored?.principal;
      if (owner !== undefined && owner !== principal) throw boundRefusal(agentId, owner, principal);
      const bound = owner ?? principal;
      if (stored && stored.unreachableAt === undefined && sameJson(stored.info, info) && stored.principal === bound) return;
      await this.write(agentId, { info, registeredAt, ...(bound !== undefined ? { principal: bound } : {}) });
    });
  }

  /** The principal the agent id is bound to, if any. */
  principalOf(agentId: string): string | undefined {
    return this.records.get(agentId)?.principal;
  }

  /** The agent is admitted (its `admit` resolved): neither recovered nor unreachable now. True when it was recorded unreachable. */
  admitted(agentId: string): boolean {
    this.recovered.delete(agentId);
    this.admissions.set(agentId, (this.admissions.get(agentId) ?? 0) + 1);
    return this.unreachable.delete(agentId);
  }

  /**
   * Records the agent unreachable. True once written; false when the agent was admitted
   * while the mark was being written (the caller then writes its admission again), or was
   * marked gone (nothing is written then).
   */
  async markUnreachable(agentId: string, record: AgentRecord, at: number): Promise<boolean> {
    const before = this.admissions.get(agentId) ?? 0;
    let written = false;
    await this.serialize(agentId, async () => {
      if (this.gone.has(agentId)) return;
      const principal = this.records.get(agentId)?.principal;
      await this.write(agentId, { info: record.info, registeredAt: record.registeredAt, unreachableAt: at, ...(principal !== undefined ? { principal } : {}) });
      written = true;
    });
    if (!written || (this.admissions.get(agentId) ?? 0) !== before) return false;
    this.recovered.delete(agentId);
    this.unreachable.set(agentId, at);
    return true;
  }

  /**
   * Records the agent gone, for good, after any write of it already asked for. `known` is
   * its record when the master holds it in memory; otherwise the registry's is used.
   * Resolves with when it was marked gone (the first mark's time when it was gone already,
   * `fresh` false), or undefined when the registry holds no such agent (nothing written).
   */
  markGone(agentId: string, known: AgentRecord | undefined, at: number): Promise<{ goneAt: number; fresh: boolean } | undefined> {
    return this.serialize(agentId, async () => {
      const already = this.gone.get(agentId);
      if (already !== undefined) return { goneAt: already, fresh: false };
      const stored = this.records.get(agentId);
      if (stored?.goneAt !== undefined) {
        this.gone.set(agentId, stored.goneAt);
        return { goneAt: stored.goneAt, fresh: false };
      }
      const record = known ?? stored;
      if (!record) return undefined;
      const unreachableAt = stored?.unreachableAt;
      const principal = stored?.principal;
      await this.write(agentId, {
        info: record.info,
        registeredAt: record.registeredAt,
        ...(unreachableAt !== undefined ? { unreachableAt } : {}),
        ...(principal !== undefined ? { principal } : {}),
        goneAt: at,
      });
      // Set before any later write of this agent runs (they wait on this one): an admission asked for meanwhile is refused.
      this.gone.set(agentId, at);
      this.recovered.delete(agentId);
      this.unreachable.delete(agentId);
      return { goneAt: at, fresh: true };
    });
  }

  /** Writes the agent's record, and keeps it once written. */
  private async write(agentId: string, record: AgentRecord): Promise<void> {
    await this.store().put<AgentRecord>(keyOf(agentId), record);
    this.records.set(agentId, record);
  }

  private serialize<T>(agentId: string, write: () => Promise<T>): Promise<T> {
    const run = (this.writes.get(agentId) ?? Promise.resolve()).then(write);
    const tail: Promise<void> = run.then(
      () => undefined,
      () => undefined,
    );
    this.writes.set(agentId, tail);
    void tail.then(() => {
      if (this.writes.get(agentId) === tail) this.writes.delete(agentId);
    });
    return run;
  }
}

/** The refusal of an agent marked gone that tries to register again. */
export function goneRefusal(agentId: string, goneAt: number): TandemError {
  return new TandemError(
    Code.PermissionDenied,
    `agent ${agentId} was marked gone by an operator at ${new Date(goneAt * 1000).toISOString()} and may never register again under this id; the master told it to shut down (restarted, it joins as a new agent)`,
  );
}

/** The refusal of an agent id registered by another principal (no one can re-register as another agent). */
export function boundRefusal(agentId: string, owner: string, principal: string | undefined): TandemError {
  const who = principal === undefined ? 'an unauthenticated agent' : `principal ${JSON.stringify(principal)}`;
  return new TandemError(
    Code.PermissionDenied,
    `agent ${agentId} belongs to principal ${JSON.stringify(owner)}; ${who} may not register as it (register without an id to join as a new agent)`,
    { field: 'register.agent_info.id' },
  );
}
