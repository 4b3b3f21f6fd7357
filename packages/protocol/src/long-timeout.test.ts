import { afterEach, describe, expect, it, vi } from 'vitest';
import { setLongTimeout } from './long-timeout.js';

afterEach(() => {
  vi.useRealTimers();
});

describe('setLongTimeout', () => {
  it('long-timeout - four weeks does not fire early, and fires when due', () => {
    vi.useFakeTimers();
    const fn = vi.fn();
    const fourWeeks = 28 * 24 * 3600 * 1000;
    setLongTimeout(fn, fourWeeks);
    vi.advanceTimersByTime(1000);
    expect(fn).not.toHaveBeenCalled();
    vi.advanceTimersByTime(fourWeeks - 2000);
    expect(fn).not.toHaveBeenCalled();
    vi.advanceTimersByTime(1000);
    expect(fn).toHaveBeenCalledTimes(1);
  });

  it('long-timeout - clear stops it, and zero fires at once', () => {
    vi.useFakeTimers();
    const fn = vi.fn();
    setLongTimeout(fn, 5000).clear();
    vi.advanceTimersByTime(10_000);
    expect(fn).not.toHaveBeenCalled();
    setLongTimeout(fn, 0);
    expect(fn).toHaveBeenCalledTimes(1);
  });
});
