import {
  type AgentClient,
  type AgentMessageInit,
  type AgentRegistered,
  agentClient,
  Backoff,
  type BackoffOptions,
  type ClientOptions,
  type FollowStep,
  type GrpcCredential,
  LeaderFollower,
  type Logger,
  type MasterMessage,
  type RegisterAgentInit,
  sleep,
  TandemError,
  type TlsFiles,
} from '@tandem/protocol';
import { type AgentStream, openAgentStream } from './agent-stream.js';
import { type ChannelGate, channelGate } from './channel-gate.js';
import type { SharedAgentChannel } from './shared-agent-channel.js';

export interface MasterConnectionOptions {
  /** The masters (at least one): the first is dialled first; see LeaderFollower. */
  masters: readonly string[];
  backoff: BackoffOptions;
  registerTimeoutMs: number;
  /** A channel shared with other connections (hollow agents), following the leader for all of them; not closed by `stop()`. */
  shared?: SharedAgentChannel;
  /** Mutual TLS to the masters; never plaintext then. @default undefined (plaintext) */
  tls?: TlsFiles;
  /** A principal and secret (`--credential`) sent with every call to the masters. @default none */
  credential?: GrpcCredential;
  logger: Logger;
  /** Builds the `register` message for each (re)connection, with the tasks of the moment. */
  registration: () => RegisterAgentInit;
  /** The master acknowledged the registration. */
  onRegistered: (registered: AgentRegistered) => void;
  /** Every master message after `registered`, except pings (answered here). */
  onMessage: (message: MasterMessage) => void;
  /** A registered stream ended (error, end, ping timeout); a redial follows. */
  onDisconnected: () => void;
}

/** The state of the link to the master, as data. */
export type ConnectionState = 'idle' | 'connecting' | 'registered' | 'backing-off' | 'stopped';

type Call = AgentStream;

/** How one stream ended: registered or not, and the error it ended with (a standby's names the leader). */
interface SessionEnd {
  registered: boolean;
  err: TandemError | undefined;
  /** The master went silent (no ping, no answer to register): it may be frozen or cut off, not merely restarting its stream. */
  silent: boolean;
}

/**
 * How long a redial that follows a redirect waits for the leader's channel to connect.
 * Not a backoff: it ends as soon as the channel is READY; a leader that does not connect
 * within it is skipped like any unreachable master.
 */
const REDIRECT_CONNECT_MS = 2_000;

/**
 * The agent's one bidirectional stream to the master (`Agent.Connect`): sends
 * `register` first, answers pings, redials with backoff when the stream ends or no
 * ping arrives for ping_interval x max_missed_pings, and re-registers each time.
 *
 * With several masters it follows the leader: a standby refuses the stream with
 * UNAVAILABLE naming the leader, and the connection dials the leader at once (a new
 * channel; the old one is closed), up to LeaderFollower's budget of immediate redirects,
 * then with backoff. A master that is unreachable, or refuses without naming a leader,
 * is skipped to the next of the list; a registered stream that ends redials the same
 * master first.
 */
export class MasterConnection {
  private client: AgentClient;
  private gate: ChannelGate;
  private readonly follower: LeaderFollower;
  private readonly abort = new AbortController();
  private call: Call | undefined;
  private endSession: ((why: string) => void) | undefined;
  private loop: Promise<void> | undefined;
  private stateValue: ConnectionState = 'idle';
  private firstOutcome: Promise<'registered' | 'unreachable'>;
  private resolveFirst!: (outcome: 'registered' | 'unreachable') => void;
  private readonly log: Logger;

  constructor(private readonly options: MasterConnectionOptions) {
    this.follower = new LeaderFollower(options.masters);
    this.client = options.shared?.client ?? agentClient(this.follower.current, this.clientOptions());
    this.gate = channelGate(this.client);
    this.log = options.logger;
    this.firstOutcome = new Promise((resolve) => {
      this.resolveFirst = resolve;
    });
  }

  get state(): ConnectionState {
    return this.stateValue;
  }

  /** The master dialled now (`host:port`). */
  get address(): string {
    return this.options.shared?.address ?? this.follower.current;
  }

  private clientOptions(): ClientOptions {
    return { ...(this.options.tls ? { tls: this.options.tls } : {}), ...(this.options.credential ? { credential: this.options.credential } : {}) };
  }

  /** Starts dialling; resolves with the outcome of the first attempt. */
  start(): Promise<'registered' | 'unreachable'> {
    this.loop ??= this.run();
    return this.firstOutcome;
  }

  /** Sends a message on the registered stream; false when there is none. */
  send(message: AgentMessageInit): boolean {
    if (this.stateValue !== 'registered' || !this.call) return false;
    this.call.write(message);
    return true;
  }

  /** Drops the current stream (if any) and redials: used when the master seems gone. */
  reconnect(why: string): void {
    this.endSession?.(why);
  }

  /** Ends the stream, stops redialling and closes the channel. */
  async stop(): Promise<void> {
    this.abort.abort(new Error('agent stopping'));
    this.endSession?.('agent stopping');
    await this.loop;
    this.stateValue = 'stopped';
    this.resolveFirst('unreachable');
    if (!this.options.shared) this.client.close();
  }

  private async run(): Promise<void> {
    const backoff = new Backoff(this.options.backoff);
    const signal = this.abort.signal;
    let redirected = false;
    while (!signal.aborted) {
      this.stateValue = 'connecting';
      // Dial only a channel that is connected: a stream to a master that is not there
      // fails, and its registration would have been built for nothing. The wait stands in
      // for the backoff delay; the channel redials on its own schedule meanwhile. After a
      // redirect it is only the time the leader's new channel gets to connect.
      const wait = this.gate.ready ? 0 : redirected ? REDIRECT_CONNECT_MS : this.retryDelay(backoff.next());
      redirected = false;
      if (!(await this.gate.wait(wait, signal))) {
        if (signal.aborted) break;
        const unreachable = this.address;
        const step = this.follow(undefined, true);
        if (this.follower.triedAll) this.resolveFirst('unreachable');
        this.stateValue = 'backing-off';
        if (this.options.tls) {
          // A TLS handshake that fails (a plaintext master, another CA, a host name not in
          // its certificate) looks like an unreachable master: say that it may be TLS.
          this.log.warn(
            { master: unreachable, waitedMs: wait, next: step.address },
            `could not connect to ${unreachable} over TLS (not reachable, or the handshake failed: a plaintext master, a certificate from another CA, or a host name not in its certificate)`,
          );
        } else {
          this.log.info({ master: unreachable, waitedMs: wait, next: step.address }, 'the master is not reachable yet');
        }
        continue;
      }
      const { registered, err, silent } = await this.session();
      if (signal.aborted) break;
      if (registered) {
        backoff.reset();
        this.follower.succeeded();
        this.options.shared?.succeeded();
      }
      const from = this.address;
      if (err?.leader !== undefined) {
        const step = this.follow(err, false);
        if (step.immediate) {
          this.log.info({ master: from, leader: step.address }, 'following the leading master');
          redirected = true;
          continue;
        }
      } else if (!registered || silent) {
        // Refused, or no answer, without a leader named, or a master gone silent (frozen,
        // cut off: its connection may look open for a long while): the next master of the list.
        this.follow(undefined, true);
      }
      // A registered stream that ended otherwise: the same master first.
      if (!registered && (this.follower.triedAll || err?.leader !== undefined)) this.resolveFirst('unreachable');
      this.stateValue = 'backing-off';
      const delay = this.retryDelay(backoff.next());
      this.log.info({ master: from, next: this.address, delayMs: delay }, 'redialling the master');
      try {
        await sleep(delay, signal);
      } catch {
        break;
      }
    }
    this.stateValue = 'stopped';
  }

  /**
   * Moves to the next master (the leader `err` names, or the next of the list), on a new
   * channel. On a shared channel the channel moves, once for all its agents.
   */
  private follow(err: TandemError | undefined, unreachable: boolean): FollowStep {
    const shared = this.options.shared;
    if (shared) {
      const step = shared.follow(this.client, err, unreachable);
      if (shared.client !== this.client) {
        this.client = shared.client;
        this.gate = channelGate(this.client);
      }
      return step;
    }
    const from = this.address;
    const step = this.follower.next(err);
    if (step.address !== from) {
      const old = this.client;
      this.client = agentClient(step.address, this.clientOptions());
      this.gate = channelGate(this.client);
      old.close();
    }
    return step;
  }

  /** The backoff's delay, capped while the masters may be electing (LeaderFollower.retryDelayMs). */
  private retryDelay(backoffMs: number): number {
    return (this.options.shared ?? this.follower).retryDelayMs(backoffMs);
  }

  private dispatch(message: MasterMessage): void {
    try {
      this.options.onMessage(message);
    } catch (err) {
      this.log.error({ err, kind: message.message }, 'failed to handle a master message');
    }
  }

  /** One stream, from dial to end. Resolves with whether it got registered and the error it ended with. */
  private session(): Promise<SessionEnd> {
    return new Promise((resolve) => {
      const call = openAgentStream(this.client);
      this.call = call;
      let registered = false;
      let done = false;
      let pingTimer: NodeJS.Timeout | undefined;
      let registerTimer: NodeJS.Timeout | undefined;
      let pingTimeoutMs = 0;
      let silent = false;
      // The master may send messages (e.g. kills for tasks of removed frameworks) before
      // `registered`; they are handled right after it.
      const early: MasterMessage[] = [];

      const finish = (why: string, err?: unknown): void => {
        if (done) return;
        done = true;
        clearTimeout(registerTimer);
        clearTimeout(pingTimer);
        this.call = undefined;
        this.endSession = undefined;
        call.cancel();
        const error = err === undefined ? undefined : TandemError.from(err);
        if (registered) {
          this.stateValue = 'connecting';
          this.log.warn({ why, err, master: this.address }, 'lost the master');
          this.options.onDisconnected();
        } else if (error?.leader !== undefined) {
          this.log.info({ master: this.address, leader: error.leader }, 'not the leading master');
        } else {
          this.log.info({ why, err, master: this.address }, 'could not register with the master');
        }
        resolve({ registered, err: error, silent });
      };
      const armPingWatchdog = (): void => {
        clearTimeout(pingTimer);
        if (pingTimeoutMs <= 0) return;
        pingTimer = setTimeout(() => {
          silent = true;
          finish(`no ping for ${pingTimeoutMs} ms`);
        }, pingTimeoutMs);
        pingTimer.unref();
      };

      this.endSession = (why) => finish(why);
      registerTimer = setTimeout(() => {
        silent = true;
        finish('no answer to register');
      }, this.options.registerTimeoutMs);
      registerTimer.unref();

      call.on('data', (message: MasterMessage) => {
        if (done) return;
        try {
          if (message.ping) {
            call.write({ pong: { seq: message.ping.seq } });
            armPingWatchdog();
            return;
          }
          if (message.registered) {
            const r = message.registered;
            registered = true;
            clearTimeout(registerTimer);
            this.stateValue = 'registered';
            const interval = Number.isFinite(r.pingIntervalSeconds) ? r.pingIntervalSeconds : 0;
            pingTimeoutMs = Math.max(0, interval * Math.max(1, r.maxMissedPings) * 1000);
            armPingWatchdog();
            this.log.info({ agentId: r.agentId, masterId: r.masterId }, 'registered with the master');
            this.options.onRegistered(r);
            this.resolveFirst('registered');
            for (const m of early.splice(0)) this.dispatch(m);
            return;
          }
          if (!registered) {
            // A shutdown instead of `registered`: the master refuses this agent for good (marked
            // gone). Act on it now; the refusal that follows ends the stream.
            if (message.shutdown) {
              this.dispatch(message);
              return;
            }
            if (early.length < 10_000) early.push(message);
            return;
          }
          this.dispatch(message);
        } catch (err) {
          this.log.error({ err, kind: message.message }, 'failed to handle a master message');
        }
      });
      call.on('error', (err) => finish('stream error', err));
      call.on('end', () => finish('stream ended by the master'));

      try {
        call.write({ register: this.options.registration() });
      } catch (err) {
        finish('could not build the registration', err);
      }
    });
  }
}
