export interface BackoffOptions {
  /** @default DEFAULT_BACKOFF.initialMs (100) */
  initialMs?: number;
  /** @default DEFAULT_BACKOFF.maxMs (30000) */
  maxMs?: number;
  /** @default DEFAULT_BACKOFF.multiplier (2) */
  multiplier?: number;
  /** Fraction of each delay chosen at random, to spread retries. @default DEFAULT_BACKOFF.jitter (0.2) */
  jitter?: number;
}

/** The defaults of `BackoffOptions`. */
export const DEFAULT_BACKOFF: Readonly<Required<BackoffOptions>> = { initialMs: 100, maxMs: 30_000, multiplier: 2, jitter: 0.2 };

/**
 * The one backoff formula of Tandem, without jitter: the delay before retry number
 * `attempt` (1 = the first) is `initialMs x multiplier^(attempt-1)`, at most `maxMs`.
 * `Backoff` adds jitter on top; Marathon's launch delays (backoffSeconds x
 * backoffFactor^(failures-1), at most maxLaunchDelaySeconds) are this formula too.
 */
export function backoffDelay(attempt: number, options: BackoffOptions = {}): number {
  const initialMs = options.initialMs ?? DEFAULT_BACKOFF.initialMs;
  const maxMs = options.maxMs ?? DEFAULT_BACKOFF.maxMs;
  const multiplier = options.multiplier ?? DEFAULT_BACKOFF.multiplier;
  return Math.min(maxMs, initialMs * multiplier ** Math.max(0, attempt - 1));
}

/** Exponential backoff with jitter. `next()` gives the next delay; `reset()` starts over. */
export class Backoff {
  private readonly options: BackoffOptions;
  private readonly jitter: number;
  private attempt = 0;

  constructor(options: BackoffOptions = {}) {
    this.options = options;
    this.jitter = options.jitter ?? DEFAULT_BACKOFF.jitter;
  }

  next(): number {
    this.attempt++;
    const base = backoffDelay(this.attempt, this.options);
    const spread = base * this.jitter;
    return Math.max(0, Math.round(base - spread + Math.random() * 2 * spread));
  }

  reset(): void {
    this.attempt = 0;
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
