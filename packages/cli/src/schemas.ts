import { parseMasterList, ValidationError } from '@tandem/protocol';
import { z } from 'zod';

/** Shared pieces of the commands' option schemas. Values arrive as strings (flags or env). */

const number = (message: string) => z.coerce.number({ error: message }).refine(Number.isFinite, { message });

export const port = (min = 0) =>
  number(`must be an integer from ${min} to 65535`).pipe(
    z
      .number()
      .int(`must be an integer from ${min} to 65535`)
      .min(min, `must be an integer from ${min} to 65535`)
      .max(65535, `must be an integer from ${min} to 65535`),
  );

export const seconds = () => number('must be a number of seconds').pipe(z.number().min(0, 'must not be negative'));

export const positive = (what: string) => number(`must be a positive ${what}`).pipe(z.number().positive(`must be a positive ${what}`));

export const nonNegative = (what: string) => number(`must be a ${what} >= 0`).pipe(z.number().min(0, `must be a ${what} >= 0`));

export const count = () => number('must be a whole number >= 1').pipe(z.number().int('must be a whole number >= 1').min(1, 'must be a whole number >= 1'));

export const bytes = () =>
  number('must be a whole number of bytes >= 1').pipe(z.number().int('must be a whole number of bytes >= 1').min(1, 'must be a whole number of bytes >= 1'));

/** One `host:port` (hollow agents: they share one channel, so they stay on one master). */

/**
 * `--master`: one master or several, `host:port[,host:port...]`, each entry checked
 * (parseMasterList). The value stays one comma list: the agent, the SDK and
 * `withOperator` take it as it is and follow the leader.
 */
export const masters = () =>
  z.string({ error: 'is required (host:port[,host:port...])' }).transform((value, ctx) => {
    try {
      return parseMasterList(value).join(',');
    } catch (err) {
      const message = err instanceof ValidationError ? (err.details[0]?.errors[0] ?? err.message) : String(err);
      ctx.addIssue({ code: 'custom', message });
      return z.NEVER;
    }
  });

/** The master flag's schema under its first name; every `--master` takes a list now. Prefer `masters()`. */
export const address = masters;

export const nonEmpty = () => z.string().min(1, 'must not be empty');

export const secondsToMs = (s: number): number => Math.round(s * 1000);
