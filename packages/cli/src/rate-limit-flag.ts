import { ValidationError } from '@tandem/protocol';

/** Duration units a rate limit may use, in ms (Mesos' spellings too: `secs`, `mins`, `hrs`). */
const UNITS: Readonly<Record<string, number>> = {
  ms: 1,
  s: 1_000,
  sec: 1_000,
  secs: 1_000,
  m: 60_000,
  min: 60_000,
  mins: 60_000,
  h: 3_600_000,
  hr: 3_600_000,
  hrs: 3_600_000,
  d: 86_400_000,
  day: 86_400_000,
  days: 86_400_000,
};

const RATE = /^(\d+)\/(\d+(?:\.\d+)?)?([a-z]+)$/i;

const HELP = 'must be N/DURATION, N a whole number >= 1 and DURATION a number with a unit (ms, s, m, h, d), e.g. 1/20s, 5/1m, 1/20mins';

/**
 * `N/DURATION` (the master's `--agent-removal-rate-limit`, as Mesos' `1/20mins`) into
 * `{count, perMs}`: `1/20s` is one per 20 s, `5/1m` five per minute, `1/m` one per minute.
 * An error names `field`.
 */
export function parseRateLimit(text: string, field: string): { count: number; perMs: number } {
  const m = RATE.exec(text.replace(/\s+/g, ''));
  const unit = m?.[3] ? UNITS[m[3].toLowerCase()] : undefined;
  if (!m?.[1] || unit === undefined) throw new ValidationError(field, `${HELP}, got ${JSON.stringify(text)}`);
  const count = Number(m[1]);
  const perMs = Number(m[2] ?? 1) * unit;
  if (!Number.isSafeInteger(count) || count < 1) throw new ValidationError(field, `${HELP}; N is ${m[1]}`);
  if (!(perMs > 0) || !Number.isFinite(perMs)) throw new ValidationError(field, `${HELP}; the duration must be more than 0`);
  return { count, perMs };
}
