import { sleep } from '@tandem/protocol';
import { describe, expect, it } from 'vitest';
import { Limiter } from './limiter.js';

describe('limiter', () => {
  it('limiter - runs at most N jobs at once, in arrival order, and survives failures', async () => {
    const limiter = new Limiter(2);
    let running = 0;
    let peak = 0;
    const order: number[] = [];
    const jobs = [0, 1, 2, 3, 4].map((i) =>
      limiter.run(async () => {
        running++;
        peak = Math.max(peak, running);
        order.push(i);
        await sleep(10);
        running--;
        if (i === 1) throw new Error('boom');
        return i;
      }),
    );
    const results = await Promise.allSettled(jobs);
    expect(peak).toBe(2);
    expect(order).toEqual([0, 1, 2, 3, 4]);
    expect(results.map((r) => r.status)).toEqual(['fulfilled', 'rejected', 'fulfilled', 'fulfilled', 'fulfilled']);
  });
});
