import type { Logger, OperatorEventInit, Resources } from '@tandem/protocol';
import type { Store } from '@tandem/store';
import type { LRUCache } from 'lru-cache';
import type { AgentDrains } from './agent-drains.js';
import type { AgentRegistry } from './agent-registry.js';
import type { AgentRemovalLimit } from './agent-removal-limit.js';
import type { Allocator } from './allocator/allocator.js';
import type { InverseOfferAnswers } from './inverse-offer-answers.js';
import type { MasterAuth } from './master-auth.js';
import type { MasterTimings } from './metrics.js';
import type { ResolvedMasterOptions } from './options.js';
import type { ReregistrationTally } from './reregistration-tally.js';
import type { AgentEntry, FrameworkEntry, OfferEntry, TaskEntry } from './state-records.js';
import type { TaskLogReads } from './task-log-reads.js';

/**
 * What the master's parts (agent registration and liveness, scheduler calls, status
 * updates, framework registration) use of the master: its books, the allocator, the
 * registry and the few operations on offers and allocation that stay with the coordinator.
 */
export interface MasterCore {
  readonly masterId: string;
  readonly options: ResolvedMasterOptions;
  readonly log: Logger;
  readonly allocator: Allocator;
  /** Callers' principals and the ACLs' decisions. */
  readonly auth: MasterAuth;
  /** The registry, open from `Master.start()` on. */
  registry(): Store;
  /** Admitted agents (`agents/<id>` in the registry), and those not back since a restart. */
  readonly agentRegistry: AgentRegistry;
  /** Draining and drained agents (Operator.DrainAgent), kept in the registry. */
  readonly drains: AgentDrains;
  /** A task of the agent ended: a draining agent may now be DRAINED (agent-drain.ts). */
  drainProgress(agentId: string): void;
  /** Where frameworks' answers to inverse offers go (maintenance.ts). */
  readonly maintenance: InverseOfferAnswers;
  /** Agents that missed their pings, waiting to be marked unreachable at the removal rate limit. */
  readonly removals: AgentRemovalLimit;
  readonly agents: Map<string, AgentEntry>;
  readonly frameworks: Map<string, FrameworkEntry>;
  readonly removedFrameworks: Set<string>;
  readonly tasks: Map<string, TaskEntry>;
  readonly completed: LRUCache<string, TaskEntry>;
  readonly offers: Map<string, OfferEntry>;
  readonly logReads: TaskLogReads;
  /** Re-registrations, logged as one line per second. */
  readonly reregistrations: ReregistrationTally;
  /** Latencies the metrics observe as things happen (offers answered, tasks running). */
  readonly timings: MasterTimings;
  /** Sends an event to every operator watcher. */
  emit(event: OperatorEventInit): void;
  /** True while some operator watches (so an event costly to build is worth building). */
  watched(): boolean;
  scheduleAllocation(): void;
  /** Removes an offer that was accepted or declined (its resources are handled by the caller). */
  useOffer(offer: OfferEntry): void;
  /** Takes an offer back from its framework; with `recover` its resources return to the pool. */
  rescindOffer(offerId: string, recover: boolean): void;
  /** The one shared Resources of a task shape. */
  sharedShape(resources: Resources): Resources;
  /** True from the end of `Master.start()` until `Master.stop()` begins. */
  running(): boolean;
}
