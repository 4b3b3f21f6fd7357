/**
 * Marathon path ids: `/group/sub/app`. Each segment is lowercase letters, digits, `-`
 * and `.` (not at either end, no `..`). Relative ids (`app`, `../other`) resolve
 * against a base group.
 */
const SEGMENT = /^[a-z0-9]([a-z0-9.-]*[a-z0-9])?$/;
/** Keeps task ids (app id + instance id + incarnation) within the 200 characters agents allow. */
export const MAX_PATH_ID_LENGTH = 140;

/** Why `raw` is not a valid path id, or undefined when it is one. */
export function pathIdProblem(raw: string): string | undefined {
  if (raw.trim() === '' || raw === '/') return 'must not be empty';
  if (raw.length > MAX_PATH_ID_LENGTH) return `must be at most ${MAX_PATH_ID_LENGTH} characters`;
  const segments = raw.replace(/^\//, '').replace(/\/$/, '').split('/');
  for (const s of segments) {
    if (s === '') return 'must not contain empty segments ("//")';
    if (s === '.' || s === '..' || s.includes('..')) return 'must not contain "." or ".." segments';
    if (!SEGMENT.test(s)) {
      return `segment "${s.slice(0, 40)}" must be lowercase letters, digits, "-" and "." and start and end with a letter or digit`;
    }
  }
  return undefined;
}

/** `app`, `/app/` -> `/app`. Call after `pathIdProblem` returned undefined. */
export function canonicalPathId(raw: string): string {
  return `/${raw.replace(/^\//, '').replace(/\/$/, '')}`;
}

/** The group holding an id: `/a/b/c` -> `/a/b`; `/a` -> `/`. */
export function parentGroup(id: string): string {
  const i = id.lastIndexOf('/');
  return i <= 0 ? '/' : id.slice(0, i);
}

/**
 * Resolves a dependency id against a base group: absolute ids stay, `x` and `../x` are
 * relative. Returns undefined when it climbs above the root.
 */
export function resolvePathId(base: string, raw: string): string | undefined {
  if (raw.startsWith('/')) return canonicalPathId(raw);
  const parts = base === '/' ? [] : base.slice(1).split('/');
  for (const s of raw.split('/').filter(Boolean)) {
    if (s === '..') {
      if (parts.length === 0) return undefined;
      parts.pop();
    } else if (s !== '.') parts.push(s);
  }
  return `/${parts.join('/')}`;
}

/** True when `id` is `group` itself or lies under it. */
export function isUnder(id: string, group: string): boolean {
  if (group === '/' || group === '') return true;
  return id === group || id.startsWith(`${group}/`);
}

/**
 * The app id as a task-id-safe token: `/group/app` -> `group_app` (segments never hold
 * `_`, so this is reversible).
 */
export function encodePathId(id: string): string {
  return id.slice(1).replace(/\//g, '_');
}

export function decodePathId(token: string): string {
  return `/${token.replace(/_/g, '/')}`;
}
