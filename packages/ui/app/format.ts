/** Short human forms of the numbers the UI shows. */

export function mem(mb: number | undefined): string {
  const v = mb ?? 0;
  if (v >= 1024 * 1024) return `${(v / 1024 / 1024).toFixed(1)} TiB`;
  if (v >= 1024) return `${(v / 1024).toFixed(1)} GiB`;
  return `${Math.round(v)} MiB`;
}

export function cpus(n: number | undefined): string {
  const v = n ?? 0;
  return Number.isInteger(v) ? String(v) : v.toFixed(2);
}

export function count(n: number | undefined): string {
  return (n ?? 0).toLocaleString('en');
}

export function percent(part: number | undefined, whole: number | undefined): number {
  if (!whole) return 0;
  return Math.min(100, Math.max(0, ((part ?? 0) / whole) * 100));
}

/** `12 s ago`, `3 min ago`, ... of a time in seconds since the epoch. */
export function ago(seconds: number | undefined): string {
  if (!seconds) return '—';
  const d = Math.max(0, Date.now() / 1000 - seconds);
  if (d < 60) return `${Math.round(d)} s ago`;
  if (d < 3600) return `${Math.round(d / 60)} min ago`;
  if (d < 86400) return `${Math.round(d / 3600)} h ago`;
  return `${Math.round(d / 86400)} d ago`;
}

export function time(seconds: number | undefined): string {
  if (!seconds) return '—';
  return new Date(seconds * 1000)
    .toISOString()
    .replace('T', ' ')
    .replace(/\.\d+Z$/, 'Z');
}

/** `TASK_RUNNING` as `running`. */
export function stateName(state: string): string {
  return state
    .replace(/^TASK_|^AGENT_/, '')
    .toLowerCase()
    .replace(/_/g, ' ');
}

export function shortId(id: string): string {
  return id.length > 18 ? `${id.slice(0, 8)}…${id.slice(-6)}` : id;
}
