import { describe, expect, it } from 'vitest';
import { Backoff, backoffDelay } from './backoff.js';

describe('backoff', () => {
  it('backoff - initial x multiplier^(attempt-1), capped; Backoff adds jitter within its fraction and starts over on reset', () => {
    expect([1, 2, 3, 4, 5].map((a) => backoffDelay(a, { initialMs: 100, maxMs: 1000 }))).toEqual([100, 200, 400, 800, 1000]);
    expect(backoffDelay(3, { initialMs: 1000, maxMs: 3_600_000, multiplier: 1.15 })).toBeCloseTo(1322.5);
    expect(backoffDelay(10_000, { initialMs: 1, maxMs: 50 })).toBe(50);
    const b = new Backoff({ initialMs: 100, maxMs: 1000, jitter: 0.2 });
    const first = b.next();
    expect(first).toBeGreaterThanOrEqual(80);
    expect(first).toBeLessThanOrEqual(120);
    expect(b.next()).toBeGreaterThanOrEqual(160);
    b.reset();
    expect(b.next()).toBeLessThanOrEqual(120);
    expect(new Backoff({ initialMs: 10, jitter: 0 }).next()).toBe(10);
  });
});
