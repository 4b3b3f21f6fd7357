import type { Resources } from '@tandem/protocol';

/** One decision of the allocator: offer these resources of this agent to this framework. */
export interface Allocation {
  frameworkId: string;
  agentId: string;
  resources: Resources;
  /** The role the resources are offered to (hierarchical allocators set it; the offer should carry it). */
  role?: string;
}

/** Scalar amounts by resource name, e.g. `{ cpus: 8, mem: 16384 }`. */
export type ScalarQuantities = Readonly<Record<string, number>>;

/**
 * A role's quota. `guarantee` is served before any other role gets resources beyond its own
 * guarantee; `limit` caps what the role (with its sub-roles) holds, offers included.
 */
export interface RoleQuota {
  guarantee?: ScalarQuantities;
  limit?: ScalarQuantities;
}

export interface FrameworkAllocationOptions {
  roles: readonly string[];
  suppressedRoles?: readonly string[];
}

/**
 * Level one of the two-level scheduler: decides which framework is offered which
 * agent's free resources. The master tells it every change of supply (agents) and
 * of use (offers made, resources recovered); `allocate()` returns the next offers.
 * Implementations must never hand out more than an agent has free.
 */
export interface Allocator {
  addAgent(agentId: string, total: Resources, used: ReadonlyMap<string, Resources>): void;
  removeAgent(agentId: string): void;
  /** An inactive agent (disconnected, draining) keeps its accounting but gets no offers. */
  setAgentActive(agentId: string, active: boolean): void;

  addFramework(frameworkId: string, options: FrameworkAllocationOptions): void;
  /** Forgets the framework. Its offers and running tasks must still be given back with `recover`. */
  removeFramework(frameworkId: string): void;
  /** An inactive framework (disconnected) keeps its allocation but gets no offers. */
  setFrameworkActive(frameworkId: string, active: boolean): void;

  /** Marks resources on an agent as used by a framework (tasks found on a re-registering agent). */
  addUsed(frameworkId: string, agentId: string, resources: Resources, role?: string): void;
  /**
   * Gives resources back to the pool: declined or unused parts of offers, rescinded
   * offers, finished tasks. With `refuseSeconds` > 0 the framework is not offered this
   * agent's resources again for that long, unless more than these become free.
   * `role` names the role the resources were allocated to (the offer's role); without it a
   * hierarchical allocator takes them back from the framework's roles in subscription order.
   */
  recover(frameworkId: string, agentId: string, resources: Resources, refuseSeconds?: number, role?: string): void;

  suppress(frameworkId: string, roles?: readonly string[]): void;
  /** Un-suppresses the roles (all if none given) and clears the framework's filters. */
  revive(frameworkId: string, roles?: readonly string[]): void;

  /** Runs one allocation pass; the returned resources are now allocated (offered). */
  allocate(nowMs?: number): Allocation[];

  /** The framework's dominant share, in [0, 1]. */
  share(frameworkId: string): number;

  /** Sets a role's weight (default 1); its share counts as share / weight. Optional: role-aware allocators only. */
  setWeight?(role: string, weight: number): void;
  /** Sets (or with `undefined` clears) a role's quota. Optional: role-aware allocators only. */
  setQuota?(role: string, quota: RoleQuota | undefined): void;
}
