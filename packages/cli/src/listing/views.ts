import { type ClusterState, isTerminal, type Task } from '@tandem/protocol';
import { addUsage, amount, dominantShare, mib, NO_USAGE, percent, type Usage, usageOf } from './usage.js';

/** One list a command prints: JSON rows under `key`, and the same rows as table columns. */
export interface Listing {
  key: 'agents' | 'frameworks' | 'tasks' | 'roles';
  rows: Record<string, unknown>[];
  header: string[];
  cells: string[][];
  /** Columns holding a state, coloured on a terminal. */
  stateColumns?: number[];
}

/** `TASK_RUNNING` -> `RUNNING`, for a table. */
const short = (name: string): string => name.replace(/^(TASK|AGENT)_/, '');

/** `3s`, `5m`, `2h`, `4d` since `seconds` (epoch), or `-` when unset. */
export function age(seconds: number, now: number = Date.now() / 1000): string {
  if (!(seconds > 0)) return '-';
  const s = Math.max(0, Math.round(now - seconds));
  if (s < 120) return `${s}s`;
  if (s < 7200) return `${Math.round(s / 60)}m`;
  if (s < 172800) return `${Math.round(s / 3600)}h`;
  return `${Math.round(s / 86400)}d`;
}

/** Resources held by live tasks, per agent and per framework (what GetState's "allocated" counts, kept current by Watch). */
export function usedBy(state: ClusterState): { agents: Map<string, Usage>; frameworks: Map<string, Usage>; tasks: Map<string, number> } {
  const agents = new Map<string, Usage>();
  const frameworks = new Map<string, Usage>();
  const tasks = new Map<string, number>();
  for (const t of state.tasks) {
    if (isTerminal(t.state)) continue;
    const u = usageOf(t.info?.resources);
    const agentId = t.info?.agentId || t.status?.agentId || '';
    agents.set(agentId, addUsage(agents.get(agentId) ?? NO_USAGE, u));
    frameworks.set(t.frameworkId, addUsage(frameworks.get(t.frameworkId) ?? NO_USAGE, u));
    tasks.set(agentId, (tasks.get(agentId) ?? 0) + 1);
    tasks.set(`fw:${t.frameworkId}`, (tasks.get(`fw:${t.frameworkId}`) ?? 0) + 1);
  }
  return { agents, frameworks, tasks };
}

/** The total of every agent that is not gone. */
export function clusterTotal(state: ClusterState): Usage {
  return state.agents.filter((a) => a.status !== 'AGENT_GONE').reduce((sum, a) => addUsage(sum, usageOf(a.total)), NO_USAGE);
}

const usedOfTotal = (used: number, total: number, fmt: (n: number) => string): string => `${fmt(used)}/${fmt(total)}`;

export function agentsListing(state: ClusterState, now?: number): Listing {
  const used = usedBy(state);
  const rows = state.agents.map((a) => {
    const id = a.info?.id ?? '';
    const total = usageOf(a.total);
    return {
      id,
      hostname: a.info?.hostname ?? '',
      status: a.status,
      registeredAt: a.registeredAt,
      address: a.info?.address ?? '',
      attributes: Object.fromEntries((a.info?.attributes ?? []).map((x) => [x.name, x.text])),
      total,
      used: used.agents.get(id) ?? NO_USAGE,
      tasks: used.tasks.get(id) ?? 0,
    };
  });
  return {
    key: 'agents',
    rows,
    stateColumns: [2],
    header: ['ID', 'HOSTNAME', 'STATUS', 'CPUS', 'MEM', 'DISK', 'TASKS', 'AGE'],
    cells: rows.map((r) => [
      r.id,
      r.hostname,
      short(r.status),
      usedOfTotal(r.used.cpus, r.total.cpus, amount),
      usedOfTotal(r.used.mem, r.total.mem, mib),
      usedOfTotal(r.used.disk, r.total.disk, mib),
      String(r.tasks),
      age(r.registeredAt, now),
    ]),
  };
}

export function frameworksListing(state: ClusterState, now?: number): Listing {
  const used = usedBy(state);
  const total = clusterTotal(state);
  const rows = state.frameworks.map((f) => {
    const id = f.info?.id ?? '';
    const u = used.frameworks.get(id) ?? NO_USAGE;
    return {
      id,
      name: f.info?.name ?? '',
      roles: f.info?.roles ?? [],
      principal: f.info?.principal ?? '',
      connected: f.connected,
      registeredAt: f.registeredAt,
      used: u,
      tasks: used.tasks.get(`fw:${id}`) ?? 0,
      dominantShare: dominantShare(u, total),
    };
  });
  return {
    key: 'frameworks',
    rows,
    stateColumns: [4],
    header: ['ID', 'NAME', 'ROLES', 'PRINCIPAL', 'CONNECTED', 'TASKS', 'CPUS', 'MEM', 'SHARE', 'AGE'],
    cells: rows.map((r) => [
      r.id,
      r.name,
      r.roles.join(',') || '*',
      r.principal || '-',
      r.connected ? 'yes' : 'no',
      String(r.tasks),
      amount(r.used.cpus),
      mib(r.used.mem),
      percent(r.dominantShare),
      age(r.registeredAt, now),
    ]),
  };
}

export interface TaskFilter {
  /** A state, with or without the TASK_ prefix, any case. */
  state?: string;
  /** A framework id or name. */
  framework?: string;
  /** An agent id or hostname. */
  agent?: string;
  /** Finished tasks too (always when `state` names a terminal one). */
  all?: boolean;
}

/** `running` -> `TASK_RUNNING`. */
export function taskStateName(state: string): string {
  const upper = state.toUpperCase();
  return upper.startsWith('TASK_') ? upper : `TASK_${upper}`;
}

export function tasksListing(state: ClusterState, filter: TaskFilter = {}, now?: number): Listing {
  const wanted = filter.state ? taskStateName(filter.state) : undefined;
  const frameworks = new Map(state.frameworks.map((f) => [f.info?.id ?? '', f.info?.name ?? '']));
  const hosts = new Map(state.agents.map((a) => [a.info?.id ?? '', a.info?.hostname ?? '']));
  const withCompleted = filter.all || (wanted !== undefined && isTerminal(wanted as Task['state']));
  const all = withCompleted ? [...state.tasks, ...state.completedTasks] : state.tasks;
  const rows = all
    .map((t) => {
      const agentId = t.info?.agentId || t.status?.agentId || '';
      return {
        id: t.info?.taskId ?? t.status?.taskId ?? '',
        name: t.info?.name ?? '',
        state: t.state,
        frameworkId: t.frameworkId,
        framework: frameworks.get(t.frameworkId) ?? '',
        agentId,
        hostname: hosts.get(agentId) ?? '',
        resources: usageOf(t.info?.resources),
        reason: t.status?.reason ?? 'REASON_NONE',
        message: t.status?.message ?? '',
        updatedAt: t.status?.timestamp ?? 0,
      };
    })
    .filter(
      (r) =>
        (wanted === undefined || r.state === wanted) &&
        (filter.framework === undefined || r.frameworkId === filter.framework || r.framework === filter.framework) &&
        (filter.agent === undefined || r.agentId === filter.agent || r.hostname === filter.agent),
    );
  return {
    key: 'tasks',
    rows,
    stateColumns: [2],
    header: ['ID', 'NAME', 'STATE', 'FRAMEWORK', 'HOST', 'CPUS', 'MEM', 'UPDATED'],
    cells: rows.map((r) => [
      r.id,
      r.name,
      short(r.state),
      r.framework || r.frameworkId,
      r.hostname || r.agentId || '-',
      amount(r.resources.cpus),
      mib(r.resources.mem),
      age(r.updatedAt, now),
    ]),
  };
}

export function rolesListing(state: ClusterState): Listing {
  const used = usedBy(state);
  const total = clusterTotal(state);
  const byName = new Map(state.roles.map((r) => [r.name, { weight: r.weight, quota: r.quota, frameworkIds: new Set(r.frameworkIds) }]));
  // Frameworks seen by Watch after the state was read subscribe their roles too.
  for (const f of state.frameworks) {
    for (const role of f.info?.roles ?? []) {
      const known = byName.get(role) ?? { weight: 1, quota: null, frameworkIds: new Set<string>() };
      known.frameworkIds.add(f.info?.id ?? '');
      byName.set(role, known);
    }
  }
  const rows = [...byName.entries()]
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([name, r]) => {
      const u = [...r.frameworkIds].reduce((sum, id) => addUsage(sum, used.frameworks.get(id) ?? NO_USAGE), NO_USAGE);
      return {
        name,
        weight: r.weight,
        frameworkIds: [...r.frameworkIds],
        guarantee: r.quota?.guarantee ?? {},
        limit: r.quota?.limit ?? {},
        used: u,
        dominantShare: dominantShare(u, total),
      };
    });
  const scalars = (m: Record<string, number>): string =>
    Object.entries(m)
      .map(([k, v]) => `${k}:${amount(v)}`)
      .join(',') || '-';
  return {
    key: 'roles',
    rows,
    header: ['ROLE', 'WEIGHT', 'FRAMEWORKS', 'CPUS', 'MEM', 'SHARE', 'GUARANTEE', 'LIMIT'],
    cells: rows.map((r) => [
      r.name,
      amount(r.weight),
      String(r.frameworkIds.length),
      amount(r.used.cpus),
      mib(r.used.mem),
      percent(r.dominantShare),
      scalars(r.guarantee),
      scalars(r.limit),
    ]),
  };
}
