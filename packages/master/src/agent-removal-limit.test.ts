import type { Logger } from '@tandem/protocol';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { AgentRemovalLimit, checkAgentRemovalRateLimit } from './agent-removal-limit.js';

/** A logger that keeps each line's message and fields. */
function lines(): { log: Logger; seen: { level: string; fields: Record<string, unknown>; msg: string }[] } {
  const seen: { level: string; fields: Record<string, unknown>; msg: string }[] = [];
  const at = (level: string) => (fields: Record<string, unknown>, msg: string) => seen.push({ level, fields, msg });
  return { log: { info: at('info'), warn: at('warn') } as unknown as Logger, seen };
}

describe('agent removal rate limit', () => {
  beforeEach(() => {
    vi.useFakeTimers();
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('agent-removal-limit - unlimited: every removal runs at once', () => {
    const limit = new AgentRemovalLimit(undefined, lines().log);
    const removed: string[] = [];
    for (const id of ['a', 'b', 'c']) limit.request(id, () => removed.push(id));
    expect(removed).toEqual(['a', 'b', 'c']);
    expect(limit.waiting).toBe(0);
  });

  it('agent-removal-limit - 1 per 10 s: the first at once, the others one every 10 s in arrival order, and the waiting count is logged', () => {
    const { log, seen } = lines();
    const limit = new AgentRemovalLimit({ count: 1, perMs: 10_000 }, log);
    const removed: [string, number][] = [];
    const start = Date.now();
    for (const id of ['a', 'b', 'c']) limit.request(id, () => removed.push([id, Date.now() - start]));
    expect(removed).toEqual([['a', 0]]);
    expect(limit.waitingIds()).toEqual(['b', 'c']);
    expect(seen.filter((l) => l.level === 'warn').map((l) => l.fields.waiting)).toEqual([1, 2]);
    vi.advanceTimersByTime(9_999);
    expect(removed).toHaveLength(1);
    vi.advanceTimersByTime(1);
    expect(removed).toEqual([
      ['a', 0],
      ['b', 10_000],
    ]);
    vi.advanceTimersByTime(10_000);
    expect(removed.map(([id]) => id)).toEqual(['a', 'b', 'c']);
    expect(removed[2]?.[1]).toBe(20_000);
    expect(limit.waiting).toBe(0);
  });

  it('agent-removal-limit - 3 per 30 s spaces permits 10 s apart, as Mesos does', () => {
    const limit = new AgentRemovalLimit({ count: 3, perMs: 30_000 }, lines().log);
    const removed: number[] = [];
    const start = Date.now();
    for (const id of ['a', 'b', 'c']) limit.request(id, () => removed.push(Date.now() - start));
    vi.advanceTimersByTime(30_000);
    expect(removed).toEqual([0, 10_000, 20_000]);
  });

  it('agent-removal-limit - an agent that comes back leaves the queue and gives its turn to the next', () => {
    const limit = new AgentRemovalLimit({ count: 1, perMs: 10_000 }, lines().log);
    const removed: string[] = [];
    for (const id of ['a', 'b', 'c']) limit.request(id, () => removed.push(id));
    expect(limit.cancel('b')).toBe(true);
    expect(limit.cancel('b')).toBe(false);
    expect(limit.has('b')).toBe(false);
    vi.advanceTimersByTime(10_000);
    expect(removed).toEqual(['a', 'c']);
  });

  it('agent-removal-limit - a second request of a waiting agent keeps its place; after a quiet spell a permit is free at once', () => {
    const limit = new AgentRemovalLimit({ count: 1, perMs: 10_000 }, lines().log);
    const removed: string[] = [];
    limit.request('a', () => removed.push('a'));
    limit.request('b', () => removed.push('b'));
    limit.request('c', () => removed.push('c'));
    limit.request('b', () => removed.push('b twice'));
    vi.advanceTimersByTime(20_000);
    expect(removed).toEqual(['a', 'b', 'c']);
    vi.advanceTimersByTime(60_000);
    limit.request('d', () => removed.push('d'));
    expect(removed).toEqual(['a', 'b', 'c', 'd']);
  });

  it('agent-removal-limit - stop drops the waiters and the timer', () => {
    const limit = new AgentRemovalLimit({ count: 1, perMs: 10_000 }, lines().log);
    const removed: string[] = [];
    limit.request('a', () => removed.push('a'));
    limit.request('b', () => removed.push('b'));
    limit.stop();
    expect(vi.getTimerCount()).toBe(0);
    vi.advanceTimersByTime(20_000);
    expect(removed).toEqual(['a']);
  });

  it('agent-removal-limit - a bad limit names the field', () => {
    expect(() => checkAgentRemovalRateLimit({ count: 0, perMs: 1000 })).toThrow(/agentRemovalRateLimit\.count: must be a whole number >= 1/);
    expect(() => checkAgentRemovalRateLimit({ count: 1.5, perMs: 1000 })).toThrow(/agentRemovalRateLimit\.count/);
    expect(() => checkAgentRemovalRateLimit({ count: 1, perMs: 0 })).toThrow(/agentRemovalRateLimit\.perMs: must be a number of ms > 0/);
    expect(() => checkAgentRemovalRateLimit({ count: 1, perMs: Number.NaN })).toThrow(/agentRemovalRateLimit\.perMs/);
    expect(checkAgentRemovalRateLimit(undefined)).toBeUndefined();
    expect(() => new AgentRemovalLimit({ count: -1, perMs: 5 }, lines().log)).toThrow(/count/);
  });
});
