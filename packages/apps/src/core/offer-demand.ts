import { launchable } from './launch-queue.js';
import type { SchedulerContext } from './scheduler-context.js';

/** Whether we want offers: suppressed when nothing waits, revived (rate-limited) when something new may launch. */
export class OfferDemand {
  private suppressed = false;
  private lastReviveAt = 0;
  private launchableBefore = 0;

  constructor(private readonly ctx: SchedulerContext) {}

  /** After a (re)subscription the master offers again: nothing is suppressed. */
  reset(): void {
    this.suppressed = false;
    this.launchableBefore = 0;
  }

  /** Nothing waits for the offers just received: suppress unless already. */
  async suppressIdle(): Promise<void> {
    if (this.suppressed) return;
    await this.ctx.driver?.suppress().catch(() => undefined);
    this.suppressed = true;
  }

  /** Suppress when nothing waits; revive (rate-limited) when something new may launch. */
  async update(now: number): Promise<void> {
    const { ctx } = this;
    if (!ctx.connected) return;
    let count = 0;
    for (const { waiting } of launchable(ctx, now).values()) count += waiting.length;
    const grew = count > this.launchableBefore;
    if (count === 0 && !this.suppressed) {
      ctx.log.debug('nothing waits: suppressing offers');
      await ctx.driver?.suppress().catch((err: unknown) => ctx.log.debug({ err }, 'suppress failed'));
      this.suppressed = true;
    } else if (count > 0 && (this.suppressed || grew) && now - this.lastReviveAt >= ctx.options.minReviveIntervalMs) {
      ctx.log.debug({ waiting: count, suppressed: this.suppressed }, 'instances wait: reviving offers');
      await ctx.driver?.revive().catch((err: unknown) => ctx.log.debug({ err }, 'revive failed'));
      this.suppressed = false;
      this.lastReviveAt = now;
    } else if (grew) return; // rate-limited: keep launchableBefore low so the next tick revives
    this.launchableBefore = count;
  }
}
