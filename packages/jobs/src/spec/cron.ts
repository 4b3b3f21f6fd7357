import { Cron } from 'croner';

/** True when `timezone` is an IANA zone this runtime knows (`UTC`, `Europe/Berlin`, ...). */
export function isValidTimezone(timezone: string): boolean {
  if (timezone === '') return false;
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: timezone });
    return true;
  } catch {
    return false;
  }
}

/** Why a 5-field cron expression is invalid (malformed, or matching no date at all), or undefined when it is fine. */
export function cronError(expression: string): string | undefined {
  const fields = expression.trim().split(/\s+/);
  if (fields.length !== 5) return `must have 5 fields (minute hour day-of-month month day-of-week), got ${fields.length}`;
  try {
    // A pattern no date matches (`0 0 30 2 *`: February 30) parses, but croner finds no next run.
    if (new Cron(expression, { mode: '5-part', paused: true }).nextRun() === null) return 'never fires: no date matches it (such as February 30)';
    return undefined;
  } catch (err) {
    return err instanceof Error ? err.message.replace(/^CronPattern: /, '') : String(err);
  }
}

/**
 * A compiled cron expression in a time zone. `next(after)` is the first instant
 * strictly after `after`. DST follows croner: a wall time skipped by a spring-forward
 * runs at the first valid time after the gap; a fixed wall time repeated by a
 * fall-back runs once; interval patterns (`* /30`) keep their real-time spacing.
 */
export class CronSchedule {
  private readonly cron: Cron;

  constructor(
    readonly expression: string,
    readonly timezone: string,
  ) {
    this.cron = new Cron(expression, { mode: '5-part', timezone, paused: true });
  }

  next(afterMs: number): number | undefined {
    return this.cron.nextRun(new Date(afterMs))?.getTime();
  }

  /** The latest instant in (afterMs, untilMs], or undefined if none. */
  latestBetween(afterMs: number, untilMs: number, maxSteps = 100_000): number | undefined {
    let latest: number | undefined;
    let cursor = afterMs;
    for (let i = 0; i < maxSteps; i++) {
      const n = this.next(cursor);
      if (n === undefined || n > untilMs) return latest;
      latest = n;
      cursor = n;
    }
    // A very long gap: jump straight to the instant before `untilMs`.
    const prev = this.cron.previousRuns(1, new Date(untilMs + 1))[0]?.getTime();
    return prev !== undefined && prev > afterMs ? prev : latest;
  }
}
