import { randomUUID } from 'node:crypto';
import { ValidationError } from './errors.js';

export function newUuid(): string {
  return randomUUID();
}

/** A new id with a readable prefix, e.g. `agent-2f1c…`. */
export function newId(prefix: string): string {
  return `${prefix}-${randomUUID()}`;
}

const ID = /^[A-Za-z0-9][A-Za-z0-9_.:@-]{0,199}$/;

/**
 * Validates a user-chosen id (task ids and the like): 1-200 characters of letters,
 * digits and `_ . : @ -`, not starting with punctuation. No `/`, no `..`, no spaces:
 * ids become file and container names on agents.
 */
export function checkId(field: string, id: unknown): string {
  if (typeof id !== 'string' || id === '') throw new ValidationError(field, 'must be a non-empty string');
  if (!ID.test(id) || id.includes('..')) {
    throw new ValidationError(field, `"${id.slice(0, 60)}" must be 1-200 of [A-Za-z0-9_.:@-], not start with punctuation, and not contain ".."`);
  }
  return id;
}
