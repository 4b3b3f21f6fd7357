/**
 * Watches whether the control plane is whole (a probe: a leader answers, every agent is
 * active with it, the framework is subscribed to it) every `everyMs` in the background, and
 * records each span during which it was not: the fault suite's measure of an outage when
 * a fault's effect starts later than the fault itself (a NATS node's loss is felt when the
 * leader's next write fails) or when one run holds several faults (a rolling restart).
 */
export interface Outage {
  /** When the first failing probe started (ms since the epoch). */
  from: number;
  /** When the first passing probe after it started. */
  to: number;
}

export class OutageMonitor {
  private readonly outages: Outage[] = [];
  private open: number | undefined;
  private running = true;
  private readonly loop: Promise<void>;

  constructor(probe: () => Promise<boolean>, everyMs = 100) {
    this.loop = (async () => {
      while (this.running) {
        const at = Date.now();
        const ok = await probe().catch(() => false);
        if (!ok && this.open === undefined) this.open = at;
        if (ok && this.open !== undefined) {
          this.outages.push({ from: this.open, to: at });
          this.open = undefined;
        }
        await new Promise((r) => setTimeout(r, everyMs));
      }
    })();
  }

  /** The outages that ended after `since` (ms since the epoch), those still open counted until now. */
  spans(since = 0): Outage[] {
    const all = this.open === undefined ? this.outages : [...this.outages, { from: this.open, to: Date.now() }];
    return all.filter((o) => o.to > since);
  }

  /** The longest outage after `since`, in seconds (0 when there was none). */
  longestS(since = 0): number {
    return Math.max(0, ...this.spans(since).map((o) => (o.to - Math.max(o.from, since)) / 1000));
  }

  async stop(): Promise<void> {
    this.running = false;
    await this.loop;
  }
}
