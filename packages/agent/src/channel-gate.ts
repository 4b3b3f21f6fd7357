import { connectivityState } from '@grpc/grpc-js';
import type { AgentClient } from '@tandem/protocol';

type Channel = ReturnType<AgentClient['getChannel']>;

/**
 * Waits for a channel to be READY before an agent dials its stream. Each dial writes the
 * whole registration (every task's TaskInfo), so dialling a master that is not there
 * yet built and threw away that message on every attempt: after a master failover, a
 * fleet of 10,000 hollow agents spent seconds of CPU on it. One connectivity watch per
 * channel serves every waiter (agents of a hollow fleet share the channel).
 */
export class ChannelGate {
  private readonly waiters = new Set<(ready: boolean) => void>();
  private watching = false;
  private releasing: NodeJS.Immediate | undefined;

  constructor(private readonly channel: Channel) {}

  /** True when the channel is READY now. */
  get ready(): boolean {
    return this.state(false) === connectivityState.READY;
  }

  /**
   * Resolves true once the channel is READY (asking it to connect if idle), false after
   * `timeoutMs`, when `signal` aborts, or when the channel is closed.
   */
  wait(timeoutMs: number, signal: AbortSignal): Promise<boolean> {
    if (signal.aborted) return Promise.resolve(false);
    if (this.waiters.size === 0 && this.ready) return Promise.resolve(true);
    return new Promise((resolve) => {
      const done = (ready: boolean): void => {
        clearTimeout(timer);
        signal.removeEventListener('abort', onAbort);
        this.waiters.delete(done);
        resolve(ready);
      };
      const onAbort = (): void => done(false);
      // Once the channel is READY a waiter leaves only in its turn (see release), not
      // when its time is up: timers that all fell due in one busy turn would dial
      // thousands of streams at once again.
      const timer = setTimeout(
        () => {
          if (!this.ready) done(false);
        },
        Math.max(0, timeoutMs),
      );
      signal.addEventListener('abort', onAbort, { once: true });
      this.waiters.add(done);
      if (!this.releasing) this.watch();
    });
  }

  private state(connect: boolean): connectivityState {
    try {
      return this.channel.getConnectivityState(connect);
    } catch {
      return connectivityState.SHUTDOWN;
    }
  }

  private watch(): void {
    if (this.watching || this.waiters.size === 0) return;
    const state = this.state(true);
    if (state === connectivityState.READY || state === connectivityState.SHUTDOWN) {
      this.release(state === connectivityState.READY);
      return;
    }
    this.watching = true;
    try {
      this.channel.watchConnectivityState(state, Number.POSITIVE_INFINITY, () => {
        this.watching = false;
        this.watch();
      });
    } catch {
      this.watching = false;
      this.release(false);
    }
  }

  /**
   * Lets the waiters go RELEASE_BATCH per turn of the event loop (in the whole process,
   * whatever the number of gates): thousands of agents sharing a channel would otherwise
   * all build and write their registrations in one turn, and none would leave the
   * process until the last was built. Failures (closed channel) go at once.
   */
  private release(ready: boolean): void {
    const quota = ready ? takeTurnBudget(RELEASE_BATCH) : this.waiters.size;
    const batch: ((ready: boolean) => void)[] = [];
    for (const done of this.waiters) {
      if (batch.length === quota) break;
      batch.push(done);
    }
    for (const done of batch) done(ready);
    if (this.waiters.size > 0 && !this.releasing) {
      this.releasing = setImmediate(() => {
        this.releasing = undefined;
        if (this.waiters.size === 0) return;
        const state = this.state(false);
        if (state === connectivityState.READY || state === connectivityState.SHUTDOWN) this.release(state === connectivityState.READY);
        else this.watch();
      });
    }
  }
}

/** How many waiters one turn of the event loop lets through, over all gates. */
const RELEASE_BATCH = 8;

let turnBudget = RELEASE_BATCH;
let budgetResetQueued = false;

/** Up to `wanted` of this turn's releases. */
function takeTurnBudget(wanted: number): number {
  if (!budgetResetQueued) {
    budgetResetQueued = true;
    setImmediate(() => {
      budgetResetQueued = false;
      turnBudget = RELEASE_BATCH;
    });
  }
  const granted = Math.min(wanted, turnBudget);
  turnBudget -= granted;
  return granted;
}

const gates = new WeakMap<Channel, ChannelGate>();

/** The one gate of a client's channel. */
export function channelGate(client: AgentClient): ChannelGate {
  const channel = client.getChannel();
  let gate = gates.get(channel);
  if (!gate) {
    gate = new ChannelGate(channel);
    gates.set(channel, gate);
  }
  return gate;
}
