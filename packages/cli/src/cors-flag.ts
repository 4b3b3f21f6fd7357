import { parseCorsOrigins } from '@tandem/protocol';
import { z } from 'zod';

const CORS_FLAG = '--cors-origin (TANDEM_CORS_ORIGIN)';

export const corsSchema = z.object({ corsOrigin: z.string().optional() });

/** `{ corsOrigins }` for an options object when the flag is given, else `{}`; a bad origin is a ValidationError naming the flag. */
export function corsOption(o: z.output<typeof corsSchema>): { corsOrigins?: string[] } {
  if (o.corsOrigin === undefined || o.corsOrigin.trim() === '') return {};
  return { corsOrigins: parseCorsOrigins([o.corsOrigin], CORS_FLAG) };
}
