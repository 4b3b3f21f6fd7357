import { z } from 'zod';

const UNITS: Record<string, number> = { ms: 0.001, s: 1, m: 60, h: 3600 };
const DURATION = /^(\d+(?:\.\d+)?)(ms|s|m|h)?$/;

/** Seconds from `90`, `90s`, `1.5m`, `500ms` or `1h`; undefined when it is none of them. */
export function parseDurationSeconds(text: string): number | undefined {
  const m = DURATION.exec(text.trim());
  if (!m) return undefined;
  const seconds = Number(m[1]) * (UNITS[m[2] ?? 's'] ?? 1);
  return Number.isFinite(seconds) ? seconds : undefined;
}

/** A flag's duration (`--grace 60s`), as seconds >= 0. */
export const durationSeconds = () =>
  z.string().transform((value, ctx) => {
    const seconds = parseDurationSeconds(value);
    if (seconds === undefined) {
      ctx.addIssue({ code: 'custom', message: 'must be a duration: a number with an optional unit, ms, s (the default), m or h (e.g. 60s, 1.5m)' });
      return z.NEVER;
    }
    return seconds;
  });
