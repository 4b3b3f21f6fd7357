import { type ClientOptions, type FollowStep, LeaderFollower, type SchedulerClient, schedulerClient, type TandemError } from '@tandem/protocol';

/**
 * The driver's one Scheduler client, on the master it follows (LeaderFollower over the
 * driver's list). The subscription moves it (to the leader a standby names, or the next
 * master of the list); the calls use whichever client is current, so after a failover
 * they go to the master the subscription is on.
 */
export class MasterChannel {
  private readonly follower: LeaderFollower;
  private clientValue: SchedulerClient;
  private closed = false;

  constructor(
    masters: readonly string[],
    private readonly clientOptions: ClientOptions,
  ) {
    this.follower = new LeaderFollower(masters);
    this.clientValue = schedulerClient(this.follower.current, clientOptions);
  }

  /** The client of the master followed now. */
  get client(): SchedulerClient {
    return this.clientValue;
  }

  /** Whether the channel is mutual TLS (never plaintext then). */
  get tls(): boolean {
    return this.clientOptions.tls !== undefined;
  }

  /** The master followed now (`host:port`). */
  get address(): string {
    return this.follower.current;
  }

  /** Every master of the list failed since the last success. */
  get triedAll(): boolean {
    return this.follower.triedAll;
  }

  /** After a failure: to the leader `err` names, or the next master; a new client when the address changes (the old one is closed). */
  follow(err: TandemError | undefined): FollowStep {
    const from = this.follower.current;
    const step = this.follower.next(err);
    if (step.address !== from && !this.closed) {
      const old = this.clientValue;
      this.clientValue = schedulerClient(step.address, this.clientOptions);
      old.close();
    }
    return step;
  }

  /** The backoff's delay, capped while the masters may be electing (LeaderFollower.retryDelayMs). */
  retryDelayMs(backoffMs: number): number {
    return this.follower.retryDelayMs(backoffMs);
  }

  /** The master followed now answered (SUBSCRIBED). */
  succeeded(): void {
    this.follower.succeeded();
  }

  close(): void {
    this.closed = true;
    this.clientValue.close();
  }
}
