import { performance } from 'node:perf_hooks';
import { Code, componentLogger, type Logger, sleep, TandemError } from '@tandem/protocol';
import { RESERVED_PREFIX } from './kv-fence.js';
import type { NatsKvStore } from './nats-kv-store.js';

/** The lease key, in the bucket of the component it elects (`tandem-master`, `tandem-apps`, ...). */
export const LEASE_KEY = `${RESERVED_PREFIX}leader`;
/** How long a lease lasts without renewal; a standby takes it over after seeing it unchanged this long. */
export const DEFAULT_LEASE_TTL_MS = 10_000;

/** Who leads, as every contender publishes itself: an id and the addresses clients are sent to. */
export interface LeaderIdentity {
  readonly id: string;
  /** The leader's gRPC address (`host:port`), for the master. */
  readonly grpc?: string;
  /** The leader's HTTP base URL (`http://host:port`). */
  readonly http?: string;
}

/** The lease record under LEASE_KEY. */
interface LeaseRecord<I extends LeaderIdentity> {
  holder: I;
  ttlMs: number;
  /** Wall-clock time of the last renewal, for people reading the bucket (never used to decide). */
  renewedAt: string;
}

export interface LeaderLeaseOptions<I extends LeaderIdentity> {
  /** The component's store; the lease lives in its bucket, so that taking it fences the old leader's writes. */
  store: NatsKvStore;
  /** This process, as clients are to reach it when it leads. */
  self: I;
  /** @default DEFAULT_LEASE_TTL_MS */
  ttlMs?: number;
  logger?: Logger;
}

/** Where a LeaderLease is, as data: standby → leading → lost (for good), or closed. */
export type LeasePhase = 'standby' | 'leading' | 'lost' | 'closed';

const now = (): number => performance.now();

/**
 * Leader election on the component's NATS KV bucket, with a lease taken by compare-and-set
 * and kept by renewal. It makes no promise it cannot check:
 *
 * - **Taking.** A standby reads the lease every ttl/5. A lease absent (released) is taken at
 *   once; a lease seen at the same revision for a whole ttl on the standby's own monotonic
 *   clock has lapsed and is taken by compare-and-set on that revision (so of several standbys
 *   one wins). The winner's store is then fenced from the revision of its lease write
 *   (`NatsKvStore.fenceWrites`): a write of the old leader after that fails on the server.
 * - **Holding.** The leader renews every ttl/3 (a fenced write). It holds the lease until
 *   `sent + ttl - margin`, where `sent` is when it sent the last renewal that succeeded and
 *   the margin (ttl/10, at least 100 ms) covers clock-rate differences: every standby waits
 *   at least ttl after seeing that renewal land, so this window closes before any takeover.
 *   `leading()` checks the window on the monotonic clock at every call, so a process
 *   resumed after a SIGSTOP knows at once that it may not act.
 * - **Losing.** A renewal that fails, a fenced write the server refuses, or the window
 *   running out ends the leadership for good (`lost` resolves with why): the caller stops
 *   acting and steps down. A lease is never taken back by the same LeaderLease.
 */
export class LeaderLease<I extends LeaderIdentity = LeaderIdentity> {
  readonly ttlMs: number;
  /** Resolves, once, with why this process stopped leading (never before it led). */
  readonly lost: Promise<TandemError>;
  private resolveLost!: (err: TandemError) => void;
  private phaseValue: LeasePhase = 'standby';
  private validUntil = 0;
  private current: { revision: number; since: number; holder: I | undefined } | undefined;
  private renewTimer: NodeJS.Timeout | undefined;
  private expiryTimer: NodeJS.Timeout | undefined;
  private readonly stopping = new AbortController();
  private readonly log: Logger;
  private readonly store: NatsKvStore;
  readonly self: I;

  constructor(options: LeaderLeaseOptions<I>) {
    this.store = options.store;
    this.self = options.self;
    this.ttlMs = options.ttlMs ?? DEFAULT_LEASE_TTL_MS;
    if (!Number.isFinite(this.ttlMs) || this.ttlMs < 500) throw new TandemError(Code.InvalidArgument, 'lease ttl must be at least 500 ms', { field: 'ttlMs' });
    this.log = componentLogger('leader-lease', options.logger);
    this.lost = new Promise((resolve) => {
      this.resolveLost = resolve;
    });
  }

  get phase(): LeasePhase {
    return this.phaseValue;
  }

  /** True while this process holds the lease and its window has not run out (checked on the monotonic clock now). */
  leading(): boolean {
    return this.phaseValue === 'leading' && now() < this.validUntil;
  }

  /** Why this process may not act as the leader now, if it may not. */
  refusal(): TandemError | undefined {
    if (this.leading()) return undefined;
    if (this.phaseValue === 'leading') this.lose(this.expired());
    return new TandemError(Code.Unavailable, `not the leader of ${this.store.bucket}${this.leaderHint()}`);
  }

  /** The leader as last read (this process while it leads); undefined when none is known. */
  leader(): I | undefined {
    if (this.phaseValue === 'leading') return this.self;
    return this.current?.holder;
  }

  /**
   * Contends until this process leads (its store fenced), reading the lease every ttl/5
   * meanwhile so that `leader()` stays current. Rejects when `signal` aborts or the lease
   * is closed.
   */
  async acquire(signal?: AbortSignal): Promise<void> {
    if (this.phaseValue !== 'standby') throw new TandemError(Code.FailedPrecondition, `lease is ${this.phaseValue}`);
    const pollMs = Math.max(100, Math.floor(this.ttlMs / 5));
    const aborted = signal ? AbortSignal.any([signal, this.stopping.signal]) : this.stopping.signal;
    for (;;) {
      if (aborted.aborted) throw new TandemError(Code.Cancelled, 'stopped contending for the lease');
      const taken = await this.tryTake().catch((err: unknown) => {
        this.log.debug({ err: TandemError.from(err).message }, 'could not read or take the lease; trying again');
        return undefined;
      });
      if (taken !== undefined) {
        await this.lead(taken.revision, taken.sent);
        return;
      }
      await sleep(pollMs, aborted).catch(() => undefined);
    }
  }

  /** Gives the lease up (deleting it, so a standby takes over at once) and stops renewing. */
  async release(): Promise<void> {
    if (!this.leading()) {
      this.close();
      return;
    }
    clearTimeout(this.renewTimer);
    // Deleted while still leading: the delete is a fenced write like any other.
    await this.store.delete(LEASE_KEY).then(
      () => this.log.info({ bucket: this.store.bucket }, 'released the lease'),
      (err: unknown) => this.log.warn({ err: TandemError.from(err).message }, 'could not release the lease; a standby takes over once it lapses'),
    );
    this.close();
  }

  /** Stops contending and renewing, without releasing. */
  close(): void {
    if (this.phaseValue === 'closed') return;
    const was = this.phaseValue;
    this.phaseValue = 'closed';
    this.stopping.abort();
    clearTimeout(this.renewTimer);
    clearTimeout(this.expiryTimer);
    if (was === 'leading') this.resolveLost(new TandemError(Code.Cancelled, 'the lease was closed'));
  }

  /** Reads the lease; takes it when it is absent or has lapsed. The revision and send time of the take when taken. */
  private async tryTake(): Promise<{ revision: number; sent: number } | undefined> {
    const entry = await this.store.get<LeaseRecord<I>>(LEASE_KEY);
    const t = now();
    if (entry && entry.revision !== this.current?.revision) {
      const holder = entry.value.holder;
      if (holder.id !== this.current?.holder?.id) this.log.info({ leader: holder }, 'the leader is known');
      this.current = { revision: entry.revision, since: t, holder };
    }
    if (!entry) this.current = undefined;
    // The holder's own ttl counts when it is the longer one.
    if (entry && t - (this.current?.since ?? t) < Math.max(this.ttlMs, entry.value.ttlMs ?? 0)) return undefined;
    if (this.phaseValue !== 'standby') return undefined;
    const sent = now();
    try {
      const revision = await this.store.put<LeaseRecord<I>>(LEASE_KEY, this.record(), { expectedRevision: entry?.revision ?? 0 });
      return { revision, sent };
    } catch (err) {
      if (TandemError.from(err).code === Code.Aborted) return undefined; // another standby was first
      throw err;
    }
  }

  private async lead(revision: number, sent: number): Promise<void> {
    this.phaseValue = 'leading';
    this.extend(sent);
    try {
      await this.store.fenceWrites(revision, { refusal: () => this.refusal(), broken: (err) => this.lose(err) });
    } catch (err) {
      const e = TandemError.from(err);
      this.lose(e);
      throw e;
    }
    if (!this.leading()) throw this.expired();
    this.log.info({ bucket: this.store.bucket, revision, ttlMs: this.ttlMs }, 'this process leads');
    this.scheduleRenewal();
  }

  private scheduleRenewal(): void {
    this.renewTimer = setTimeout(() => void this.renew(), Math.max(50, Math.floor(this.ttlMs / 3)));
    this.renewTimer.unref();
  }

  private async renew(): Promise<void> {
    if (this.phaseValue !== 'leading') return;
    const sent = now();
    try {
      await this.store.put<LeaseRecord<I>>(LEASE_KEY, this.record());
    } catch (err) {
      this.lose(new TandemError(Code.Unavailable, `could not renew the lease: ${TandemError.from(err).message}`, { cause: err }));
      return;
    }
    if (this.phaseValue !== 'leading') return;
    this.extend(sent);
    this.scheduleRenewal();
  }

  /** Holds the lease until `sent + ttl - margin`, and loses it then unless a renewal extends it. */
  private extend(sent: number): void {
    const margin = Math.max(100, this.ttlMs / 10);
    this.validUntil = sent + this.ttlMs - margin;
    this.armExpiry();
  }

  /**
   * Loses the lease when its window closes. Timers count whole milliseconds while the
   * window is kept on the sub-millisecond monotonic clock, so a firing that finds the
   * window still open arms the timer again rather than leaving the loss to the next check.
   */
  private armExpiry(): void {
    clearTimeout(this.expiryTimer);
    this.expiryTimer = setTimeout(
      () => {
        if (this.phaseValue !== 'leading') return;
        if (now() >= this.validUntil) this.lose(this.expired());
        else this.armExpiry();
      },
      Math.max(0, this.validUntil - now()) + 1,
    );
    this.expiryTimer.unref();
  }

  private lose(err: TandemError): void {
    if (this.phaseValue !== 'leading') return;
    this.phaseValue = 'lost';
    clearTimeout(this.renewTimer);
    clearTimeout(this.expiryTimer);
    this.log.error({ bucket: this.store.bucket, err: err.message }, 'lost the lease: this process stops acting as the leader');
    this.resolveLost(err);
  }

  private expired(): TandemError {
    return new TandemError(Code.Unavailable, `the lease of ${this.store.bucket} ran out before a renewal succeeded (ttl ${this.ttlMs} ms)`);
  }

  private leaderHint(): string {
    const holder = this.current?.holder;
    return holder && holder.id !== this.self.id ? `; the leader is ${holder.grpc ?? holder.http ?? holder.id}` : '';
  }

  private record(): LeaseRecord<I> {
    return { holder: this.self, ttlMs: this.ttlMs, renewedAt: new Date().toISOString() };
  }
}
