import type { ClusterState } from '@tandem/protocol';
import { formatTable } from '../cli-io.js';
import { DEFAULT_TOP_FRAMEWORKS } from '../defaults.js';
import { amount, dominantShare, mib, percent, type Usage, usageOf } from './usage.js';
import { clusterTotal, usedBy } from './views.js';

/** What `tandem top` shows, also its `--json`. */
export interface TopData {
  masterId: string;
  agents: number;
  frameworks: number;
  tasks: Record<string, number>;
  cluster: { used: Usage; total: Usage };
  perAgent: { id: string; hostname: string; status: string; used: Usage; total: Usage; tasks: number }[];
  /** By dominant share, largest first. */
  topFrameworks: { id: string; name: string; used: Usage; dominantShare: number; tasks: number }[];
}

export function topData(state: ClusterState, topFrameworks = DEFAULT_TOP_FRAMEWORKS): TopData {
  const used = usedBy(state);
  const total = clusterTotal(state);
  const tasks: Record<string, number> = {};
  for (const t of state.tasks) tasks[t.state] = (tasks[t.state] ?? 0) + 1;
  const agents = state.agents.filter((a) => a.status !== 'AGENT_GONE');
  const sumUsed = agents.reduce<Usage>(
    (s, a) => {
      const u = used.agents.get(a.info?.id ?? '');
      return u ? { cpus: s.cpus + u.cpus, mem: s.mem + u.mem, disk: s.disk + u.disk } : s;
    },
    { cpus: 0, mem: 0, disk: 0 },
  );
  return {
    masterId: state.masterId,
    agents: agents.length,
    frameworks: state.frameworks.length,
    tasks,
    cluster: { used: sumUsed, total },
    perAgent: agents.map((a) => {
      const id = a.info?.id ?? '';
      return {
        id,
        hostname: a.info?.hostname ?? '',
        status: a.status,
        used: used.agents.get(id) ?? { cpus: 0, mem: 0, disk: 0 },
        total: usageOf(a.total),
        tasks: used.tasks.get(id) ?? 0,
      };
    }),
    topFrameworks: state.frameworks
      .map((f) => {
        const id = f.info?.id ?? '';
        const u = used.frameworks.get(id) ?? { cpus: 0, mem: 0, disk: 0 };
        return { id, name: f.info?.name ?? '', used: u, dominantShare: dominantShare(u, total), tasks: used.tasks.get(`fw:${id}`) ?? 0 };
      })
      .sort((a, b) => b.dominantShare - a.dominantShare || a.name.localeCompare(b.name))
      .slice(0, topFrameworks),
  };
}

/** `[██████······] 50%` for a share 0..1. */
export function bar(share: number, width = 20): string {
  const s = Math.min(1, Math.max(0, Number.isFinite(share) ? share : 0));
  const full = Math.round(s * width);
  return `[${'█'.repeat(full)}${'·'.repeat(width - full)}]`;
}

const share = (used: number, total: number): number => (total > 0 ? used / total : 0);

/** One `tandem top` screen: the cluster's use with bars, each agent's, and the frameworks with the largest dominant share. */
export function renderTop(d: TopData, now: Date = new Date()): string {
  const running = d.tasks.TASK_RUNNING ?? 0;
  const taskCount = Object.values(d.tasks).reduce((a, b) => a + b, 0);
  const { used, total } = d.cluster;
  const lines = [
    `tandem top - ${now.toTimeString().slice(0, 8)} - ${d.agents} agents, ${d.frameworks} frameworks, ${taskCount} tasks (${running} running)`,
    '',
    `CPU   ${bar(share(used.cpus, total.cpus))} ${percent(share(used.cpus, total.cpus)).padStart(4)}  ${amount(used.cpus)}/${amount(total.cpus)}`,
    `MEM   ${bar(share(used.mem, total.mem))} ${percent(share(used.mem, total.mem)).padStart(4)}  ${mib(used.mem)}/${mib(total.mem)}`,
    `DISK  ${bar(share(used.disk, total.disk))} ${percent(share(used.disk, total.disk)).padStart(4)}  ${mib(used.disk)}/${mib(total.disk)}`,
    '',
  ];
  if (d.perAgent.length > 0) {
    lines.push(
      formatTable([
        ['AGENT', 'HOSTNAME', 'STATUS', 'CPU', '', 'MEM', '', 'TASKS'],
        ...d.perAgent.map((a) => [
          a.id,
          a.hostname,
          a.status.replace(/^AGENT_/, ''),
          bar(share(a.used.cpus, a.total.cpus), 10),
          `${amount(a.used.cpus)}/${amount(a.total.cpus)}`,
          bar(share(a.used.mem, a.total.mem), 10),
          `${mib(a.used.mem)}/${mib(a.total.mem)}`,
          String(a.tasks),
        ]),
      ]),
      '',
    );
  }
  if (d.topFrameworks.length > 0) {
    lines.push(
      formatTable([
        ['FRAMEWORK', 'NAME', 'SHARE', '', 'CPUS', 'MEM', 'TASKS'],
        ...d.topFrameworks.map((f) => [
          f.id,
          f.name,
          bar(f.dominantShare, 10),
          percent(f.dominantShare),
          amount(f.used.cpus),
          mib(f.used.mem),
          String(f.tasks),
        ]),
      ]),
    );
  }
  return `${lines.join('\n').trimEnd()}\n`;
}
