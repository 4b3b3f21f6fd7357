import type { ClusterView } from './cluster-view.js';

/** One sample of the cluster's use: what agents offer in total and what tasks hold, per scalar. */
export interface UtilisationSample {
  /** Seconds since the epoch. */
  at: number;
  total: Record<string, number>;
  allocated: Record<string, number>;
  tasks: number;
}

const SCALARS = ['cpus', 'mem', 'disk', 'gpus'] as const;

/** Sums the agents' totals (reachable ones) and the tasks' held resources: one pass over each. */
export function utilisationNow(master: Pick<ClusterView, 'agents' | 'tasks'>): UtilisationSample {
  const total: Record<string, number> = { cpus: 0, mem: 0, disk: 0, gpus: 0 };
  const allocated: Record<string, number> = { cpus: 0, mem: 0, disk: 0, gpus: 0 };
  for (const a of master.agents.values()) {
    if (a.phase === 'UNREACHABLE') continue;
    for (const k of SCALARS) total[k] = (total[k] ?? 0) + a.total.scalar(k);
  }
  let tasks = 0;
  for (const t of master.tasks.values()) {
    if (t.released) continue;
    tasks++;
    for (const k of SCALARS) allocated[k] = (allocated[k] ?? 0) + t.resources.scalar(k);
  }
  for (const k of SCALARS) allocated[k] = round(allocated[k] ?? 0);
  return { at: Date.now() / 1000, total, allocated, tasks };
}

const round = (n: number): number => Math.round(n * 1000) / 1000;

/**
 * The cluster's utilisation over the last `capacity` samples, one every `intervalMs`
 * (an hour at the defaults), for the UI's charts: a new browser shows the recent past
 * without having watched it.
 */
export class UtilisationHistory {
  private readonly samples: UtilisationSample[] = [];
  private readonly timer: NodeJS.Timeout;

  constructor(
    private readonly master: Pick<ClusterView, 'agents' | 'tasks'>,
    intervalMs = 10_000,
    private readonly capacity = 360,
  ) {
    this.timer = setInterval(() => this.sample(), intervalMs);
    this.timer.unref();
  }

  sample(): UtilisationSample {
    const s = utilisationNow(this.master);
    this.samples.push(s);
    if (this.samples.length > this.capacity) this.samples.splice(0, this.samples.length - this.capacity);
    return s;
  }

  list(): readonly UtilisationSample[] {
    return this.samples;
  }

  stop(): void {
    clearInterval(this.timer);
  }
}
