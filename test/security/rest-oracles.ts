import { appSchema, validateApp } from '@tandem/apps';
import { jobSpecSchema, scheduleSpecSchema } from '@tandem/jobs';

// The reference validators of the REST fuzzing: hand-written invariants (what any
// accepted body must satisfy, written from Marathon's and Metronome's rules, not from
// Tandem's code) and, on top, the zod schemas themselves. Each returns why a document
// must be refused, or undefined.

type Doc = Record<string, unknown>;

const isObject = (v: unknown): v is Doc => typeof v === 'object' && v !== null && !Array.isArray(v);
const finite = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v);

/** Marathon's path ids: `/`-separated segments of [a-z0-9.-], starting and ending with a letter or digit, no `..`. */
export function marathonIdProblem(id: unknown): string | undefined {
  if (typeof id !== 'string') return 'id is not a string';
  const trimmed = id.replace(/^\//, '').replace(/\/$/, '');
  if (trimmed === '') return 'id is empty';
  if (id.length > 140) return 'id is over 140 characters';
  for (const s of trimmed.split('/')) {
    if (!/^[a-z0-9]([a-z0-9.-]*[a-z0-9])?$/.test(s) || s.includes('..')) return `id segment ${JSON.stringify(s.slice(0, 40))} is not a Marathon id`;
  }
  return undefined;
}

/** What any accepted app must be (before the schema's own view). */
export function appInvariant(app: unknown): string | undefined {
  if (!isObject(app)) return 'the app is not a JSON object';
  const idProblem = marathonIdProblem(app.id);
  if (idProblem) return idProblem;
  if (app.instances !== undefined && !(Number.isSafeInteger(app.instances) && (app.instances as number) >= 0 && (app.instances as number) <= 50_000)) {
    return `instances ${String(app.instances)} is not a whole number from 0 to 50000`;
  }
  if (app.cpus !== undefined && !(finite(app.cpus) && app.cpus > 0)) return `cpus ${String(app.cpus)} is not > 0`;
  if (app.mem !== undefined && !(finite(app.mem) && app.mem > 0)) return `mem ${String(app.mem)} is not > 0`;
  if (app.disk !== undefined && !(finite(app.disk) && app.disk >= 0)) return `disk ${String(app.disk)} is negative or not a number`;
  const image = isObject(app.container) && isObject(app.container.docker) ? app.container.docker.image : undefined;
  const hasCmd = typeof app.cmd === 'string' && app.cmd.trim() !== '';
  const hasArgs = Array.isArray(app.args) && app.args.every((a) => typeof a === 'string');
  if (!hasCmd && !hasArgs && !(typeof image === 'string' && image !== '')) return 'neither cmd, args nor a docker image';
  if (app.cmd != null && app.args != null) return 'both cmd and args';
  if (app.env !== undefined) {
    if (!isObject(app.env)) return 'env is not an object';
    for (const [k, v] of Object.entries(app.env)) {
      if (typeof v !== 'string') return `env ${k.slice(0, 40)} is not a string`;
      if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(k)) return `env name ${JSON.stringify(k.slice(0, 40))} is not a POSIX name`;
    }
  }
  if (app.labels !== undefined && (!isObject(app.labels) || Object.values(app.labels).some((v) => typeof v !== 'string'))) return 'labels are not strings';
  // A privileged container passes: each agent's Docker policy decides (--docker-allow privileged).
  return undefined;
}

const LIMITS = { maxInstances: 50_000 };
const STAMP = { version: '', versionInfo: { lastScalingAt: '', lastConfigChangeAt: '' } };

/** The invariants, then the schema (zod) and the cross-field rules as the server runs them. */
export function appRefusal(app: unknown): string | undefined {
  const broken = appInvariant(app);
  if (broken) return broken;
  if (!appSchema.safeParse(app).success) return 'the app schema refuses it';
  try {
    validateApp(app, LIMITS, STAMP);
  } catch (err) {
    return `validateApp refuses it: ${(err as Error).message}`;
  }
  return undefined;
}

/** Metronome's ids: dot-separated segments of [a-z0-9-], each starting and ending with a letter or digit. */
export function metronomeIdProblem(id: unknown): string | undefined {
  if (typeof id !== 'string' || id === '' || id.length > 100) return 'id is not a 1-100 character string';
  if (!id.split('.').every((s) => /^[a-z0-9]([a-z0-9-]*[a-z0-9])?$/.test(s))) return `id ${JSON.stringify(id.slice(0, 40))} is not a Metronome id`;
  return undefined;
}

export function jobRefusal(job: unknown): string | undefined {
  if (!isObject(job)) return 'the job is not a JSON object';
  const idProblem = metronomeIdProblem(job.id);
  if (idProblem) return idProblem;
  const run = job.run;
  if (!isObject(run)) return 'run is not an object';
  if (run.cpus !== undefined && !(finite(run.cpus) && run.cpus >= 0.01)) return `run.cpus ${String(run.cpus)} is below 0.01`;
  if (run.mem !== undefined && !(finite(run.mem) && run.mem >= 32)) return `run.mem ${String(run.mem)} is below 32`;
  if (run.disk !== undefined && !(finite(run.disk) && run.disk >= 0)) return `run.disk ${String(run.disk)} is negative`;
  const image = isObject(run.docker) ? run.docker.image : undefined;
  if (!(typeof run.cmd === 'string' && run.cmd !== '') && !Array.isArray(run.args) && !(typeof image === 'string' && image !== ''))
    return 'neither cmd, args nor an image';
  for (const key of Object.keys(job)) if (!['id', 'description', 'labels', 'run', 'schedules', 'dependencies'].includes(key)) return `unknown field ${key}`;
  if (!jobSpecSchema.safeParse(job).success) return 'the job schema refuses it';
  return undefined;
}

export function scheduleRefusal(schedule: unknown): string | undefined {
  if (!isObject(schedule)) return 'the schedule is not a JSON object';
  const idProblem = metronomeIdProblem(schedule.id);
  if (idProblem) return idProblem;
  if (typeof schedule.cron !== 'string' || schedule.cron.trim().split(/\s+/).length < 5) return 'cron is not a cron expression';
  if (
    schedule.startingDeadlineSeconds !== undefined &&
    !(Number.isSafeInteger(schedule.startingDeadlineSeconds) && (schedule.startingDeadlineSeconds as number) >= 1)
  ) {
    return 'startingDeadlineSeconds is not a whole number >= 1';
  }
  if (!scheduleSpecSchema.safeParse(schedule).success) return 'the schedule schema refuses it';
  return undefined;
}

/** Mesos' role names: `*` or `/`-separated segments, none empty, `.` or `..`. */
export function roleProblem(role: unknown): string | undefined {
  if (typeof role !== 'string' || role === '') return 'role is not a non-empty string';
  if (role === '*') return undefined;
  if (role.length > 128 || !/^[A-Za-z0-9_][A-Za-z0-9_.\-/]*$/.test(role)) return `role ${JSON.stringify(role.slice(0, 40))} has other characters`;
  if (role.split('/').some((s) => s === '' || s === '.' || s === '..')) return `role ${JSON.stringify(role.slice(0, 40))} has an empty, . or .. segment`;
  return undefined;
}

export function weightsRefusal(body: unknown): string | undefined {
  if (!isObject(body) || !Array.isArray(body.weights) || body.weights.length === 0) return 'weights is not a non-empty array';
  const seen = new Set<unknown>();
  for (const w of body.weights) {
    if (!isObject(w)) return 'a weight is not an object';
    const r = roleProblem(w.role);
    if (r) return r;
    if (!(finite(w.weight) && w.weight > 0)) return `weight ${String(w.weight)} is not > 0`;
    if (seen.has(w.role)) return 'a role twice';
    seen.add(w.role);
  }
  return undefined;
}

export function quotaRefusal(body: unknown): string | undefined {
  if (!isObject(body) || !Array.isArray(body.quotas) || body.quotas.length === 0) return 'quotas is not a non-empty array';
  if (body.force !== undefined && typeof body.force !== 'boolean') return 'force is not a boolean';
  const seen = new Set<unknown>();
  for (const q of body.quotas) {
    if (!isObject(q)) return 'a quota is not an object';
    const r = roleProblem(q.role);
    if (r) return r;
    if (q.role === '*') return 'quota on "*"';
    if (seen.has(q.role)) return 'a role twice';
    seen.add(q.role);
    for (const kind of ['guarantee', 'limit'] as const) {
      const amounts = q[kind];
      if (amounts == null) continue;
      if (!isObject(amounts)) return `${kind} is not an object`;
      for (const [name, v] of Object.entries(amounts)) {
        if (!['cpus', 'mem', 'disk', 'gpus'].includes(name)) return `${kind}.${name.slice(0, 40)} is not a known scalar`;
        if (!(finite(v) && v >= 0 && v <= 1e12)) return `${kind}.${name} ${String(v)} is not from 0 to 1e12`;
      }
    }
    const g = isObject(q.guarantee) ? q.guarantee : {};
    const l = isObject(q.limit) ? q.limit : {};
    for (const [name, v] of Object.entries(g)) if (finite(l[name]) && (v as number) > (l[name] as number) + 1e-9) return `guarantee.${name} over its limit`;
  }
  return undefined;
}
