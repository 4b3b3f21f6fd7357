import type { Resource } from '@tandem/protocol';

/** The scalar resources a table shows: CPUs, memory and disk (MiB). */
export interface Usage {
  cpus: number;
  mem: number;
  disk: number;
}

export const NO_USAGE: Usage = { cpus: 0, mem: 0, disk: 0 };

const KEYS = ['cpus', 'mem', 'disk'] as const;

/** The CPUs, memory and disk among `resources` (ranges and other names left out). */
export function usageOf(resources: readonly Resource[] | undefined): Usage {
  const u = { ...NO_USAGE };
  for (const r of resources ?? []) {
    if ((KEYS as readonly string[]).includes(r.name) && r.value === 'scalar') u[r.name as keyof Usage] += r.scalar ?? 0;
  }
  return u;
}

export function addUsage(a: Usage, b: Usage): Usage {
  return { cpus: a.cpus + b.cpus, mem: a.mem + b.mem, disk: a.disk + b.disk };
}

/** The largest of used/total over CPUs, memory and disk (DRF's dominant share), 0..1. */
export function dominantShare(used: Usage, total: Usage): number {
  return Math.max(0, ...KEYS.map((k) => (total[k] > 0 ? used[k] / total[k] : 0)));
}

/** `1.5`, `0.25`, `12`: at most two decimals. */
export function amount(n: number): string {
  return String(Math.round(n * 100) / 100);
}

/** `512M`, `1.5G` for an amount of MiB. */
export function mib(n: number): string {
  return n >= 1024 ? `${amount(n / 1024)}G` : `${amount(n)}M`;
}

export function percent(share: number): string {
  return `${Math.round(share * 100)}%`;
}
