/** The master's UI endpoints (`/api/v1/ui/*`) and their answers. Same origin: credentials go as the browser holds them. */

export type Scalars = Partial<Record<'cpus' | 'mem' | 'disk' | 'gpus', number>>;

export interface UtilisationSample {
  at: number;
  total: Scalars;
  allocated: Scalars;
  tasks: number;
}

export interface Overview {
  masterId: string;
  startedAt: number;
  leading: boolean;
  agents: { total: number; byStatus: Record<string, number> };
  frameworks: { total: number; connected: number };
  tasks: { active: number; completed: number; byState: Record<string, number> };
  utilisation: { total: Scalars; allocated: Scalars };
  history: UtilisationSample[];
}

export interface Page<T> {
  total: number;
  offset: number;
  limit: number;
  items: T[];
}

export interface AgentRow {
  id: string;
  hostname: string;
  status: string;
  attributes: Record<string, string>;
  containerizers: string[];
  total: Scalars;
  allocated: Scalars;
  ports?: string | number;
  tasks: number;
  registeredAt: number;
}

export interface TaskRow {
  id: string;
  name: string;
  frameworkId: string;
  framework: string;
  agentId: string;
  hostname: string;
  state: string;
  resources: Record<string, number | string>;
  image?: string;
  updatedAt: number;
  reason?: string;
  message?: string;
}

export interface TaskDetail extends TaskRow {
  terminal: boolean;
  command?: { value: string; shell: boolean; arguments: string[] };
  containerId?: string;
  exitCode?: number;
  healthy?: boolean;
}

export interface FrameworkRow {
  id: string;
  name: string;
  roles: string[];
  principal?: string;
  connected: boolean;
  allocated: Scalars;
  share: number;
  tasks: number;
  registeredAt: number;
  disconnectedAt?: number;
}

export interface RoleRow {
  name: string;
  weight: number;
  quota?: { guarantee: Record<string, number>; limit: Record<string, number> };
  allocated: Scalars;
  share: number;
  weightedShare: number;
  frameworks: string[];
}

export interface UiConfig {
  masterId: string;
  appsUrl?: string;
  jobsUrl?: string;
}

/** An answer that was not 2xx: the master's `{ message, field }` when it sent one. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly field?: string,
  ) {
    super(message);
  }
}

/** GETs started before the first render (`prefetch`), each handed to the first `getJson` of its path. */
const prefetched = new Map<string, Promise<unknown>>();

/** Starts a GET now, while the page is still being built; the view that asks for it first gets its answer. */
export function prefetch(path: string): void {
  if (!prefetched.has(path))
    prefetched.set(
      path,
      fetch(path, { headers: { accept: 'application/json' }, credentials: 'same-origin' }).then((res) => readJson(res)),
    );
}

export async function getJson<T>(path: string, signal?: AbortSignal): Promise<T> {
  const early = prefetched.get(path);
  if (early) {
    prefetched.delete(path);
    return early as Promise<T>;
  }
  const res = await fetch(path, { headers: { accept: 'application/json' }, credentials: 'same-origin', ...(signal ? { signal } : {}) });
  return readJson<T>(res);
}

export async function sendJson<T>(method: string, url: string, body?: unknown): Promise<T> {
  const res = await fetch(url, {
    method,
    headers: { accept: 'application/json', ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    credentials: 'same-origin',
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  return readJson<T>(res);
}

async function readJson<T>(res: Response): Promise<T> {
  const text = await res.text();
  let body: unknown;
  try {
    body = text ? JSON.parse(text) : undefined;
  } catch {
    body = undefined;
  }
  if (!res.ok) {
    const b = (body ?? {}) as { message?: string; field?: string; details?: unknown };
    // Marathon and Metronome name each bad field in `details: [{ path, errors }]`.
    const details = Array.isArray(b.details)
      ? (b.details as { path?: string; errors?: unknown }[])
          .map((d) => `${d.path ?? ''}: ${Array.isArray(d.errors) ? d.errors.join(', ') : String(d.errors ?? '')}`)
          .join('; ')
      : '';
    const message = b.message ?? `${res.status} ${res.statusText}`;
    throw new ApiError(res.status, details ? `${message} (${details})` : message, b.field);
  }
  return body as T;
}

/** `?a=1&b=x` of the defined, non-empty values. */
export function query(params: Record<string, string | number | undefined>): string {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v !== undefined && v !== '') q.set(k, String(v));
  const s = q.toString();
  return s ? `?${s}` : '';
}
