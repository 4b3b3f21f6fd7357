import { type AcceptCallInit, type AcceptResult, Code, type Logger, TandemError } from '@tandem/protocol';

export interface AcceptBatcherOptions {
  /** One accept alone: a plain ACCEPT call; resolves with the tasks launched. */
  sendOne: (accept: AcceptCallInit) => Promise<number>;
  /** Several: one ACCEPT_MANY call; resolves with one result per accept, in order. */
  sendMany: (accepts: AcceptCallInit[]) => Promise<AcceptResult[]>;
  logger?: Logger;
  /** Most accepts in one call. @default 500 */
  maxBatch?: number;
}

export const DEFAULT_MAX_ACCEPT_BATCH = 500;

interface Queued {
  accept: AcceptCallInit;
  resolve: (launched: number) => void;
  reject: (err: TandemError) => void;
}

/**
 * Collects the ACCEPTs a scheduler makes in one turn of the event loop (typically one
 * per agent for an OFFERS event) and sends them as one ACCEPT_MANY call. Each accept's
 * promise settles on its own result: a stale offer rejects only the accept that named it.
 */
export class AcceptBatcher {
  private readonly maxBatch: number;
  private queue: Queued[] = [];
  private timer: NodeJS.Immediate | undefined;

  constructor(private readonly options: AcceptBatcherOptions) {
    this.maxBatch = Math.max(1, options.maxBatch ?? DEFAULT_MAX_ACCEPT_BATCH);
  }

  /** Queues an accept; it leaves with the others at the end of this turn. */
  add(accept: AcceptCallInit): Promise<number> {
    return new Promise<number>((resolve, reject) => {
      this.queue.push({ accept, resolve, reject });
      this.timer ??= setImmediate(() => {
        this.timer = undefined;
        this.sendQueued();
      });
    });
  }

  /** Rejects what is queued and not sent (the driver is stopping or lost its subscription). */
  discard(err: TandemError): void {
    if (this.timer) clearImmediate(this.timer);
    this.timer = undefined;
    const queued = this.queue;
    this.queue = [];
    for (const q of queued) q.reject(err);
  }

  private sendQueued(): void {
    const all = this.queue;
    this.queue = [];
    for (let i = 0; i < all.length; i += this.maxBatch) {
      const batch = all.slice(i, i + this.maxBatch);
      if (batch.length === 1) void this.sendOne(batch[0] as Queued);
      else void this.sendMany(batch);
    }
  }

  private async sendOne(q: Queued): Promise<void> {
    try {
      q.resolve(await this.options.sendOne(q.accept));
    } catch (err) {
      q.reject(TandemError.from(err));
    }
  }

  private async sendMany(batch: Queued[]): Promise<void> {
    let results: AcceptResult[];
    try {
      results = await this.options.sendMany(batch.map((q) => q.accept));
    } catch (err) {
      const e = TandemError.from(err);
      for (const q of batch) q.reject(e);
      return;
    }
    batch.forEach((q, i) => {
      const r = results[i];
      if (!r) {
        q.reject(new TandemError(Code.Internal, `the master returned ${results.length} results for ${batch.length} accepts`));
      } else if (r.errorCode) {
        const code = (Object.values(Code) as string[]).includes(r.errorCode) ? (r.errorCode as Code) : Code.Unknown;
        q.reject(new TandemError(code, r.errorMessage, r.errorField ? { field: r.errorField } : {}));
      } else {
        q.resolve(r.launched);
      }
    });
    this.options.logger?.debug({ accepts: batch.length }, 'sent an ACCEPT_MANY');
  }
}
