export interface BackoffOptions {
  /** @default 100 */
  initialMs?: number;
  /** @default 30000 */
  maxMs?: number;
  /** @default 2 */
  multiplier?: number;
  /** Fraction of each delay chosen at random, to spread retries. @default 0.2 */
  jitter?: number;
}

/** Exponential backoff with jitter. `next()` gives the next delay; `reset()` starts over. */
export class Backoff {
  private readonly initialMs: number;
  private readonly maxMs: number;
  private readonly multiplier: number;
  private readonly jitter: number;
  private current: number;

  constructor(options: BackoffOptions = {}) {
    this.initialMs = options.initialMs ?? 100;
    this.maxMs = options.maxMs ?? 30_000;
    this.multiplier = options.multiplier ?? 2;
    this.jitter = options.jitter ?? 0.2;
    this.current = this.initialMs;
  }

  next(): number {
    const base = this.current;
    this.current = Math.min(this.maxMs, this.current * this.multiplier);
    const spread = base * this.jitter;
    return Math.max(0, Math.round(base - spread + Math.random() * 2 * spread));
  }

  reset(): void {
    this.current = this.initialMs;
  }
}

/** Resolves after `ms`, or rejects with the signal's reason when it aborts first. */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) {
      reject(signal.reason);
      return;
    }
    const onAbort = (): void => {
      clearTimeout(timer);
      reject(signal?.reason);
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}
