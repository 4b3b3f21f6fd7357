import { Resources } from '@tandem/protocol';
import type { Allocation, Allocator, FrameworkAllocationOptions } from './allocator.js';

/** Mesos' minimum offerable: an agent with less free than this of both is not offered. */
const MIN_CPUS = 0.01;
const MIN_MEM = 32;
const SHARE_RESOURCES = ['cpus', 'mem', 'disk', 'gpus'] as const;

interface AgentEntry {
  total: Resources;
  free: Resources;
  active: boolean;
}

interface Filter {
  resources: Resources;
  expiresAt: number;
}

interface FrameworkEntry {
  roles: Set<string>;
  suppressed: Set<string>;
  active: boolean;
  allocated: Resources;
  perAgent: Map<string, Resources>;
  filters: Map<string, Filter>;
  /** Registration order, the tie-breaker between equal shares. */
  seq: number;
}

export interface DrfAllocatorOptions {
  /** Shuffle the agents each pass so no agent is always offered first. @default true */
  shuffle?: boolean;
  now?: () => number;
}

/**
 * Dominant Resource Fairness over frameworks: each free agent goes, whole, to the
 * active framework with the lowest dominant share that has not filtered it. Roles,
 * weights and quota come with the scale work; this keeps the interface they need.
 */
export class DrfAllocator implements Allocator {
  private readonly agents = new Map<string, AgentEntry>();
  private readonly frameworks = new Map<string, FrameworkEntry>();
  private clusterTotal = Resources.EMPTY;
  private seq = 0;
  private readonly shuffle: boolean;
  private readonly now: () => number;

  constructor(options: DrfAllocatorOptions = {}) {
    this.shuffle = options.shuffle ?? true;
    this.now = options.now ?? Date.now;
  }

  addAgent(agentId: string, total: Resources, used: ReadonlyMap<string, Resources>): void {
    this.removeAgent(agentId);
    let free = total;
    for (const [fid, res] of used) {
      free = free.subtract(res);
      this.charge(fid, agentId, res);
    }
    this.agents.set(agentId, { total, free, active: true });
    this.clusterTotal = this.clusterTotal.add(total);
  }

  removeAgent(agentId: string): void {
    const agent = this.agents.get(agentId);
    if (!agent) return;
    this.agents.delete(agentId);
    this.clusterTotal = this.clusterTotal.subtract(agent.total);
    for (const fw of this.frameworks.values()) {
      const res = fw.perAgent.get(agentId);
      if (res) {
        fw.allocated = fw.allocated.subtract(res);
        fw.perAgent.delete(agentId);
      }
      fw.filters.delete(agentId);
    }
  }

  setAgentActive(agentId: string, active: boolean): void {
    const agent = this.agents.get(agentId);
    if (agent) agent.active = active;
  }

  addFramework(frameworkId: string, options: FrameworkAllocationOptions): void {
    const existing = this.frameworks.get(frameworkId);
    if (existing) {
      existing.roles = new Set(options.roles);
      existing.suppressed = new Set(options.suppressedRoles ?? []);
      existing.active = true;
      return;
    }
    this.frameworks.set(frameworkId, {
      roles: new Set(options.roles),
      suppressed: new Set(options.suppressedRoles ?? []),
      active: true,
      allocated: Resources.EMPTY,
      perAgent: new Map(),
      filters: new Map(),
      seq: this.seq++,
    });
  }

  /** Drops the framework's bookkeeping only: its offers and tasks come back through `recover`. */
  removeFramework(frameworkId: string): void {
    this.frameworks.delete(frameworkId);
  }

  setFrameworkActive(frameworkId: string, active: boolean): void {
    const fw = this.frameworks.get(frameworkId);
    if (fw) fw.active = active;
  }

  addUsed(frameworkId: string, agentId: string, resources: Resources): void {
    const agent = this.agents.get(agentId);
    if (!agent) return;
    agent.free = agent.free.subtract(resources);
    this.charge(frameworkId, agentId, resources);
  }

  recover(frameworkId: string, agentId: string, resources: Resources, refuseSeconds = 0): void {
    const agent = this.agents.get(agentId);
    if (agent) agent.free = agent.free.add(resources);
    const fw = this.frameworks.get(frameworkId);
    if (!fw) return;
    const held = fw.perAgent.get(agentId);
    if (held) {
      const left = held.subtract(resources);
      if (left.isEmpty()) fw.perAgent.delete(agentId);
      else fw.perAgent.set(agentId, left);
    }
    fw.allocated = fw.allocated.subtract(resources);
    if (refuseSeconds > 0 && Number.isFinite(refuseSeconds)) {
      fw.filters.set(agentId, { resources: agent?.free ?? resources, expiresAt: this.now() + refuseSeconds * 1000 });
    }
  }

  suppress(frameworkId: string, roles?: readonly string[]): void {
    const fw = this.frameworks.get(frameworkId);
    if (!fw) return;
    for (const role of roles && roles.length > 0 ? roles : fw.roles) fw.suppressed.add(role);
  }

  revive(frameworkId: string, roles?: readonly string[]): void {
    const fw = this.frameworks.get(frameworkId);
    if (!fw) return;
    for (const role of roles && roles.length > 0 ? roles : [...fw.roles]) fw.suppressed.delete(role);
    fw.filters.clear();
  }

  share(frameworkId: string): number {
    const fw = this.frameworks.get(frameworkId);
    return fw ? this.dominantShare(fw.allocated) : 0;
  }

  allocate(nowMs: number = this.now()): Allocation[] {
    const candidates = [...this.frameworks.entries()].filter(([, fw]) => fw.active && [...fw.roles].some((r) => !fw.suppressed.has(r)));
    if (candidates.length === 0) return [];
    const shares = new Map(candidates.map(([id, fw]) => [id, this.dominantShare(fw.allocated)]));
    const agentIds = [...this.agents.keys()];
    if (this.shuffle) shuffleInPlace(agentIds);
    const out: Allocation[] = [];
    for (const agentId of agentIds) {
      const agent = this.agents.get(agentId);
      if (!agent?.active || !offerable(agent.free)) continue;
      candidates.sort(([a, fa], [b, fb]) => (shares.get(a) ?? 0) - (shares.get(b) ?? 0) || fa.seq - fb.seq);
      for (const [fid, fw] of candidates) {
        const filter = fw.filters.get(agentId);
        if (filter) {
          if (filter.expiresAt <= nowMs) fw.filters.delete(agentId);
          else if (filter.resources.contains(agent.free)) continue;
        }
        const resources = agent.free;
        agent.free = Resources.EMPTY;
        this.charge(fid, agentId, resources);
        shares.set(fid, this.dominantShare(fw.allocated));
        out.push({ frameworkId: fid, agentId, resources });
        break;
      }
    }
    return out;
  }

  private charge(frameworkId: string, agentId: string, resources: Resources): void {
    const fw = this.frameworks.get(frameworkId);
    if (!fw) return;
    fw.allocated = fw.allocated.add(resources);
    fw.perAgent.set(agentId, (fw.perAgent.get(agentId) ?? Resources.EMPTY).add(resources));
  }

  private dominantShare(allocated: Resources): number {
    let share = 0;
    for (const name of SHARE_RESOURCES) {
      const total = this.clusterTotal.scalar(name);
      if (total > 0) share = Math.max(share, allocated.scalar(name) / total);
    }
    return share;
  }
}

function offerable(free: Resources): boolean {
  return free.cpus >= MIN_CPUS || free.mem >= MIN_MEM;
}

function shuffleInPlace<T>(items: T[]): void {
  for (let i = items.length - 1; i > 0; i--) {
    const j = Math.floor(Math.random() * (i + 1));
    const a = items[i] as T;
    items[i] = items[j] as T;
    items[j] = a;
  }
}
