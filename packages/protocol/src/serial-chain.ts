import type { Logger } from './logger.js';

/** How long a chain runs by default before it lets the event loop serve I/O. */
export const DEFAULT_SERIAL_YIELD_AFTER_MS = 10;

export interface SerialChainOptions {
  /** A failed step is logged here (error level); its caller gets the rejection either way. */
  log?: Logger;
  /** The message a failed step is logged with. @default 'serial step failed' */
  failedMessage?: string;
  /** Runs on the chain after every step, failed or not, before the next step starts. */
  afterEach?: () => Promise<void> | void;
  /**
   * Hop to a fresh macrotask once the chain has held the event loop this long; `false`
   * never hops. @default DEFAULT_SERIAL_YIELD_AFTER_MS
   */
  yieldAfterMs?: number | false;
}

/**
 * Runs changes one at a time, in the order they were asked for; a failed step does not
 * stop the next. Every `yieldAfterMs` the chain hops to a fresh macrotask: its steps
 * resolve on microtasks, and a chain of thousands (status updates, a scale to 10,000)
 * would otherwise not let the event loop serve a REST API or read a driver's stream
 * until it drained.
 */
export class SerialChain {
  private chain: Promise<unknown> = Promise.resolve();
  private lastYieldAt = 0;
  private readonly yieldAfterMs: number | false;

  constructor(private readonly options: SerialChainOptions = {}) {
    this.yieldAfterMs = options.yieldAfterMs ?? DEFAULT_SERIAL_YIELD_AFTER_MS;
  }

  run<T>(fn: () => Promise<T> | T): Promise<T> {
    const run = this.chain.then(() => this.maybeYield()).then(fn);
    const settled = run.then(
      () => undefined,
      (err: unknown) => {
        this.options.log?.error({ err }, this.options.failedMessage ?? 'serial step failed');
      },
    );
    const after = this.options.afterEach;
    this.chain = after ? settled.then(after).catch((err: unknown) => this.options.log?.error({ err }, 'after a serial step')) : settled;
    return run;
  }

  /** Resolves once everything queued so far has run. */
  async drained(): Promise<void> {
    await this.chain.catch(() => undefined);
  }

  /** Resolves once the chain is empty: also waits for what the steps queued meanwhile. */
  async idle(): Promise<void> {
    for (;;) {
      const c = this.chain;
      await c.catch(() => undefined);
      if (c === this.chain) return;
    }
  }

  /** A macrotask hop when the chain has held the event loop for yieldAfterMs. */
  private maybeYield(): Promise<void> | undefined {
    if (this.yieldAfterMs === false || Date.now() - this.lastYieldAt < this.yieldAfterMs) return undefined;
    return new Promise<void>((resolve) =>
      setImmediate(() => {
        this.lastYieldAt = Date.now();
        resolve();
      }),
    );
  }
}
