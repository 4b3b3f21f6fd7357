import type { z } from 'zod';
import { type FieldErrors, SpecError } from './spec-error.js';

/** `['run', 'cpus']` -> `/run/cpus`; the root is `/`. */
export function jsonPointer(path: readonly PropertyKey[]): string {
  if (path.length === 0) return '/';
  return `/${path.map((p) => String(p).replace(/~/g, '~0').replace(/\//g, '~1')).join('/')}`;
}

/** Parses `body` with `schema`, or throws a SpecError with every field's messages grouped by path. */
export function validate<S extends z.ZodType>(schema: S, body: unknown): z.output<S> {
  const result = schema.safeParse(body);
  if (result.success) return result.data;
  const byPath = new Map<string, string[]>();
  for (const issue of result.error.issues) {
    const path = jsonPointer(issue.path);
    const list = byPath.get(path) ?? [];
    if (!list.includes(issue.message)) list.push(issue.message);
    byPath.set(path, list);
  }
  const details: FieldErrors[] = [...byPath].map(([path, errors]) => ({ path, errors }));
  throw new SpecError(details);
}
