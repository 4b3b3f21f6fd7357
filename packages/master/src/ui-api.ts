import { Code, httpStatusOf, isTerminal, Resources, requestPrincipal, TandemError, type TaskState, TaskStates, ValidationError } from '@tandem/protocol';
import type { FastifyInstance, FastifyReply } from 'fastify';
import { frameworkViewer } from './framework-viewer.js';
import type { MasterOperations } from './master-operations.js';
import type { MayViewFramework } from './state-filter.js';
import { type AgentEntry, type TaskEntry, taskInfoOf } from './state-records.js';
import type { UiLinks } from './ui-links.js';
import { type UtilisationHistory, utilisationNow } from './utilisation-history.js';

/** Page sizes of the UI's lists: 50 unless asked, at most 500. */
const DEFAULT_LIMIT = 50;
const MAX_LIMIT = 500;
const MAX_QUERY = 200;
const STATES: ReadonlySet<string> = new Set(Object.values(TaskStates));
const SCALARS = ['cpus', 'mem', 'disk', 'gpus'] as const;

type Query = Record<string, string | undefined>;

function sendError(reply: FastifyReply, err: unknown): FastifyReply {
  const e = TandemError.from(err);
  return reply.code(httpStatusOf(e.code)).send({ message: e.message, field: e.field });
}

function intParam(q: Query, name: string, fallback: number, max: number): number {
  const raw = q[name];
  if (raw === undefined || raw === '') return fallback;
  const n = Number(raw);
  if (!Number.isSafeInteger(n) || n < 0) throw new ValidationError(name, 'must be a non-negative integer');
  if (n > max) throw new ValidationError(name, `must be at most ${max}`);
  return n;
}

function textParam(q: Query, name: string): string | undefined {
  const raw = q[name];
  if (raw === undefined || raw === '') return undefined;
  if (raw.length > MAX_QUERY) throw new ValidationError(name, `must be at most ${MAX_QUERY} characters`);
  return raw;
}

/** `state=TASK_RUNNING,TASK_FAILED` (or the short `running,failed`), each a known state. */
function statesParam(q: Query): Set<string> | undefined {
  const raw = textParam(q, 'state');
  if (raw === undefined) return undefined;
  const out = new Set<string>();
  for (const part of raw.split(',')) {
    const name = part.trim().toUpperCase();
    const state = name.startsWith('TASK_') ? name : `TASK_${name}`;
    if (!STATES.has(state)) throw new ValidationError('state', `${part.slice(0, 40)} is not a task state`);
    out.add(state);
  }
  return out;
}

const scalars = (r: Resources): Record<string, number> => {
  const out: Record<string, number> = {};
  for (const k of SCALARS) {
    const v = r.scalar(k);
    if (v > 0) out[k] = v;
  }
  return out;
};

/** A task as a row of the UI's lists (its TaskInfo decoded: only the rows of one page are). */
function taskRow(master: MasterOperations, t: TaskEntry): Record<string, unknown> {
  const info = taskInfoOf(t);
  return {
    id: t.id,
    name: info.name,
    frameworkId: t.frameworkId,
    framework: master.frameworks.get(t.frameworkId)?.info.name ?? '',
    agentId: t.agentId,
    hostname: master.agents.get(t.agentId)?.info.hostname ?? '',
    state: t.state,
    resources: t.resources.toJSON(),
    image: info.container?.docker?.image || undefined,
    updatedAt: t.status.timestamp,
    reason: t.status.reason || undefined,
    message: t.status.message || undefined,
  };
}

function agentAllocated(master: MasterOperations, a: AgentEntry): Resources {
  let used = Resources.EMPTY;
  for (const key of a.taskKeys) {
    const t = master.tasks.get(key);
    if (t && !t.released) used = used.add(t.resources);
  }
  return used;
}

/** ACTIVE, DISCONNECTED or UNREACHABLE (its connection), else DRAINING or DRAINED while it has a drain. */
function agentStatus(master: MasterOperations, a: AgentEntry): string {
  const drain = master.drains.get(a.id);
  if (!drain || a.phase === 'UNREACHABLE') return a.phase;
  return drain.drainedAt === undefined ? 'DRAINING' : 'DRAINED';
}

function agentRow(master: MasterOperations, a: AgentEntry): Record<string, unknown> {
  const used = agentAllocated(master, a);
  const drain = master.drains.get(a.id);
  return {
    id: a.id,
    hostname: a.info.hostname,
    status: agentStatus(master, a),
    drain: drain ? { since: drain.since, drainedAt: drain.drainedAt, gracePeriodSeconds: drain.gracePeriodSeconds, markGone: drain.markGone } : undefined,
    attributes: Object.fromEntries(a.info.attributes.map((x) => [x.name, x.text])),
    containerizers: [...a.containerizers],
    total: scalars(a.total),
    allocated: scalars(used),
    ports: a.total.toJSON().ports,
    tasks: a.taskKeys.size,
    registeredAt: a.registeredAt,
  };
}

/** Tasks newest first: the running ones in launch order reversed, then the completed ones, newest first. */
function* tasksNewestFirst(master: MasterOperations, completed: 'include' | 'only' | 'exclude'): Generator<TaskEntry> {
  if (completed !== 'only') {
    const active = [...master.tasks.values()];
    for (let i = active.length - 1; i >= 0; i--) yield active[i]!;
  }
  if (completed !== 'exclude') {
    const done = [...master.completed.values()];
    for (let i = done.length - 1; i >= 0; i--) yield done[i]!;
  }
}

function findTask(master: MasterOperations, taskId: string): TaskEntry | undefined {
  for (const t of master.tasks.values()) if (t.id === taskId) return t;
  for (const t of master.completed.values()) if (t.id === taskId) return t;
  return undefined;
}

function dominantShare(held: Resources, total: Record<string, number>): number {
  let share = 0;
  for (const k of SCALARS) {
    const all = total[k] ?? 0;
    if (all > 0) share = Math.max(share, held.scalar(k) / all);
  }
  return Math.round(share * 10_000) / 10_000;
}

/**
 * The JSON the web UI reads: small, paginated and filtered on the server, each through the
 * caller's `view` ACL (tasks and frameworks of frameworks it may not view are left out, and
 * not counted). Never the whole cluster in one answer: that is what sank the Mesos and
 * Marathon UIs at scale.
 */
export function uiRoutes(app: FastifyInstance, master: MasterOperations, history: UtilisationHistory, links: UiLinks): void {
  const viewerOf = (req: { raw: Parameters<typeof requestPrincipal>[0] }): MayViewFramework => frameworkViewer(master, requestPrincipal(req.raw));

  app.get('/api/v1/ui/config', async () => ({ masterId: master.masterId, appsUrl: links.appsUrl, jobsUrl: links.jobsUrl }));

  // One pass over the agents and one over the tasks (≈80 ms at 10,000 agents and 100,000 tasks).
  app.get('/api/v1/ui/overview', async (req) => {
    const mayView = viewerOf(req);
    const agents: Record<string, number> = {};
    let totalCpus = 0;
    let totalMem = 0;
    let totalDisk = 0;
    let totalGpus = 0;
    for (const a of master.agents.values()) {
      const status = agentStatus(master, a);
      agents[status] = (agents[status] ?? 0) + 1;
      if (a.phase === 'UNREACHABLE') continue;
      totalCpus += a.total.scalar('cpus');
      totalMem += a.total.scalar('mem');
      totalDisk += a.total.scalar('disk');
      totalGpus += a.total.scalar('gpus');
    }
    // Utilisation is the cluster's (as agents are shown to all); counts are of the tasks the caller may view.
    const tasks: Record<string, number> = {};
    let active = 0;
    let cpus = 0;
    let mem = 0;
    let disk = 0;
    let gpus = 0;
    for (const t of master.tasks.values()) {
      if (!t.released) {
        cpus += t.resources.scalar('cpus');
        mem += t.resources.scalar('mem');
        disk += t.resources.scalar('disk');
        gpus += t.resources.scalar('gpus');
      }
      if (!mayView(t.frameworkId)) continue;
      active++;
      tasks[t.state] = (tasks[t.state] ?? 0) + 1;
    }
    let completed = 0;
    for (const t of master.completed.values()) {
      if (!mayView(t.frameworkId)) continue;
      completed++;
      tasks[t.state] = (tasks[t.state] ?? 0) + 1;
    }
    let frameworks = 0;
    let connected = 0;
    for (const f of master.frameworks.values()) {
      if (!mayView(f.id)) continue;
      frameworks++;
      if (f.stream) connected++;
    }
    const r = (n: number): number => Math.round(n * 1000) / 1000;
    return {
      masterId: master.masterId,
      startedAt: master.startedAt,
      leading: master.leaderInfo().leading,
      agents: { total: master.agents.size, byStatus: agents },
      frameworks: { total: frameworks, connected },
      tasks: { active, completed, byState: tasks },
      utilisation: {
        total: { cpus: r(totalCpus), mem: r(totalMem), disk: r(totalDisk), gpus: r(totalGpus) },
        allocated: { cpus: r(cpus), mem: r(mem), disk: r(disk), gpus: r(gpus) },
      },
      history: history.list(),
    };
  });

  app.get('/api/v1/ui/agents', async (req, reply) => {
    try {
      const q = req.query as Query;
      const offset = intParam(q, 'offset', 0, Number.MAX_SAFE_INTEGER);
      const limit = intParam(q, 'limit', DEFAULT_LIMIT, MAX_LIMIT) || DEFAULT_LIMIT;
      const text = textParam(q, 'q')?.toLowerCase();
      const status = textParam(q, 'status')?.toUpperCase();
      const items: Record<string, unknown>[] = [];
      let total = 0;
      for (const a of master.agents.values()) {
        if (status && agentStatus(master, a) !== status) continue;
        if (text && !a.id.toLowerCase().includes(text) && !a.info.hostname.toLowerCase().includes(text)) continue;
        if (total >= offset && items.length < limit) items.push(agentRow(master, a));
        total++;
      }
      return { total, offset, limit, items };
    } catch (err) {
      return sendError(reply, err);
    }
  });

  app.get<{ Params: { agentId: string } }>('/api/v1/ui/agents/:agentId', async (req, reply) => {
    const a = master.agents.get(req.params.agentId);
    if (!a)
      return sendError(reply, new TandemError(Code.NotFound, `agent ${req.params.agentId.slice(0, 80)} is not known to the master`, { field: 'agentId' }));
    const mayView = viewerOf(req);
    const tasks: Record<string, unknown>[] = [];
    for (const key of a.taskKeys) {
      const t = master.tasks.get(key);
      if (t && mayView(t.frameworkId) && tasks.length < MAX_LIMIT) tasks.push(taskRow(master, t));
    }
    return { ...agentRow(master, a), taskList: tasks };
  });

  app.get('/api/v1/ui/tasks', async (req, reply) => {
    try {
      const q = req.query as Query;
      const offset = intParam(q, 'offset', 0, Number.MAX_SAFE_INTEGER);
      const limit = intParam(q, 'limit', DEFAULT_LIMIT, MAX_LIMIT) || DEFAULT_LIMIT;
      const states = statesParam(q);
      const framework = textParam(q, 'framework');
      const agent = textParam(q, 'agent');
      const text = textParam(q, 'q')?.toLowerCase();
      const completed = textParam(q, 'completed') ?? 'include';
      if (completed !== 'include' && completed !== 'only' && completed !== 'exclude')
        throw new ValidationError('completed', 'must be "include", "only" or "exclude"');
      const mayView = viewerOf(req);
      const items: Record<string, unknown>[] = [];
      let total = 0;
      for (const t of tasksNewestFirst(master, completed)) {
        if (states && !states.has(t.state)) continue;
        if (framework && t.frameworkId !== framework) continue;
        if (agent && t.agentId !== agent) continue;
        if (text && !t.id.toLowerCase().includes(text)) continue;
        if (!mayView(t.frameworkId)) continue;
        if (total >= offset && items.length < limit) items.push(taskRow(master, t));
        total++;
      }
      return { total, offset, limit, items };
    } catch (err) {
      return sendError(reply, err);
    }
  });

  app.get<{ Params: { taskId: string } }>('/api/v1/ui/tasks/:taskId', async (req, reply) => {
    const t = findTask(master, req.params.taskId);
    // A task of a framework the caller may not view is as unknown as one that never ran.
    if (!t || !viewerOf(req)(t.frameworkId))
      return sendError(reply, new TandemError(Code.NotFound, `task ${req.params.taskId.slice(0, 80)} is not known to the master`, { field: 'taskId' }));
    const info = taskInfoOf(t);
    const command = info.command;
    return {
      ...taskRow(master, t),
      terminal: isTerminal(t.state as TaskState),
      command: command ? { value: command.value, shell: command.shell, arguments: command.arguments } : undefined,
      containerId: t.status.containerId || undefined,
      exitCode: t.status.hasExitCode ? t.status.exitCode : undefined,
      healthy: t.status.hasHealthy ? t.status.healthy : undefined,
    };
  });

  app.get('/api/v1/ui/frameworks', async (req) => {
    const mayView = viewerOf(req);
    // `?names=1`: ids and names only (the tasks page's filter), without walking the tasks.
    if ((req.query as Query).names === '1')
      return { frameworks: [...master.frameworks.values()].filter((f) => mayView(f.id)).map((f) => ({ id: f.id, name: f.info.name })) };
    const total = utilisationNow(master).total;
    const held = new Map<string, Resources>();
    for (const t of master.tasks.values()) {
      if (t.released) continue;
      held.set(t.frameworkId, (held.get(t.frameworkId) ?? Resources.EMPTY).add(t.resources));
    }
    const frameworks = [...master.frameworks.values()]
      .filter((f) => mayView(f.id))
      .map((f) => {
        const h = held.get(f.id) ?? Resources.EMPTY;
        return {
          id: f.id,
          name: f.info.name,
          roles: f.info.roles,
          principal: f.principal,
          connected: !!f.stream,
          allocated: scalars(h),
          share: dominantShare(h, total),
          tasks: f.taskKeys.size,
          registeredAt: f.registeredAt,
          disconnectedAt: f.disconnectedAt || undefined,
        };
      });
    // A role holds what its frameworks hold (a framework of several roles is counted under its first).
    const roleHeld = new Map<string, Resources>();
    const roleFrameworks = new Map<string, string[]>();
    for (const f of master.frameworks.values()) {
      for (const role of f.info.roles) roleFrameworks.set(role, [...(roleFrameworks.get(role) ?? []), f.id]);
      const first = f.info.roles[0];
      if (first !== undefined) roleHeld.set(first, (roleHeld.get(first) ?? Resources.EMPTY).add(held.get(f.id) ?? Resources.EMPTY));
    }
    const names = [...new Set([...master.roleConfig.configuredRoles(), ...roleFrameworks.keys()])].sort();
    const roles = names.map((name) => {
      const h = roleHeld.get(name) ?? Resources.EMPTY;
      const weight = master.roleConfig.weightOf(name);
      const quota = master.roleConfig.quotaOf(name);
      const share = dominantShare(h, total);
      return {
        name,
        weight,
        quota: quota ? { guarantee: { ...quota.guarantee }, limit: { ...quota.limit } } : undefined,
        allocated: scalars(h),
        share,
        weightedShare: Math.round((share / weight) * 10_000) / 10_000,
        frameworks: (roleFrameworks.get(name) ?? []).filter((id) => mayView(id)),
      };
    });
    return { frameworks, roles, total };
  });
}
