import type { RequestListener } from 'node:http';
import { Code, componentLogger, httpScheme, type Logger, TandemError } from '@tandem/protocol';
import { observedStore } from '@tandem/store';
import { AppsMetrics } from './core/apps-metrics.js';
import { AppsRepository } from './core/apps-repository.js';
import { AppsScheduler } from './core/apps-scheduler.js';
import { EventBus } from './events/event-bus.js';
import { AppsServer } from './http/apps-server.js';
import { type AppsFrameworkOptions, type ResolvedAppsOptions, resolveAppsOptions } from './options.js';

type Phase = 'created' | 'starting' | 'running' | 'stopping' | 'stopped';
const PHASES: Readonly<Record<Phase, readonly Phase[]>> = {
  created: ['starting', 'stopped'],
  starting: ['running', 'stopping'],
  running: ['stopping'],
  stopping: ['stopped'],
  stopped: [],
};

/**
 * Tandem's Marathon-compatible long-running services framework: the REST API on
 * :8080, the scheduler on the SDK driver, all state in the Store.
 */
export class AppsFramework {
  readonly options: ResolvedAppsOptions;
  readonly events = new EventBus();
  readonly metrics = new AppsMetrics();
  readonly repo: AppsRepository;
  readonly scheduler: AppsScheduler;
  private server: AppsServer | undefined;
  private handler: RequestListener | undefined;
  private portValue = -1;
  private phase: Phase = 'created';
  private readonly log: Logger;
  private readonly onAbort = (): void => {
    void this.stop();
  };

  constructor(options: AppsFrameworkOptions) {
    this.options = resolveAppsOptions(options);
    this.log = componentLogger('apps', this.options.logger);
    // Every write is timed (tandem_apps_store_write_seconds); a batch stays one turn's writes.
    const store = observedStore(this.options.store, (op, seconds, ok) => this.metrics.observeStoreWrite(op, seconds, ok));
    this.repo = new AppsRepository(store, this.options.maxVersions);
    this.scheduler = new AppsScheduler(this.options, this.repo, this.events, this.metrics);
  }

  /** The HTTP port (after start; -1 without a server). */
  get port(): number {
    return this.portValue;
  }

  get url(): string {
    return `${httpScheme(this.options.tls)}://127.0.0.1:${this.portValue}`;
  }

  /** `host:port` clients reach this process at (what `/v2/info` and `/v2/leader` name). */
  get address(): string {
    return this.options.advertisedAddress ?? `${this.options.host === '0.0.0.0' ? '127.0.0.1' : this.options.host}:${this.portValue}`;
  }

  /** The REST API as a request handler, once started with `embedHttp` (the HA front hands it the leader's requests). */
  requestHandler(): RequestListener | undefined {
    return this.phase === 'running' ? this.handler : undefined;
  }

  private move(to: Phase): void {
    if (!PHASES[this.phase].includes(to)) throw new Error(`apps framework cannot move from ${this.phase} to ${to}`);
    this.phase = to;
  }

  /**
   * Loads state, starts the HTTP API and subscribes (in the background, retrying while the
   * master is away). A `stop()` while it starts ends it at its next step, before the
   * scheduler runs (it rejects with CANCELLED).
   */
  async start(): Promise<void> {
    this.move('starting');
    if (!this.options.store.atomicBatches) {
      // A change of apps, groups and deployments is several writes of one turn (AppsRepository.commit).
      throw new TandemError(
        Code.FailedPrecondition,
        'the apps framework needs a store whose one-turn batches are atomic (FileStore, MemoryStore, or a NatsKvStore fenced by a LeaderLease)',
        { field: 'store' },
      );
    }
    this.options.signal?.addEventListener('abort', this.onAbort, { once: true });
    await this.repo.load();
    this.checkStarting();
    if (this.options.port >= 0 || this.options.embedHttp) {
      const server = new AppsServer({
        scheduler: this.scheduler,
        events: this.events,
        metrics: this.metrics,
        options: this.options,
        limits: { maxInstances: this.options.maxInstancesPerApp },
        address: () => this.address,
      });
      this.server = server;
      if (this.options.embedHttp) {
        this.portValue = this.options.port;
        this.handler = await server.embed();
      } else {
        this.portValue = await server.listen(this.options.host, this.options.port);
      }
      this.checkStarting();
    }
    this.scheduler.start();
    this.move('running');
    this.log.info(
      { port: this.portValue, apps: this.repo.apps.size, instances: this.repo.instances.size, frameworkId: this.repo.frameworkId },
      'apps framework started',
    );
  }

  /** Throws CANCELLED when `stop()` came while starting. */
  private checkStarting(): void {
    if (this.phase !== 'starting') throw new TandemError(Code.Cancelled, 'the apps framework was stopped while it started');
  }

  /** Ordered: the HTTP API (and its SSE streams), then the scheduler and its driver. Tasks keep running. */
  async stop(): Promise<void> {
    if (this.phase === 'stopping' || this.phase === 'stopped') return;
    if (this.phase === 'created') {
      this.move('stopped');
      return;
    }
    this.move('stopping');
    this.options.signal?.removeEventListener('abort', this.onAbort);
    this.handler = undefined;
    await this.server?.close();
    await this.scheduler.stop();
    this.move('stopped');
    this.log.info('apps framework stopped');
  }
}
