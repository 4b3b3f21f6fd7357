import { z } from 'zod';

/**
 * Metronome's id syntax: dot-separated segments of lowercase letters and digits, with
 * dashes inside a segment (`prod.example-app`). It rules out empty ids, `/`, `..` and
 * upper case. Ids name store keys and task ids, so they are also kept short.
 */
export const ID_PATTERN = /^([a-z0-9]|[a-z0-9][a-z0-9-]*[a-z0-9])(\.([a-z0-9]|[a-z0-9][a-z0-9-]*[a-z0-9]))*$/;
export const MAX_ID_LENGTH = 100;

export const ID_MESSAGE =
  'must be lowercase letters, digits, dashes and dots (dot-separated segments that start and end with a letter or digit), 1-100 characters';

export const idSchema = z
  .string({ error: 'is required and must be a string' })
  .min(1, 'must not be empty')
  .max(MAX_ID_LENGTH, `must be at most ${MAX_ID_LENGTH} characters`)
  .regex(ID_PATTERN, ID_MESSAGE);

export function isValidId(id: string): boolean {
  return id.length > 0 && id.length <= MAX_ID_LENGTH && ID_PATTERN.test(id);
}
