import type { Logger } from '@tandem/protocol';

/** The longest the serial chain runs before it lets the event loop serve I/O. */
const YIELD_AFTER_MS = 10;

/**
 * Runs changes one at a time, in the order they were asked for. Every YIELD_AFTER_MS the
 * chain hops to a fresh macrotask: its steps resolve on microtasks, and a chain of
 * thousands (status updates, a scale to 10,000) would otherwise not let the event loop
 * serve the REST API or read the driver's stream until it drained.
 */
export class SerialChain {
  private chain: Promise<unknown> = Promise.resolve();
  private lastYieldAt = 0;

  constructor(private readonly log: Logger) {}

  run<T>(fn: () => Promise<T> | T): Promise<T> {
    const run = this.chain.then(() => this.maybeYield()).then(fn);
    this.chain = run.catch((err: unknown) => {
      this.log.error({ err }, 'apps scheduler step failed');
    });
    return run;
  }

  /** Resolves once everything queued so far has run. */
  async drained(): Promise<void> {
    await this.chain.catch(() => undefined);
  }

  /** A macrotask hop when the chain has held the event loop for YIELD_AFTER_MS. */
  private maybeYield(): Promise<void> | undefined {
    if (Date.now() - this.lastYieldAt < YIELD_AFTER_MS) return undefined;
    return new Promise<void>((resolve) =>
      setImmediate(() => {
        this.lastYieldAt = Date.now();
        resolve();
      }),
    );
  }
}
