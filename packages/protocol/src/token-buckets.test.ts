import { describe, expect, it } from 'vitest';
import { describeRate, TokenBuckets } from './token-buckets.js';

describe('token-buckets', () => {
  it('token-buckets - a key spends its burst, then waits the time of one token; other keys have their own', () => {
    let now = 0;
    const b = new TokenBuckets({ count: 10, perMs: 1000, burst: 3 }, () => now);
    expect([b.take('a'), b.take('a'), b.take('a')]).toEqual([0, 0, 0]);
    expect(b.take('a')).toBe(100);
    expect(b.take('b')).toBe(0);
    now = 50;
    expect(b.take('a')).toBe(50);
    now = 100;
    expect(b.take('a')).toBe(0);
    expect(b.take('a')).toBe(100);
    // Idle for long: full again, never more than the burst.
    now = 100_000;
    expect([b.take('a'), b.take('a'), b.take('a'), b.take('a')]).toEqual([0, 0, 0, 100]);
  });

  it('token-buckets - full buckets are swept once many keys are held; a refused take spends nothing', () => {
    let now = 0;
    const b = new TokenBuckets({ count: 1, perMs: 1000 }, () => now);
    for (let i = 0; i < 4096; i += 1) b.take(`k${i}`);
    expect(b.size).toBe(4096);
    now = 10_000;
    b.take('new');
    expect(b.size).toBe(1);
    const one = new TokenBuckets({ count: 1, perMs: 1000 }, () => now);
    expect(one.take('x')).toBe(0);
    expect(one.take('x')).toBe(1000);
    now += 1000;
    expect(one.take('x')).toBe(0);
  });

  it('token-buckets - a rate of 0 is refused; describeRate reads as the flags are written', () => {
    expect(() => new TokenBuckets({ count: 0, perMs: 1000 })).toThrow(/count > 0/);
    expect(describeRate({ count: 100, perMs: 1000, burst: 200 })).toBe('100/1s, burst 200');
    expect(describeRate({ count: 5, perMs: 500 })).toBe('5/500ms, burst 5');
  });
});
