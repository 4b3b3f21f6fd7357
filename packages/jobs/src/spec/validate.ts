import { ValidationError, zodDetails } from '@tandem/protocol';
import type { z } from 'zod';

export { jsonPointer } from '@tandem/protocol';

/** Parses `body` with `schema`, or throws a ValidationError with every field's messages grouped by path. */
export function validate<S extends z.ZodType>(schema: S, body: unknown): z.output<S> {
  const result = schema.safeParse(body);
  if (result.success) return result.data;
  throw new ValidationError(zodDetails(result.error.issues));
}
