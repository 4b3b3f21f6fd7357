import { type AgentStatus, type ClusterStateInit, formatAttributes, Resources, type RoleStateInit, type TaskInit } from '@tandem/protocol';
import { drainInfoOf } from './agent-drains.js';
import type { ClusterView } from './cluster-view.js';
import { type AgentEntry, type AgentPhase, type TaskEntry, taskInfoOf } from './state-records.js';

const AGENT_STATUS: Record<AgentPhase, AgentStatus> = {
  ACTIVE: 'AGENT_ACTIVE',
  DISCONNECTED: 'AGENT_ACTIVE',
  UNREACHABLE: 'AGENT_UNREACHABLE',
};

/** An agent's status in the Operator API (and in `tandem_master_agents_by_status`). */
export function agentStatusOf(master: ClusterView, a: AgentEntry): AgentStatus {
  // Its drain, else its connection (an unreachable one shows unreachable, drained or not).
  const drain = master.drains.get(a.id);
  if (!drain || a.phase === 'UNREACHABLE') return AGENT_STATUS[a.phase];
  return drain.drainedAt === undefined ? 'AGENT_DRAINING' : 'AGENT_DRAINED';
}

/** The same for `/api/v1/state`: ACTIVE, DISCONNECTED, UNREACHABLE, DRAINING or DRAINED. */
function agentStatusJson(master: ClusterView, a: AgentEntry): string {
  const drain = master.drains.get(a.id);
  if (!drain || a.phase === 'UNREACHABLE') return a.phase;
  return drain.drainedAt === undefined ? 'DRAINING' : 'DRAINED';
}

const taskView = (t: TaskEntry): TaskInit => ({ info: taskInfoOf(t), frameworkId: t.frameworkId, state: t.state, status: t.status });

interface Usage {
  allocated: Map<string, Resources>;
  offered: Map<string, Resources>;
}

function usage(master: ClusterView): { byAgent: Usage; byFramework: Usage } {
  const byAgent: Usage = { allocated: new Map(), offered: new Map() };
  const byFramework: Usage = { allocated: new Map(), offered: new Map() };
  const add = (m: Map<string, Resources>, k: string, r: Resources): void => {
    m.set(k, (m.get(k) ?? Resources.EMPTY).add(r));
  };
  for (const t of master.tasks.values()) {
    if (t.released) continue;
    add(byAgent.allocated, t.agentId, t.resources);
    add(byFramework.allocated, t.frameworkId, t.resources);
  }
  for (const o of master.offers.values()) {
    add(byAgent.offered, o.agentId, o.resources);
    add(byFramework.offered, o.frameworkId, o.resources);
  }
  return { byAgent, byFramework };
}

/** Every role with a weight, a quota or a subscribed framework, by name. */
function roleStates(master: ClusterView): RoleStateInit[] {
  const frameworks = new Map<string, string[]>();
  for (const f of master.frameworks.values()) {
    for (const role of f.info.roles) frameworks.set(role, [...(frameworks.get(role) ?? []), f.id]);
  }
  const names = [...new Set([...master.roleConfig.configuredRoles(), ...frameworks.keys()])].sort();
  return names.map((name) => {
    const quota = master.roleConfig.quotaOf(name);
    return {
      name,
      weight: master.roleConfig.weightOf(name),
      quota: quota ? { role: name, guarantee: { ...quota.guarantee }, limit: { ...quota.limit } } : null,
      frameworkIds: frameworks.get(name) ?? [],
    };
  });
}

/** The Operator API's view of the cluster. */
export function buildClusterState(master: ClusterView): ClusterStateInit {
  const { byAgent, byFramework } = usage(master);
  return {
    masterId: master.masterId,
    startedAt: master.startedAt,
    agents: [...master.agents.values()].map((a) => ({
      info: a.info,
      status: agentStatusOf(master, a),
      total: a.total.toWire(),
      allocated: (byAgent.allocated.get(a.id) ?? Resources.EMPTY).toWire(),
      offered: (byAgent.offered.get(a.id) ?? Resources.EMPTY).toWire(),
      registeredAt: a.registeredAt,
      drainInfo: master.drains.get(a.id) ? drainInfoOf(master.drains.get(a.id)) : null,
    })),
    frameworks: [...master.frameworks.values()].map((f) => ({
      info: f.info,
      connected: !!f.stream,
      allocated: (byFramework.allocated.get(f.id) ?? Resources.EMPTY).toWire(),
      offered: (byFramework.offered.get(f.id) ?? Resources.EMPTY).toWire(),
      registeredAt: f.registeredAt,
      disconnectedAt: f.disconnectedAt,
    })),
    tasks: [...master.tasks.values()].map(taskView),
    completedTasks: [...master.completed.values()].map(taskView),
    offers: [...master.offers.values()].map((o) => ({
      id: o.id,
      frameworkId: o.frameworkId,
      agentId: o.agentId,
      hostname: master.agents.get(o.agentId)?.info.hostname ?? '',
      resources: o.resources.toWire(),
    })),
    roles: roleStates(master),
  };
}

function taskJson(t: TaskEntry): Record<string, unknown> {
  const info = taskInfoOf(t);
  return {
    id: t.id,
    name: info.name,
    frameworkId: t.frameworkId,
    agentId: t.agentId,
    state: t.state,
    resources: t.resources.toJSON(),
    image: info.container?.docker?.image || undefined,
    status: {
      state: t.status.state,
      reason: t.status.reason,
      message: t.status.message,
      timestamp: t.status.timestamp,
      exitCode: t.status.hasExitCode ? t.status.exitCode : undefined,
      containerId: t.status.containerId || undefined,
    },
  };
}

/** The same state as friendly JSON for `/api/v1/state` (resources as `{cpus, mem, ports: "[a-b]"}`). */
export function clusterStateJson(master: ClusterView): Record<string, unknown> {
  const { byAgent, byFramework } = usage(master);
  return {
    masterId: master.masterId,
    startedAt: master.startedAt,
    agents: [...master.agents.values()].map((a) => ({
      id: a.id,
      hostname: a.info.hostname,
      status: agentStatusJson(master, a),
      ...drainJson(master, a.id),
      attributes: formatAttributes(a.info.attributes),
      containerizers: [...a.containerizers],
      resources: a.total.toJSON(),
      allocated: (byAgent.allocated.get(a.id) ?? Resources.EMPTY).toJSON(),
      offered: (byAgent.offered.get(a.id) ?? Resources.EMPTY).toJSON(),
      registeredAt: a.registeredAt,
      tasks: a.taskKeys.size,
    })),
    frameworks: [...master.frameworks.values()].map((f) => ({
      id: f.id,
      name: f.info.name,
      roles: f.info.roles,
      connected: !!f.stream,
      failoverTimeoutSeconds: f.info.failoverTimeoutSeconds,
      allocated: (byFramework.allocated.get(f.id) ?? Resources.EMPTY).toJSON(),
      offered: (byFramework.offered.get(f.id) ?? Resources.EMPTY).toJSON(),
      registeredAt: f.registeredAt,
      disconnectedAt: f.disconnectedAt || undefined,
      tasks: f.taskKeys.size,
    })),
    tasks: [...master.tasks.values()].map(taskJson),
    completedTasks: [...master.completed.values()].map(taskJson),
    offers: [...master.offers.values()].map((o) => ({ id: o.id, frameworkId: o.frameworkId, agentId: o.agentId, resources: o.resources.toJSON() })),
    roles: roleStates(master).map((r) => ({
      name: r.name,
      weight: r.weight,
      quota: r.quota ? { guarantee: r.quota.guarantee, limit: r.quota.limit } : undefined,
      frameworks: r.frameworkIds,
    })),
  };
}

/** `drain: {state, gracePeriodSeconds, markGone, since, drainedAt}` for a draining or drained agent; nothing otherwise. */
function drainJson(master: ClusterView, agentId: string): { drain?: Record<string, unknown> } {
  const d = master.drains.get(agentId);
  if (!d) return {};
  return {
    drain: {
      state: d.drainedAt === undefined ? 'DRAINING' : 'DRAINED',
      gracePeriodSeconds: d.gracePeriodSeconds,
      markGone: d.markGone,
      since: d.since,
      drainedAt: d.drainedAt,
      maintenanceUntil: d.maintenanceUntil,
    },
  };
}
