import { type AgentClient, agentClient, type ClientOptions, type FollowStep, LeaderFollower, type TandemError } from '@tandem/protocol';

/**
 * HOLLOW AGENTS ONLY: one gRPC channel to the masters shared by many agents of one process
 * (thousands of channels would measure the load generator, not the master), following the
 * leader for all of them at once. The first agent whose stream a standby refuses naming the
 * leader, or which finds the channel's master unreachable, moves the channel; the others
 * find it moved (`follow` with a client that is no longer current changes nothing) and
 * dial the new one at once. A stream that merely ended does not move it: one agent's lost
 * stream says nothing about the master the others are registered with.
 */
export class SharedAgentChannel {
  private readonly follower: LeaderFollower;
  private clientValue: AgentClient;
  private readonly retired: AgentClient[] = [];

  constructor(
    masters: readonly string[],
    private readonly clientOptions: ClientOptions = {},
  ) {
    this.follower = new LeaderFollower(masters);
    this.clientValue = agentClient(this.follower.current, clientOptions);
  }

  /** The client every agent of the channel dials now. */
  get client(): AgentClient {
    return this.clientValue;
  }

  /** The master dialled now (`host:port`). */
  get address(): string {
    return this.follower.current;
  }

  /**
   * An agent's dial on `from` failed: with the leader named in `err`, or (`unreachable`) with
   * no master answering, the channel moves; a plain lost stream leaves it. A call made with
   * a client the channel has already left is told to dial the current one at once.
   */
  follow(from: AgentClient, err: TandemError | undefined, unreachable: boolean): FollowStep {
    if (from !== this.clientValue) return { address: this.address, reason: 'redirect', immediate: true };
    if (err?.leader === undefined && !unreachable) return { address: this.address, reason: 'rotate', immediate: false };
    const before = this.address;
    const step = this.follower.next(err);
    if (step.address !== before) {
      // Streams of other agents may still be open on the old channel (ending, as this
      // one's did): it is closed with the channel, not under them.
      this.retired.push(this.clientValue);
      this.clientValue = agentClient(step.address, this.clientOptions);
    }
    return step;
  }

  /** The backoff's delay, capped while the masters may be electing (LeaderFollower.retryDelayMs). */
  retryDelayMs(backoffMs: number): number {
    return this.follower.retryDelayMs(backoffMs);
  }

  /** An agent registered through the channel: the follower's redirect budget starts over. */
  succeeded(): void {
    this.follower.succeeded();
  }

  close(): void {
    for (const c of this.retired.splice(0)) c.close();
    this.clientValue.close();
  }
}
