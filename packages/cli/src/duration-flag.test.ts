import { describe, expect, it } from 'vitest';
import { durationSeconds, parseDurationSeconds } from './duration-flag.js';

describe('duration flag', () => {
  it('reads seconds with or without a unit, and nothing else', () => {
    expect(parseDurationSeconds('60')).toBe(60);
    expect(parseDurationSeconds('60s')).toBe(60);
    expect(parseDurationSeconds('1.5m')).toBe(90);
    expect(parseDurationSeconds('500ms')).toBe(0.5);
    expect(parseDurationSeconds('2h')).toBe(7200);
    expect(parseDurationSeconds('0')).toBe(0);
    for (const bad of ['', 'soon', '-1s', '1d', '1 m', 's']) expect(parseDurationSeconds(bad)).toBeUndefined();
    const parsed = durationSeconds().safeParse('soon');
    expect(parsed.success).toBe(false);
    expect(parsed.error?.issues[0]?.message).toMatch(/must be a duration/);
  });
});
