import { parseCorsOrigins } from '@tandem/protocol';
import type { Command } from 'commander';
import { z } from 'zod';
import { flag } from './flag-option.js';

const CORS_FLAG = '--cors-origin (TANDEM_CORS_ORIGIN)';

export const corsSchema = z.object({ corsOrigin: z.string().optional() });

/** `--cors-origin ORIGIN[,ORIGIN...]` (TANDEM_CORS_ORIGIN): CORS on an HTTP API, off unless given. */
export function addCorsFlag(cmd: Command): Command {
  return cmd.addOption(
    flag(
      '--cors-origin <origins>',
      'let browser pages from these origins call the HTTP API (CORS), e.g. https://ui.example[,https://b.example] or * (default: off)',
    ),
  );
}

/** `{ corsOrigins }` for an options object when the flag is given, else `{}`; a bad origin is a ValidationError naming the flag. */
export function corsOption(o: z.output<typeof corsSchema>): { corsOrigins?: string[] } {
  if (o.corsOrigin === undefined || o.corsOrigin.trim() === '') return {};
  return { corsOrigins: parseCorsOrigins([o.corsOrigin], CORS_FLAG) };
}
