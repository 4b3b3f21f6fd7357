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

export const address = () => z.string({ error: 'is required (host:port)' }).regex(/^(\[[0-9a-fA-F:.]+\]|[A-Za-z0-9._-]+):\d{1,5}$/, 'must be host:port');

export const nonEmpty = () => z.string().min(1, 'must not be empty');

export const secondsToMs = (s: number): number => Math.round(s * 1000);
