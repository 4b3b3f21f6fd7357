/** A rate: `count` per `perMs`, with up to `burst` at once (a bucket of `burst` tokens refilled at the rate). */
export interface RateLimit {
  count: number;
  perMs: number;
  /** @default count */
  burst?: number;
}

/** Keys kept before full buckets are swept (a full bucket is the same as no bucket). */
const SWEEP_AT = 4096;

interface Bucket {
  tokens: number;
  at: number;
}

/**
 * One token bucket per key (a principal, an IP address): `take(key)` spends a token, or
 * says how long until one is there. Buckets are refilled lazily when taken from, so an
 * idle key costs nothing and no timer runs; full ones are swept once many keys are held.
 */
export class TokenBuckets {
  private readonly buckets = new Map<string, Bucket>();
  private readonly perMsRate: number;
  readonly burst: number;
  private sweepAt = SWEEP_AT;

  constructor(
    readonly limit: RateLimit,
    private readonly now: () => number = performance.now.bind(performance),
  ) {
    if (!(limit.count > 0) || !(limit.perMs > 0)) throw new RangeError(`a rate limit needs count > 0 and perMs > 0, got ${limit.count}/${limit.perMs} ms`);
    this.perMsRate = limit.count / limit.perMs;
    this.burst = Math.max(1, limit.burst ?? limit.count);
  }

  /** Spends one of `key`'s tokens: 0 when there was one, else the ms until there will be (nothing is spent). */
  take(key: string): number {
    const now = this.now();
    let b = this.buckets.get(key);
    if (b === undefined) {
      if (this.buckets.size >= this.sweepAt) this.sweep(now);
      b = { tokens: this.burst, at: now };
      this.buckets.set(key, b);
    } else {
      b.tokens = Math.min(this.burst, b.tokens + (now - b.at) * this.perMsRate);
      b.at = now;
    }
    if (b.tokens >= 1) {
      b.tokens -= 1;
      return 0;
    }
    return Math.ceil((1 - b.tokens) / this.perMsRate);
  }

  /** Keys with a bucket (for tests and metrics). */
  get size(): number {
    return this.buckets.size;
  }

  private sweep(now: number): void {
    for (const [key, b] of this.buckets) if (b.tokens + (now - b.at) * this.perMsRate >= this.burst) this.buckets.delete(key);
    // Many keys all spending: sweep again only once the map has doubled.
    this.sweepAt = Math.max(SWEEP_AT, this.buckets.size * 2);
  }
}

/** `1000/1s`-style text of a rate (`count/perMs ms`, and the burst), for messages and logs. */
export function describeRate(limit: RateLimit): string {
  const per = limit.perMs % 1000 === 0 ? `${limit.perMs / 1000}s` : `${limit.perMs}ms`;
  return `${limit.count}/${per}, burst ${Math.max(1, limit.burst ?? limit.count)}`;
}
