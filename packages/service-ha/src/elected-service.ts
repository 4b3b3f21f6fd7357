import type { RequestListener } from 'node:http';
import { Code, componentLogger, type Logger, sleep, TandemError } from '@tandem/protocol';
import { DEFAULT_LEASE_TTL_MS, type LeaderIdentity, LeaderLease, type NatsAccess, NatsKvStore, type Store } from '@tandem/store';
import { canMove, type ElectedPhase } from './elected-phase.js';
import type { LeaderSource } from './leader-front.js';

/** A service an ElectedService runs while this process leads (a framework with its REST API). */
export interface LeadingService {
  start(): Promise<void>;
  /** Stops it; tasks keep running (the next leader adopts them). Called once the lease is lost too. */
  stop(): Promise<void>;
  /** The service's REST API as a request handler, once it can serve (the front hands it the leader's requests). */
  requestHandler(): RequestListener | undefined;
}

export interface ElectedServiceOptions<S extends LeadingService> {
  /** NATS servers of the store (`nats://host:port`). */
  servers: readonly string[];
  /** TLS and credentials for the servers (NatsKvStoreOptions.access). @default plaintext, no credentials */
  access?: NatsAccess;
  /** The component's bucket (`tandem-apps`, `tandem-jobs`): its data and its lease. */
  bucket: string;
  /** Copies of the bucket when it is created. */
  replicas: number;
  /** @default DEFAULT_LEASE_TTL_MS */
  ttlMs?: number;
  /**
   * A new service on the store of a new leadership: fenced from the moment this process
   * took the lease (a write of a deposed leader fails on the server; one-turn batches are
   * atomic). The ElectedService starts it, and stops it when the lease is lost.
   */
  make(store: Store): S;
  /** A request to NATS (a write, a read, a connection) fails after this long. @default the store's (5 s) */
  storeTimeoutMs?: number;
  logger?: Logger;
}

type Outcome = { kind: 'started' } | { kind: 'failed'; err: TandemError } | { kind: 'lost'; err: TandemError } | { kind: 'stopped' };

/**
 * Runs a service on a NATS KV store while this process holds the bucket's LeaderLease,
 * and contends for it otherwise:
 *
 * - **Standby**: a store opened on the bucket and a LeaderLease acquiring; `leader()`
 *   names the leader the lease names.
 * - **Takeover**: the lease taken (the store fenced), `make(store)` builds the service and
 *   it starts: it reads its state, framework id included, from the store.
 * - **Lost lease**: the service is stopped at once (its writes already fail: the fence
 *   refuses them), nothing is released (the lease is no longer this process'), the store
 *   is closed, and the process contends again as a standby with a new LeaderLease on a
 *   newly opened store, since a lost LeaderLease is final.
 * - **A service that fails to start** is stopped, the lease released (another process may
 *   do better), and this one contends again after a lease ttl.
 * - **stop()**: the service stopped, then the lease released so that a standby takes
 *   over at once, then the store closed.
 */
export class ElectedService<S extends LeadingService> implements LeaderSource {
  private phaseValue: ElectedPhase = 'created';
  private lease: LeaderLease | undefined;
  private storeValue: NatsKvStore | undefined;
  private serviceValue: S | undefined;
  private selfValue: LeaderIdentity | undefined;
  private loop: Promise<void> | undefined;
  private readonly stopping = new AbortController();
  private readonly ttlMs: number;
  private readonly log: Logger;
  /** Leaderships taken by this process so far (for logs and tests). */
  terms = 0;

  constructor(private readonly options: ElectedServiceOptions<S>) {
    this.ttlMs = options.ttlMs ?? DEFAULT_LEASE_TTL_MS;
    this.log = componentLogger('elected', options.logger);
  }

  get phase(): ElectedPhase {
    return this.phaseValue;
  }

  /** The service while this process leads (from its takeover until it steps down). */
  get service(): S | undefined {
    return this.serviceValue;
  }

  /** The store of the current term or standby, for reads (undefined between two). */
  get store(): Store | undefined {
    return this.storeValue;
  }

  /** Opens the first store (a NATS that does not answer fails the start) and contends from then on, in the background. */
  async start(self: LeaderIdentity): Promise<void> {
    this.move('standby');
    this.selfValue = self;
    const store = await this.open();
    this.loop = this.run(store);
  }

  /** Stops contending; a running service is stopped and the lease released. */
  async stop(): Promise<void> {
    if (this.phaseValue === 'stopped' || this.phaseValue === 'stopping') return this.loop;
    if (this.phaseValue === 'created') {
      this.move('stopped');
      return;
    }
    this.move('stopping');
    this.stopping.abort();
    await this.loop;
    this.move('stopped');
  }

  /** The leader as the current lease names it; none between a lost lease and the next one's first read (the lost one's view is stale). */
  leader(): LeaderIdentity | undefined {
    const lease = this.lease;
    return lease?.phase === 'standby' || lease?.phase === 'leading' ? lease.leader() : undefined;
  }

  leading(): boolean {
    return this.lease?.leading() ?? false;
  }

  handler(): RequestListener | undefined {
    return this.leading() ? this.serviceValue?.requestHandler() : undefined;
  }

  private move(to: ElectedPhase): void {
    if (!canMove(this.phaseValue, to)) throw new TandemError(Code.Internal, `elected service cannot move from ${this.phaseValue} to ${to}`);
    this.phaseValue = to;
  }

  /** Moves unless an orderly stop has begun (which owns the phase from then on). */
  private moveUnlessStopping(to: ElectedPhase): void {
    if (this.phaseValue !== 'stopping') this.move(to);
  }

  private open(): Promise<NatsKvStore> {
    return NatsKvStore.open({
      servers: [...this.options.servers],
      ...(this.options.access ? { access: this.options.access } : {}),
      bucket: this.options.bucket,
      replicas: this.options.replicas,
      ...(this.options.storeTimeoutMs !== undefined ? { timeoutMs: this.options.storeTimeoutMs } : {}),
      ...(this.options.logger ? { logger: this.options.logger } : {}),
    });
  }

  private async run(first: NatsKvStore): Promise<void> {
    let store: NatsKvStore | undefined = first;
    const signal = this.stopping.signal;
    while (!signal.aborted) {
      if (!store) {
        store = await this.open().catch((err: unknown) => {
          this.log.warn({ err: TandemError.from(err).message, bucket: this.options.bucket }, 'cannot open the store; trying again');
          return undefined;
        });
        if (!store) {
          await sleep(this.ttlMs, signal).catch(() => undefined);
          continue;
        }
      }
      this.storeValue = store;
      const lease = new LeaderLease({ store, self: this.selfValue!, ttlMs: this.ttlMs, ...(this.options.logger ? { logger: this.options.logger } : {}) });
      this.lease = lease;
      const took = await lease.acquire(signal).then(
        () => true,
        (err: unknown) => {
          if (!signal.aborted)
            this.log.warn({ err: TandemError.from(err).message }, 'took the lease but could not lead (the store fence failed); contending again');
          return false;
        },
      );
      let retryAfter = 0;
      if (took) retryAfter = await this.lead(store, lease);
      lease.close();
      this.storeValue = undefined;
      await store.close().catch((err: unknown) => this.log.warn({ err: TandemError.from(err).message }, 'could not close the store'));
      store = undefined;
      if (signal.aborted) break;
      if (this.phaseValue !== 'standby') this.moveUnlessStopping('standby');
      if (retryAfter > 0) await sleep(retryAfter, signal).catch(() => undefined);
    }
  }

  /** One term: the service started on the fenced store, and stopped when the lease is lost or on stop(). Resolves with a wait before contending again. */
  private async lead(store: NatsKvStore, lease: LeaderLease): Promise<number> {
    this.terms += 1;
    this.moveUnlessStopping('starting');
    const service = this.options.make(store);
    this.serviceValue = service;
    const stopped = new Promise<Outcome>((resolve) => {
      if (this.stopping.signal.aborted) resolve({ kind: 'stopped' });
      else this.stopping.signal.addEventListener('abort', () => resolve({ kind: 'stopped' }), { once: true });
    });
    const lost = lease.lost.then((err): Outcome => ({ kind: 'lost', err }));
    const started = service.start().then(
      (): Outcome => ({ kind: 'started' }),
      (err: unknown): Outcome => ({ kind: 'failed', err: TandemError.from(err) }),
    );
    let outcome = await Promise.race([started, lost, stopped]);
    if (outcome.kind === 'started') {
      this.moveUnlessStopping('leading');
      this.log.info({ bucket: this.options.bucket, term: this.terms }, 'this process leads: the framework runs');
      outcome = await Promise.race([lost, stopped]);
    }
    if (outcome.kind !== 'stopped') this.moveUnlessStopping('stepping-down');
    // Stop acting at once: no new work, and the fence refuses every write from now on.
    this.serviceValue = undefined;
    await stopService(service, this.log);
    // A start still under way ends at its next step once the service is stopped; stop again what it may have begun.
    if ((await started).kind === 'started') await stopService(service, this.log);
    switch (outcome.kind) {
      case 'lost':
        this.log.warn(
          { bucket: this.options.bucket, err: outcome.err.message },
          'lost the lease: the framework is stopped; contending again as a standby with a new lease',
        );
        return 0;
      case 'failed':
        this.log.error(
          { bucket: this.options.bucket, err: outcome.err.message },
          'the framework failed to start; the lease is released and this process contends again after a ttl',
        );
        await lease.release();
        return this.ttlMs;
      default:
        await lease.release();
        return 0;
    }
  }
}

async function stopService(service: LeadingService, log: Logger): Promise<void> {
  await service.stop().catch((err: unknown) => log.warn({ err: TandemError.from(err).message }, 'the framework did not stop cleanly'));
}
