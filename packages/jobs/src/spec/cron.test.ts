import { describe, expect, it } from 'vitest';
import { CronSchedule, cronError, isValidTimezone } from './cron.js';

const at = (s: string): number => Date.parse(s);
const isoOf = (ms: number | undefined): string | undefined => (ms === undefined ? undefined : new Date(ms).toISOString());

describe('cron', () => {
  it('cron - 5 fields only, with a reason', () => {
    expect(cronError('*/5 * * * *')).toBeUndefined();
    expect(cronError('* * * *')).toMatch(/5 fields/);
    expect(cronError('* * * * * *')).toMatch(/5 fields/);
    expect(cronError('61 * * * *')).toMatch(/minute/);
  });

  it('cron - an expression no date matches is refused; one that fires rarely is not', () => {
    expect(cronError('0 0 30 2 *')).toMatch(/never fires/);
    expect(cronError('0 0 31 4,6,9,11 *')).toMatch(/never fires/);
    expect(cronError('0 0 29 2 *')).toBeUndefined(); // leap days
    expect(cronError('0 0 30 2 1')).toBeUndefined(); // day of month OR day of week, as cron: Mondays in February
  });

  it('cron - IANA time zones', () => {
    expect(isValidTimezone('UTC')).toBe(true);
    expect(isValidTimezone('Europe/Berlin')).toBe(true);
    expect(isValidTimezone('Mars/Olympus')).toBe(false);
    expect(isValidTimezone('')).toBe(false);
  });

  it('cron - evaluates in the schedule time zone', () => {
    const c = new CronSchedule('0 9 * * *', 'Asia/Tokyo');
    expect(isoOf(c.next(at('2024-06-01T00:30:00Z')))).toBe('2024-06-02T00:00:00.000Z');
    expect(isoOf(new CronSchedule('0 9 * * *', 'UTC').next(at('2024-06-01T00:30:00Z')))).toBe('2024-06-01T09:00:00.000Z');
  });

  it('cron - DST spring forward: a skipped wall time runs once right after the gap', () => {
    const c = new CronSchedule('30 2 * * *', 'America/New_York');
    expect(isoOf(c.next(at('2024-03-09T12:00:00Z')))).toBe('2024-03-10T07:00:00.000Z'); // 03:00 EDT
    expect(isoOf(c.next(at('2024-03-10T07:00:00Z')))).toBe('2024-03-11T06:30:00.000Z');
  });

  it('cron - DST fall back: a repeated wall time runs once; intervals keep real spacing', () => {
    const c = new CronSchedule('30 1 * * *', 'America/New_York');
    const first = c.next(at('2024-11-02T12:00:00Z'));
    expect(isoOf(first)).toBe('2024-11-03T05:30:00.000Z'); // 01:30 EDT
    expect(isoOf(c.next(first ?? 0))).toBe('2024-11-04T06:30:00.000Z'); // not 01:30 EST again
    const every30 = new CronSchedule('*/30 * * * *', 'America/New_York');
    let t = at('2024-11-03T04:40:00Z');
    const seen: string[] = [];
    for (let i = 0; i < 4; i++) {
      t = every30.next(t) ?? 0;
      seen.push(new Date(t).toISOString());
    }
    expect(seen).toEqual(['2024-11-03T05:00:00.000Z', '2024-11-03T05:30:00.000Z', '2024-11-03T06:00:00.000Z', '2024-11-03T06:30:00.000Z']);
  });

  it('cron - latestBetween picks the newest missed instant only', () => {
    const c = new CronSchedule('* * * * *', 'UTC');
    expect(isoOf(c.latestBetween(at('2024-01-01T00:00:00Z'), at('2024-01-01T00:10:30Z')))).toBe('2024-01-01T00:10:00.000Z');
    expect(c.latestBetween(at('2024-01-01T00:00:00Z'), at('2024-01-01T00:00:59Z'))).toBeUndefined();
  });
});
