import { type Logger, ValidationError } from '@tandem/protocol';

/** At most `count` agents per `perMs` (Mesos' `--agent_removal_rate_limit`, e.g. 1/20mins). */
export interface AgentRemovalRateLimit {
  /** A whole number >= 1. */
  count: number;
  /** A duration in ms, > 0. */
  perMs: number;
}

/** Checks a rate limit given to the master; a bad one names the field (`agentRemovalRateLimit.count`, `.perMs`). */
export function checkAgentRemovalRateLimit(limit: AgentRemovalRateLimit | undefined, field = 'agentRemovalRateLimit'): AgentRemovalRateLimit | undefined {
  if (limit === undefined) return undefined;
  if (typeof limit !== 'object' || limit === null) throw new ValidationError(field, 'must be {count, perMs} or undefined (unlimited)');
  const { count, perMs } = limit;
  if (typeof count !== 'number' || !Number.isSafeInteger(count) || count < 1)
    throw new ValidationError(`${field}.count`, `must be a whole number >= 1, got ${count}`);
  if (typeof perMs !== 'number' || !Number.isFinite(perMs) || perMs <= 0)
    throw new ValidationError(`${field}.perMs`, `must be a number of ms > 0, got ${perMs}`);
  return { count, perMs };
}

/**
 * Lets agents that missed their pings be marked unreachable at most at the configured
 * rate, so that a network blip cannot empty a cluster (Mesos' agent removal rate limit).
 * Permits are spaced evenly, as Mesos' RateLimiter: one every `perMs / count`, the first
 * at once. The rest wait in arrival order; an agent that comes back while it waits leaves
 * the queue (`cancel`) and its place goes to the next. Without a limit every request runs
 * at once.
 */
export class AgentRemovalLimit {
  private readonly limit: AgentRemovalRateLimit | undefined;
  /** Agents waiting for a permit, in arrival order, with what to run then. */
  private readonly queue = new Map<string, () => void>();
  /** When (epoch ms) the next permit is free. */
  private nextAt = 0;
  private timer: NodeJS.Timeout | undefined;
  private stopped = false;

  constructor(
    limit: AgentRemovalRateLimit | undefined,
    private readonly log: Logger,
  ) {
    this.limit = checkAgentRemovalRateLimit(limit);
  }

  /** Agents waiting for a permit. */
  get waiting(): number {
    return this.queue.size;
  }

  /** True while `agentId` waits for a permit. */
  has(agentId: string): boolean {
    return this.queue.has(agentId);
  }

  /** The agents waiting, in the order they will be served. */
  waitingIds(): string[] {
    return [...this.queue.keys()];
  }

  /**
   * Runs `remove` for `agentId` when a permit is free: at once when one is, else in turn.
   * A second request for an agent that already waits keeps its first place.
   */
  request(agentId: string, remove: () => void): void {
    if (this.stopped || this.queue.has(agentId)) return;
    if (!this.limit) {
      remove();
      return;
    }
    this.queue.set(agentId, remove);
    this.pump();
    if (this.queue.has(agentId)) {
      this.log.warn(
        { agentId, waiting: this.queue.size, nextInMs: Math.max(0, this.nextAt - Date.now()), limit: `${this.limit.count}/${this.limit.perMs}ms` },
        'agent removal rate limit: the agent waits to be marked unreachable',
      );
    }
  }

  /** The agent came back: it leaves the queue. True when it was waiting. */
  cancel(agentId: string): boolean {
    if (!this.queue.delete(agentId)) return false;
    if (this.queue.size === 0) this.clearTimer();
    return true;
  }

  /** Drops every waiter and the timer (the master stops). */
  stop(): void {
    this.stopped = true;
    this.queue.clear();
    this.clearTimer();
  }

  /** Serves the waiters whose permit is free now, then waits for the next permit. */
  private pump(): void {
    const limit = this.limit;
    if (!limit || this.stopped) return;
    const interval = limit.perMs / limit.count;
    for (;;) {
      const now = Date.now();
      const first = this.queue.entries().next();
      if (first.done) return;
      if (now < this.nextAt) break;
      const [agentId, remove] = first.value;
      this.queue.delete(agentId);
      this.nextAt = Math.max(now, this.nextAt) + interval;
      if (this.queue.size > 0) this.log.info({ agentId, waiting: this.queue.size }, 'agent removal rate limit: a permit for the next agent; others still wait');
      remove();
    }
    if (this.timer) return;
    this.timer = setTimeout(
      () => {
        this.timer = undefined;
        this.pump();
      },
      Math.max(0, this.nextAt - Date.now()),
    );
    this.timer.unref();
  }

  private clearTimer(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
  }
}
