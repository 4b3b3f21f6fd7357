import { ValidationError } from '@tandem/protocol';
import type { Command } from 'commander';
import type { z } from 'zod';
import { envName } from './flag-option.js';

/**
 * Validates a command's options with its zod schema. The error names the flag (and its
 * env var), e.g. `--http-port (TANDEM_HTTP_PORT): must be an integer from -1 to 65535, got "x"`.
 */
export function parseOptions<S extends z.ZodType>(command: Command, schema: S): z.output<S> {
  const raw = command.opts();
  const result = schema.safeParse(raw);
  if (result.success) return result.data;
  const issue = result.error.issues[0];
  const key = String(issue?.path[0] ?? '');
  const option = command.options.find((o) => o.attributeName() === key);
  const flagName = option?.long ?? (key ? `--${key}` : 'options');
  const value = raw[key] as unknown;
  const got = value === undefined ? '' : `, got ${JSON.stringify(value)}`;
  throw new ValidationError(`${flagName} (${envName(flagName)})`, `${issue?.message ?? 'invalid'}${got}`);
}
