/** The jobs framework's notion of time; tests inject their own. */
export interface Clock {
  now(): number;
  /** Calls `fn` once, about `ms` from now. The handle's `clear()` cancels it. */
  setTimer(fn: () => void, ms: number): { clear(): void };
}

const MAX_TIMER_MS = 2 ** 31 - 1;

/** Wall-clock time shifted by `offsetMs` (0 = the real clock), with real unref'd timers. */
export function systemClock(offsetMs = 0): Clock {
  return {
    now: () => Date.now() + offsetMs,
    setTimer: (fn, ms) => {
      const t = setTimeout(fn, Math.min(Math.max(0, ms), MAX_TIMER_MS));
      t.unref();
      return { clear: () => clearTimeout(t) };
    },
  };
}

/** A clock that moves only when told to; due timers fire on `advance` / `set`. */
export class ManualClock implements Clock {
  private current: number;
  private readonly timers = new Set<{ at: number; fn: () => void }>();

  constructor(startMs: number) {
    this.current = startMs;
  }

  now(): number {
    return this.current;
  }

  setTimer(fn: () => void, ms: number): { clear(): void } {
    const timer = { at: this.current + Math.max(0, ms), fn };
    this.timers.add(timer);
    return { clear: () => this.timers.delete(timer) };
  }

  advance(ms: number): void {
    this.set(this.current + ms);
  }

  set(ms: number): void {
    this.current = ms;
    for (const t of [...this.timers].sort((a, b) => a.at - b.at)) {
      if (t.at > this.current) continue;
      this.timers.delete(t);
      t.fn();
    }
  }

  get pendingTimers(): number {
    return this.timers.size;
  }
}
