import type { DrainView } from './agent-drains.js';
import type { RoleQuotaConfig } from './role-config-check.js';
import type { AgentEntry, FrameworkEntry, OfferEntry, TaskEntry } from './state-records.js';

/** The role weights and quotas as the state views read them. */
export interface RoleConfigView {
  configuredRoles(): string[];
  quotaOf(role: string): RoleQuotaConfig | undefined;
  weightOf(role: string): number;
}

/**
 * The master's state, read-only: what the state views, metrics and the Operator API
 * read. The master is the one implementation; readers import this, never `Master`, so
 * that they cannot change the state they show (changes go through `MasterCore`).
 */
export interface ClusterView {
  readonly masterId: string;
  readonly startedAt: number;
  readonly agents: ReadonlyMap<string, AgentEntry>;
  readonly frameworks: ReadonlyMap<string, FrameworkEntry>;
  readonly tasks: ReadonlyMap<string, TaskEntry>;
  /** Tasks that ended, newest kept (an LRU). */
  readonly completed: { readonly size: number; values(): IterableIterator<TaskEntry> };
  readonly offers: ReadonlyMap<string, OfferEntry>;
  readonly roleConfig: RoleConfigView;
  /** Draining and drained agents. */
  readonly drains: DrainView;
  /** Agents that missed their pings and wait for the removal rate limit to mark them unreachable. */
  readonly agentsAwaitingRemoval: number;
  /** Agents the registry holds as marked gone. */
  readonly agentsGone: number;
}
