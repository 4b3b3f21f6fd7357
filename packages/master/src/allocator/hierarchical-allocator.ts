// One file on purpose, over the 400-line rule: the incremental allocator's invariants
// (free and used vectors per agent, per-role and per-framework sorted shares, quota
// headroom and the filter queue, all updated together on every change) live together,
// so that a change to one is read next to every other it must keep true. Its pure parts
// are already apart (role-tree, quota, scalar-vector, offer-filters).
import { type ResourceSpec, Resources } from '@tandem/protocol';
import type { Allocation, Allocator, FrameworkAllocationOptions, RoleQuota } from './allocator.js';
import { FilterExpiryQueue, type OfferFilter } from './offer-filters.js';
import { addUnmet, guaranteedAncestor, hasUnmetGuarantee, quotaAmounts } from './quota.js';
import { type Client, checkRole, type RoleNode, RoleTree, SelfLeaf } from './role-tree.js';
import { addInto, isZero, round3, ScalarNames, type ScalarVector, subtractInto } from './scalar-vector.js';

/** Mesos' minimum offerable: an agent with less free than this of both is not offered. */
const MIN_CPUS = 0.01;
const MIN_MEM = 32;
/** Dominant shares are taken over these; they hold vector slots 0..3 (cpus first, mem second). */
const SHARE_RESOURCES = ['cpus', 'mem', 'disk', 'gpus'] as const;
const CPUS = 0;
const MEM = 1;

interface AgentEntry {
  readonly id: string;
  readonly total: Resources;
  readonly totalVec: ScalarVector;
  free: Resources;
  freeVec: ScalarVector;
  active: boolean;
  /** Filters on this agent by framework id. */
  readonly filters: Map<string, OfferFilter>;
  /** Clients holding resources here (for removeAgent). */
  readonly holders: Set<Client>;
}

interface FrameworkEntry {
  readonly id: string;
  active: boolean;
  /** Subscribed roles, in subscription order. */
  roles: string[];
  readonly clients: Map<string, Client>;
  suppressed: Set<string>;
  /** Agents holding a filter of this framework. */
  readonly filtered: Set<string>;
}

/** What one agent's visit of the role tree came to. */
const Step = {
  /** Nobody here took the agent: go on. */
  Next: 0,
  /** The agent has nothing offerable left. */
  Done: 1,
  /** Part was offered and some is left: walk the (re-sorted) tree again. */
  Restart: 2,
} as const;
type Step = (typeof Step)[keyof typeof Step];

interface Visit {
  readonly agent: AgentEntry;
  readonly nowMs: number;
  readonly out: Allocation[];
  /** Frameworks offered this agent in this pass: one offer per framework per agent. */
  readonly offered: string[];
}

export interface HierarchicalAllocatorOptions {
  /** Shuffle the agents of each pass so no agent is always offered first. @default true */
  shuffle?: boolean;
  now?: () => number;
}

/**
 * Hierarchical DRF (Mesos' allocator): roles form a tree (`a/b`), each level ordered by
 * weighted dominant share; within a role, frameworks by their dominant share in it. Quota
 * guarantees are served first and held as headroom; limits cap a role, offers included.
 *
 * Incremental: a pass looks only at agents whose free resources changed (recovered, added,
 * reactivated, filter expired) plus, after a change of demand (framework added, activated,
 * revived; quota changed), the agents left over by earlier passes. The sorters are sorted
 * arrays updated on each charge, so a pass costs about (dirty agents) x (tree depth +
 * frameworks skipped by filters), not agents x frameworks.
 */
export class HierarchicalAllocator implements Allocator {
  private readonly names = new ScalarNames(SHARE_RESOURCES);
  private readonly tree = new RoleTree();
  private readonly agents = new Map<string, AgentEntry>();
  private readonly frameworks = new Map<string, FrameworkEntry>();
  private readonly total: ScalarVector = [0, 0, 0, 0];
  /** Free on active agents: the headroom that guarantees are held against. */
  private readonly freeActive: ScalarVector = [];
  /** Agents to look at in the next pass. */
  private readonly dirty = new Set<string>();
  /** Agents a pass left with offerable free: looked at again when demand changes. */
  private readonly stranded = new Set<string>();
  private wakeStranded = false;
  private ranksStale = false;
  /** A pass held something back for a quota: any freed resource may unblock a stranded agent. */
  private quotaBlocked = false;
  private guaranteed: RoleNode[] = [];
  private topGuaranteed: RoleNode[] = [];
  private hasLimits = false;
  private readonly expiries = new FilterExpiryQueue();
  private seq = 0;
  private readonly shuffle: boolean;
  private readonly now: () => number;

  constructor(options: HierarchicalAllocatorOptions = {}) {
    this.shuffle = options.shuffle ?? true;
    this.now = options.now ?? Date.now;
  }

  private readonly shareOf = (v: ScalarVector): number => {
    let share = 0;
    for (let i = 0; i < SHARE_RESOURCES.length; i++) {
      const t = this.total[i] ?? 0;
      if (t > 0) {
        const s = (v[i] ?? 0) / t;
        if (s > share) share = s;
      }
    }
    return share;
  };

  // ------------------------------------------------------------------ agents

  addAgent(agentId: string, total: Resources, used: ReadonlyMap<string, Resources>): void {
    this.removeAgent(agentId);
    const totalVec = this.names.vectorOf(total);
    const agent: AgentEntry = {
      id: agentId,
      total,
      totalVec,
      free: total,
      freeVec: [...totalVec],
      active: true,
      filters: new Map(),
      holders: new Set(),
    };
    this.agents.set(agentId, agent);
    addInto(this.total, totalVec);
    addInto(this.freeActive, totalVec);
    this.ranksStale = true;
    for (const [fid, res] of used) this.addUsed(fid, agentId, res);
    this.dirty.add(agentId);
    this.touchQuota();
  }

  removeAgent(agentId: string): void {
    const agent = this.agents.get(agentId);
    if (!agent) return;
    for (const client of agent.holders) {
      const held = client.perAgent.get(agentId);
      if (held) this.tree.uncharge(client, agentId, held, this.shareOf);
    }
    for (const fid of agent.filters.keys()) this.frameworks.get(fid)?.filtered.delete(agentId);
    this.agents.delete(agentId);
    this.dirty.delete(agentId);
    this.stranded.delete(agentId);
    subtractInto(this.total, agent.totalVec);
    if (agent.active) subtractInto(this.freeActive, agent.freeVec);
    this.ranksStale = true;
    this.touchQuota();
  }

  setAgentActive(agentId: string, active: boolean): void {
    const agent = this.agents.get(agentId);
    if (!agent || agent.active === active) return;
    agent.active = active;
    if (active) {
      addInto(this.freeActive, agent.freeVec);
      this.dirty.add(agentId);
      this.touchQuota();
    } else {
      subtractInto(this.freeActive, agent.freeVec);
    }
  }

  // -------------------------------------------------------------- frameworks

  addFramework(frameworkId: string, options: FrameworkAllocationOptions): void {
    const roles = [...new Set(options.roles.length > 0 ? options.roles : ['*'])];
    for (const role of roles) checkRole(role, 'roles');
    let fw = this.frameworks.get(frameworkId);
    if (!fw) {
      fw = { id: frameworkId, active: true, roles, clients: new Map(), suppressed: new Set(), filtered: new Set() };
      this.frameworks.set(frameworkId, fw);
    }
    fw.active = true;
    fw.roles = roles;
    fw.suppressed = new Set(options.suppressedRoles ?? []);
    for (const role of roles) this.clientFor(fw, role).subscribed = true;
    for (const [role, client] of fw.clients) {
      if (roles.includes(role)) continue;
      client.subscribed = false;
      if (client.perAgent.size === 0) this.dropClient(fw, client);
    }
    this.refreshEligibility(fw);
    this.wakeStranded = true;
  }

  /** Drops the framework's bookkeeping only: its offers and tasks come back through `recover`. */
  removeFramework(frameworkId: string): void {
    const fw = this.frameworks.get(frameworkId);
    if (!fw) return;
    for (const client of [...fw.clients.values()]) {
      for (const [agentId, held] of [...client.perAgent]) {
        this.tree.uncharge(client, agentId, held, this.shareOf);
        this.agents.get(agentId)?.holders.delete(client);
      }
      this.dropClient(fw, client);
    }
    for (const agentId of fw.filtered) this.agents.get(agentId)?.filters.delete(frameworkId);
    this.frameworks.delete(frameworkId);
    this.touchQuota();
  }

  setFrameworkActive(frameworkId: string, active: boolean): void {
    const fw = this.frameworks.get(frameworkId);
    if (!fw || fw.active === active) return;
    fw.active = active;
    this.refreshEligibility(fw);
    if (active) this.wakeStranded = true;
  }

  suppress(frameworkId: string, roles?: readonly string[]): void {
    const fw = this.frameworks.get(frameworkId);
    if (!fw) return;
    for (const role of roles && roles.length > 0 ? roles : fw.roles) fw.suppressed.add(role);
    this.refreshEligibility(fw);
  }

  revive(frameworkId: string, roles?: readonly string[]): void {
    const fw = this.frameworks.get(frameworkId);
    if (!fw) return;
    for (const role of roles && roles.length > 0 ? roles : fw.roles) fw.suppressed.delete(role);
    for (const agentId of fw.filtered) {
      const agent = this.agents.get(agentId);
      if (!agent) continue;
      agent.filters.delete(frameworkId);
      this.dirty.add(agentId);
    }
    fw.filtered.clear();
    this.refreshEligibility(fw);
    this.wakeStranded = true;
  }

  // --------------------------------------------------------------- resources

  addUsed(frameworkId: string, agentId: string, resources: Resources, role?: string): void {
    const agent = this.agents.get(agentId);
    if (!agent) return;
    const v = this.names.vectorOf(resources);
    agent.free = agent.free.subtract(resources);
    subtractInto(agent.freeVec, v);
    if (agent.active) subtractInto(this.freeActive, v);
    const fw = this.frameworks.get(frameworkId);
    const roleName = role ?? fw?.roles[0];
    if (!fw || roleName === undefined) return;
    const client = this.clientFor(fw, roleName);
    this.tree.charge(client, agentId, v, this.shareOf);
    agent.holders.add(client);
  }

  recover(frameworkId: string, agentId: string, resources: Resources, refuseSeconds = 0, role?: string): void {
    const agent = this.agents.get(agentId);
    const v = this.names.vectorOf(resources);
    if (agent) {
      agent.free = agent.free.add(resources);
      addInto(agent.freeVec, v);
      if (agent.active) addInto(this.freeActive, v);
      this.dirty.add(agentId);
    }
    const fw = this.frameworks.get(frameworkId);
    if (!fw) return;
    const first = role === undefined ? undefined : fw.clients.get(role);
    if (!first || !this.takeBack(fw, first, agent, agentId, v)) {
      for (const client of [...fw.clients.values()]) {
        if (client !== first && this.takeBack(fw, client, agent, agentId, v)) break;
      }
    }
    this.touchQuota();
    if (agent && refuseSeconds > 0 && (Number.isFinite(refuseSeconds) || refuseSeconds === Infinity)) {
      const filter: OfferFilter = {
        frameworkId,
        agentId,
        refused: agent.free,
        expiresAt: this.now() + refuseSeconds * 1000,
      };
      agent.filters.set(frameworkId, filter);
      fw.filtered.add(agentId);
      this.expiries.push(filter);
    }
  }

  /** Takes `v` back from what the client holds on the agent (and out of `v`); true once `v` is all taken. */
  private takeBack(fw: FrameworkEntry, client: Client, agent: AgentEntry | undefined, agentId: string, v: ScalarVector): boolean {
    if (!client.perAgent.has(agentId)) return false;
    const taken = this.tree.uncharge(client, agentId, v, this.shareOf);
    subtractInto(v, taken);
    if (!client.perAgent.has(agentId)) {
      agent?.holders.delete(client);
      if (!client.subscribed && client.perAgent.size === 0) this.dropClient(fw, client);
    }
    return isZero(v);
  }

  // ------------------------------------------------------------------ roles

  setWeight(role: string, weight: number): void {
    if (!Number.isFinite(weight) || weight <= 0) {
      throw new RangeError(`weight of role ${role} must be a positive number, got ${weight}`);
    }
    const node = this.tree.ensure(role);
    node.weight = weight;
    this.tree.reweigh(node, this.shareOf);
  }

  setQuota(role: string, quota: RoleQuota | undefined): void {
    const node = this.tree.ensure(role);
    const amounts = quota ? quotaAmounts(role, quota, this.names) : { guarantee: undefined, limit: undefined };
    node.guarantee = amounts.guarantee;
    node.limit = amounts.limit;
    this.guaranteed = [];
    this.topGuaranteed = [];
    this.hasLimits = false;
    for (const n of this.tree.nodes()) {
      n.guaranteeBelow = false;
      if (n.limit) this.hasLimits = true;
      if (!n.guarantee) continue;
      this.guaranteed.push(n);
      if (guaranteedAncestor(n) === n) this.topGuaranteed.push(n);
      for (let a: RoleNode | undefined = n; a; a = a.parent) a.guaranteeBelow = true;
    }
    this.wakeStranded = true;
  }

  /** The framework's dominant share over all its roles, in [0, 1]. */
  share(frameworkId: string): number {
    const fw = this.frameworks.get(frameworkId);
    if (!fw) return 0;
    const sum: ScalarVector = [];
    for (const c of fw.clients.values()) addInto(sum, c.alloc);
    return this.shareOf(sum);
  }

  /** The role's dominant share (with its sub-roles), unweighted. */
  roleShare(role: string): number {
    const node = this.tree.get(role);
    return node ? this.shareOf(node.alloc) : 0;
  }

  /** What the role and its sub-roles hold (offered + used), by resource name. */
  roleAllocation(role: string): Record<string, number> {
    const node = this.tree.get(role);
    const out: Record<string, number> = {};
    if (!node) return out;
    node.alloc.forEach((v, i) => {
      const name = this.names.names[i];
      if (v > 0 && name !== undefined) out[name] = v;
    });
    return out;
  }

  // -------------------------------------------------------------- allocation

  allocate(nowMs: number = this.now()): Allocation[] {
    for (const f of this.expiries.popExpired(nowMs)) {
      const agent = this.agents.get(f.agentId);
      if (!agent || agent.filters.get(f.frameworkId) !== f) continue;
      agent.filters.delete(f.frameworkId);
      this.frameworks.get(f.frameworkId)?.filtered.delete(f.agentId);
      this.dirty.add(f.agentId);
    }
    if (this.wakeStranded) {
      for (const id of this.stranded) this.dirty.add(id);
      this.wakeStranded = false;
    }
    if (this.dirty.size === 0) return [];
    if (this.ranksStale) {
      this.tree.rerank(this.shareOf);
      this.ranksStale = false;
    }
    const ids = [...this.dirty];
    this.dirty.clear();
    const out: Allocation[] = [];
    if (this.tree.root.eligible === 0) {
      for (const id of ids) this.strand(id);
      return out;
    }
    if (this.shuffle) shuffleInPlace(ids);
    for (const id of ids) {
      const agent = this.agents.get(id);
      if (!agent) continue;
      if (agent.active && offerable(agent.freeVec)) this.allocateAgent(agent, nowMs, out);
      this.strand(id);
    }
    if (this.stranded.size === 0) this.quotaBlocked = false;
    return out;
  }

  private allocateAgent(agent: AgentEntry, nowMs: number, out: Allocation[]): void {
    const visit: Visit = { agent, nowMs, out, offered: [] };
    if (this.guaranteed.length > 0 && this.guaranteed.some(hasUnmetGuarantee)) {
      while (this.visitRole(this.tree.root, visit, true, false) === Step.Restart);
    }
    if (offerable(agent.freeVec)) {
      while (this.visitRole(this.tree.root, visit, false, true) === Step.Restart);
    }
  }

  /**
   * Walks the role's children in share order. In the guarantee stage only roles with an
   * unmet guarantee (and their sub-roles) are served.
   */
  private visitRole(node: RoleNode, visit: Visit, guaranteeStage: boolean, served: boolean): Step {
    const walk = node.order.walk();
    for (let entry = walk.next(); entry !== undefined; entry = walk.next()) {
      if (entry.eligible === 0) continue;
      let step: Step;
      if (entry instanceof SelfLeaf) {
        if (!served) continue;
        step = this.visitClients(entry, visit);
      } else {
        let childServed = served;
        if (guaranteeStage && !served) {
          if (!entry.guaranteeBelow) continue;
          childServed = hasUnmetGuarantee(entry);
        }
        step = this.visitRole(entry, visit, guaranteeStage, childServed);
      }
      if (step !== Step.Next) return step;
    }
    return Step.Next;
  }

  private visitClients(leaf: SelfLeaf, visit: Visit): Step {
    const { agent, nowMs } = visit;
    const walk = leaf.clients.walk();
    for (let client = walk.next(); client !== undefined; client = walk.next()) {
      if (!client.eligible) continue;
      const fid = client.frameworkId;
      const filter = agent.filters.get(fid);
      if (filter !== undefined) {
        if (filter.expiresAt <= nowMs) {
          agent.filters.delete(fid);
          this.frameworks.get(fid)?.filtered.delete(agent.id);
        } else if (filter.refused.contains(agent.free)) {
          continue;
        }
      }
      if (visit.offered.length > 0 && visit.offered.includes(fid)) continue;
      if (!this.offer(client, visit)) continue;
      visit.offered.push(fid);
      return offerable(agent.freeVec) ? Step.Restart : Step.Done;
    }
    return Step.Next;
  }

  /** Offers the client what the agent has free, cut to quota; false if nothing offerable is left after the cut. */
  private offer(client: Client, visit: Visit): boolean {
    const agent = visit.agent;
    let resources: Resources;
    let vec: ScalarVector;
    const cap = this.hasLimits || this.guaranteed.length > 0 ? this.quotaCap(client.role, agent.freeVec) : undefined;
    if (cap === undefined) {
      resources = agent.free;
      vec = agent.freeVec;
      agent.free = Resources.EMPTY;
      agent.freeVec = [];
    } else {
      this.quotaBlocked = true;
      if (cap === null || !offerable(cap)) return false;
      resources = this.partial(agent.free, cap);
      vec = cap;
      agent.free = agent.free.subtract(resources);
      subtractInto(agent.freeVec, cap);
    }
    if (agent.active) subtractInto(this.freeActive, vec);
    this.tree.charge(client, agent.id, vec, this.shareOf);
    agent.holders.add(client);
    visit.out.push({ frameworkId: client.frameworkId, agentId: agent.id, resources, role: client.role.name });
    return true;
  }

  /**
   * What of `free` the role may take: at most every limit up its chain leaves, and no more
   * than keeps the other roles' unmet guarantees coverable by what is free. Undefined when
   * nothing is cut; null when a resource the agent has is cut to nothing (an offer without,
   * say, cpus because the role is at its cpus limit is of no use, so none is made).
   */
  private quotaCap(role: RoleNode, free: ScalarVector): ScalarVector | undefined | null {
    let cap: ScalarVector | undefined;
    let emptied = false;
    const lower = (slot: number, allowed: number): void => {
      const a = Math.max(0, round3(allowed));
      const has = (cap ?? free)[slot] ?? 0;
      if (a < has) {
        cap ??= [...free];
        cap[slot] = a;
        if (a === 0) emptied = true;
      }
    };
    for (let n: RoleNode | undefined = role; n?.parent; n = n.parent) {
      for (const l of n.limit ?? []) lower(l.slot, l.amount - (n.alloc[l.slot] ?? 0));
    }
    if (this.topGuaranteed.length > 0) {
      const required: ScalarVector = [];
      for (const g of this.topGuaranteed) addUnmet(g, required);
      const own: ScalarVector = [];
      const top = guaranteedAncestor(role);
      if (top) addUnmet(top, own);
      for (let slot = 0; slot < required.length; slot++) {
        const need = required[slot] ?? 0;
        if (need > 0) lower(slot, (own[slot] ?? 0) + (this.freeActive[slot] ?? 0) - need);
      }
    }
    return emptied ? null : cap;
  }

  /** The scalars of `cap` plus all of `free`'s ranges (ports go with the first offer). */
  private partial(free: Resources, cap: ScalarVector): Resources {
    const spec: ResourceSpec = {};
    for (const [name, value] of Object.entries(free.toSpec())) if (Array.isArray(value)) spec[name] = value;
    cap.forEach((amount, slot) => {
      const name = this.names.names[slot];
      if (amount > 0 && name !== undefined) spec[name] = amount;
    });
    return Resources.of(spec);
  }

  // ---------------------------------------------------------------- helpers

  private strand(agentId: string): void {
    const agent = this.agents.get(agentId);
    if (agent?.active && offerable(agent.freeVec)) this.stranded.add(agentId);
    else this.stranded.delete(agentId);
  }

  private touchQuota(): void {
    if (this.quotaBlocked) this.wakeStranded = true;
  }

  private clientFor(fw: FrameworkEntry, role: string): Client {
    let client = fw.clients.get(role);
    if (!client) {
      const node = this.tree.ensure(role);
      client = {
        rank: 0,
        pos: -1,
        seq: this.seq++,
        frameworkId: fw.id,
        role: node,
        alloc: [],
        perAgent: new Map(),
        subscribed: false,
        eligible: false,
      };
      fw.clients.set(role, client);
      node.self.clients.insert(client);
    }
    return client;
  }

  private dropClient(fw: FrameworkEntry, client: Client): void {
    if (client.eligible) {
      client.eligible = false;
      this.tree.countEligible(client, -1);
    }
    client.role.self.clients.remove(client);
    fw.clients.delete(client.role.name);
  }

  private refreshEligibility(fw: FrameworkEntry): void {
    for (const client of fw.clients.values()) {
      const eligible = fw.active && client.subscribed && !fw.suppressed.has(client.role.name);
      if (eligible === client.eligible) continue;
      client.eligible = eligible;
      this.tree.countEligible(client, eligible ? 1 : -1);
    }
  }
}

function offerable(free: ScalarVector): boolean {
  return (free[CPUS] ?? 0) >= MIN_CPUS || (free[MEM] ?? 0) >= MIN_MEM;
}

function shuffleInPlace<T>(items: T[]): void {
  for (let i = items.length - 1; i > 0; i--) {
    const j = Math.floor(Math.random() * (i + 1));
    const a = items[i] as T;
    items[i] = items[j] as T;
    items[j] = a;
  }
}
