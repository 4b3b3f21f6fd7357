import type { ClientReadableStream } from '@grpc/grpc-js';
import {
  Backoff,
  type BackoffOptions,
  Code,
  type Event,
  explainTlsFailure,
  type FrameworkInfoInit,
  type Logger,
  type Subscribed,
  sleep,
  TandemError,
} from '@tandem/protocol';
import type { DriverState } from './driver-state.js';
import type { MasterChannel } from './master-channel.js';
import type { ResolvedDriverOptions } from './options.js';

/** Error codes on Subscribe after which retrying cannot help. */
export const FATAL_SUBSCRIBE_CODES: ReadonlySet<Code> = new Set<Code>([
  Code.InvalidArgument,
  Code.NotFound,
  Code.PermissionDenied,
  Code.Unauthenticated,
  Code.FailedPrecondition,
  Code.Unimplemented,
]);

export interface SubscriptionLoopOptions {
  /** The client of the master followed now; the loop moves it to the leader, or on through the list. */
  channel: MasterChannel;
  reconnect: BackoffOptions;
  maxMissedHeartbeats: number;
  suppressedRoles: string[];
  /** The framework id to subscribe as at first (none: the master assigns one). */
  frameworkId: string | undefined;
  /** The framework to subscribe as (its id aside: the loop keeps the one known now). */
  framework: ResolvedDriverOptions['framework'];
  log: Logger;
  /** The driver's lifecycle: the loop moves it through connecting, subscribed and reconnecting. */
  lifecycle: { readonly state: DriverState; transition(to: DriverState): void };
  /** A teardown was asked for: the master closes the stream, and the loop must not re-subscribe. */
  tearingDown(): boolean;
  /** SUBSCRIBED arrived (the ids are set); `resubscribed` when a framework id was known before. */
  onSubscribed(subscribed: Subscribed, resubscribed: boolean): void;
  /** Any other event of the current stream. */
  onEvent(event: Event): void;
  /** A subscribed stream was lost; a re-subscription follows after the backoff. */
  onDisconnected(err: TandemError | undefined): void;
  /** The master refused the subscription in a way retrying cannot fix. */
  onFatal(err: TandemError): void;
}

/**
 * The driver's subscription, as the agent's MasterConnection holds its stream: one
 * Subscribe stream at a time; when it ends, or goes silent for `maxMissedHeartbeats`
 * heartbeat intervals, a re-subscription under the same framework id after a backoff,
 * until the driver stops, fails, or tears the framework down. Holds the framework id,
 * stream id and master id of the subscription.
 *
 * It follows the leading master: a standby refuses Subscribe with UNAVAILABLE naming the
 * leader, and the loop re-subscribes there at once (within LeaderFollower's budget of
 * immediate redirects; then after the backoff). A subscription that fails without a
 * leader named moves on to the next master of the list after the backoff; a subscribed
 * stream that ends is tried on the same master first.
 */
export class SubscriptionLoop {
  private readonly abort = new AbortController();
  private readonly backoff: Backoff;
  private loop: Promise<void> | undefined;
  private stream: ClientReadableStream<Event> | undefined;
  private endSession: ((err: TandemError | undefined) => void) | undefined;
  private watchdog: NodeJS.Timeout | undefined;
  private watchdogMs = 0;
  private frameworkIdValue: string | undefined;
  private streamIdValue: string | undefined;
  private masterIdValue: string | undefined;
  private everSubscribedValue = false;

  constructor(private readonly options: SubscriptionLoopOptions) {
    this.backoff = new Backoff(options.reconnect);
    this.frameworkIdValue = options.frameworkId;
  }

  get frameworkId(): string | undefined {
    return this.frameworkIdValue;
  }

  get streamId(): string | undefined {
    return this.streamIdValue;
  }

  get masterId(): string | undefined {
    return this.masterIdValue;
  }

  /** Some SUBSCRIBED has arrived (calls need it). */
  get everSubscribed(): boolean {
    return this.everSubscribedValue;
  }

  /** Opens the first stream (synchronously) and keeps one open from then on. */
  start(): void {
    this.loop ??= this.run();
  }

  /** No more re-subscriptions or watchdog; the current stream stays open until closeStream(). */
  stopTimers(): void {
    this.abort.abort(new TandemError(Code.Cancelled, 'scheduler driver stopping'));
    this.clearWatchdog();
  }

  /** Cancels the current stream on purpose (no re-subscription follows from it). */
  closeStream(): void {
    const s = this.stream;
    this.stream = undefined;
    if (s) {
      s.removeAllListeners('data');
      s.on('error', () => {}); // the CANCELLED that cancel() produces
      s.cancel();
    }
    this.endSession?.(undefined);
  }

  /**
   * The master followed now says another leads (a call was refused with its address):
   * drops the stream so the loop re-subscribes there at once.
   */
  redirect(err: TandemError): void {
    const state = this.options.lifecycle.state;
    if (err.leader === undefined || (state !== 'subscribed' && state !== 'connecting')) return;
    this.dropStream(err);
  }

  private async run(): Promise<void> {
    const signal = this.abort.signal;
    const { lifecycle, log, channel } = this.options;
    const state = (): DriverState => lifecycle.state; // read afresh: every await may move it
    while (!signal.aborted) {
      const err = await this.session();
      if (signal.aborted || (state() !== 'connecting' && state() !== 'subscribed')) return;
      this.clearWatchdog();
      if (err && FATAL_SUBSCRIBE_CODES.has(err.code)) {
        this.options.onFatal(err);
        return;
      }
      const wasSubscribed = state() === 'subscribed';
      lifecycle.transition('reconnecting');
      if (this.options.tearingDown()) return;
      const from = channel.address;
      // To the leader a standby named; after a failed subscription without one, or a
      // subscription gone silent (a frozen or cut-off master), to the next master of the
      // list; after a subscribed stream ended, the same master first.
      const silent = err?.code === Code.DeadlineExceeded;
      const step = err?.leader !== undefined || !wasSubscribed || silent ? channel.follow(err) : undefined;
      if (step?.immediate) {
        log.info({ master: from, leader: step.address, frameworkId: this.frameworkIdValue }, 'following the leading master');
        if (wasSubscribed) this.options.onDisconnected(err);
        if (state() !== 'reconnecting') return;
        continue;
      }
      const delay = channel.retryDelayMs(this.backoff.next());
      log.warn(
        // A failed TLS handshake (either side plaintext, another CA) says that TLS is the likely cause.
        {
          err: err && explainTlsFailure(err, from, channel.tls).message,
          master: from,
          next: channel.address,
          delayMs: delay,
          frameworkId: this.frameworkIdValue,
        },
        'scheduler stream lost; re-subscribing',
      );
      if (wasSubscribed) this.options.onDisconnected(err);
      try {
        await sleep(delay, signal);
      } catch {
        return;
      }
      if (state() !== 'reconnecting') return;
    }
  }

  /** One Subscribe stream, from the call to its end. Resolves with why it ended (undefined: it ended cleanly or was closed). */
  private session(): Promise<TandemError | undefined> {
    return new Promise((resolve) => {
      const { options } = this;
      options.lifecycle.transition('connecting');
      const frameworkInfo = frameworkInfoOf(options.framework, this.frameworkIdValue);
      options.log.debug({ master: options.channel.address, frameworkId: frameworkInfo.id }, 'subscribing');
      const stream = options.channel.client.Subscribe({ frameworkInfo, suppressedRoles: options.suppressedRoles });
      this.stream = stream;
      let done = false;
      const finish = (err: TandemError | undefined): void => {
        if (done) return;
        done = true;
        this.endSession = undefined;
        resolve(err);
      };
      this.endSession = finish;
      let gone = false;
      const onGone = (err: unknown): void => {
        if (gone) return;
        gone = true;
        if (this.stream !== stream) return; // closed on purpose
        this.stream = undefined;
        finish(err === undefined ? undefined : TandemError.from(err));
      };
      stream.on('data', (event: Event) => {
        if (this.stream === stream) this.handleEvent(event);
      });
      stream.on('error', onGone);
      stream.on('end', () => onGone(undefined));
    });
  }

  private handleEvent(event: Event): void {
    this.armWatchdog();
    if (event.event === 'subscribed') {
      if (event.subscribed) this.handleSubscribed(event.subscribed);
      return;
    }
    this.options.onEvent(event);
  }

  private handleSubscribed(subscribed: Subscribed): void {
    const { lifecycle, log } = this.options;
    if (lifecycle.state !== 'connecting') return;
    const resubscribed = this.frameworkIdValue !== undefined;
    if (resubscribed && subscribed.frameworkId !== this.frameworkIdValue) {
      log.warn({ was: this.frameworkIdValue, now: subscribed.frameworkId }, 'master assigned a new framework id');
    }
    this.frameworkIdValue = subscribed.frameworkId;
    this.streamIdValue = subscribed.streamId;
    this.masterIdValue = subscribed.masterId;
    this.watchdogMs = subscribed.heartbeatIntervalSeconds * 1000 * this.options.maxMissedHeartbeats;
    this.armWatchdog();
    lifecycle.transition('subscribed');
    this.backoff.reset();
    this.options.channel.succeeded();
    log.info({ frameworkId: subscribed.frameworkId, masterId: subscribed.masterId, resubscribed: resubscribed && this.everSubscribedValue }, 'subscribed');
    this.everSubscribedValue = true;
    this.options.onSubscribed(subscribed, resubscribed);
  }

  private armWatchdog(): void {
    const state = this.options.lifecycle.state;
    if (this.watchdogMs <= 0 || (state !== 'subscribed' && state !== 'connecting')) return;
    if (this.watchdog) {
      this.watchdog.refresh();
      return;
    }
    this.watchdog = setTimeout(() => {
      this.watchdog = undefined;
      this.dropStream(new TandemError(Code.DeadlineExceeded, `no event from the master in ${this.watchdogMs} ms`));
    }, this.watchdogMs);
    this.watchdog.unref();
  }

  /** Cancels the current stream and ends its session with `err` (the loop decides where to go next). */
  private dropStream(err: TandemError): void {
    const end = this.endSession;
    const s = this.stream;
    this.stream = undefined;
    if (s) {
      s.removeAllListeners('data');
      s.on('error', () => {});
      s.cancel();
    }
    end?.(err);
  }

  private clearWatchdog(): void {
    if (this.watchdog) clearTimeout(this.watchdog);
    this.watchdog = undefined;
  }
}

/** The FrameworkInfo of a Subscribe, as the framework id known now. */
function frameworkInfoOf(f: ResolvedDriverOptions['framework'], id: string | undefined): FrameworkInfoInit {
  return {
    id: id ?? '',
    name: f.name,
    user: f.user,
    roles: f.roles,
    principal: f.principal,
    failoverTimeoutSeconds: f.failoverTimeoutSeconds,
    capabilities: f.capabilities,
    hostname: f.hostname,
    labels: Object.entries(f.labels ?? {}).map(([key, value]) => ({ key, value })),
  };
}
