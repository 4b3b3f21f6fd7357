import type { FieldErrors } from '../errors.js';

/** The part of a zod issue read here (structural, so this package needs no zod). */
export interface PathIssue {
  readonly path: readonly PropertyKey[];
  readonly message: string;
}

/** `['run', 'cpus']` -> `/run/cpus` (each segment escaped: `~` -> `~0`, `/` -> `~1`); the root is `/`. */
export function jsonPointer(path: readonly PropertyKey[], prefix = ''): string {
  return `${prefix}${path.map((p) => `/${String(p).replace(/~/g, '~0').replace(/\//g, '~1')}`).join('')}` || '/';
}

/**
 * `['weights', 1, 'weight']` -> `weights[1].weight`, under `root` when given: the field
 * style of the gRPC APIs (`tandem-field`) and of the master's REST API, where the apps
 * and jobs APIs use JSON pointers (`jsonPointer`).
 */
export function fieldPath(path: readonly PropertyKey[], root = ''): string {
  return path.reduce<string>((f, p) => (typeof p === 'number' ? `${f}[${p}]` : f === '' ? String(p) : `${f}.${String(p)}`), root);
}

/** zod issues as per-field details: JSON pointers under `prefix`, each path's messages once, in order. */
export function zodDetails(issues: readonly PathIssue[], prefix = ''): FieldErrors[] {
  const byPath = new Map<string, string[]>();
  for (const issue of issues) {
    const path = jsonPointer(issue.path, prefix);
    const list = byPath.get(path) ?? [];
    if (!list.includes(issue.message)) list.push(issue.message);
    byPath.set(path, list);
  }
  return [...byPath].map(([path, errors]) => ({ path, errors }));
}
