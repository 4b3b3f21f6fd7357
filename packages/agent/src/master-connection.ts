import {
  type AgentClient,
  type AgentMessageInit,
  type AgentRegistered,
  agentClient,
  Backoff,
  type BackoffOptions,
  type Logger,
  type MasterMessage,
  type RegisterAgentInit,
  sleep,
} from '@tandem/protocol';
import { type AgentStream, openAgentStream } from './agent-stream.js';
import { type ChannelGate, channelGate } from './channel-gate.js';

export interface MasterConnectionOptions {
  address: string;
  backoff: BackoffOptions;
  registerTimeoutMs: number;
  /** A client shared with other connections (hollow agents); not closed by `stop()`. */
  sharedClient?: AgentClient;
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

/**
 * The agent's one bidirectional stream to the master (`Agent.Connect`): sends
 * `register` first, answers pings, redials with backoff when the stream ends or no
 * ping arrives for ping_interval x max_missed_pings, and re-registers each time.
 */
export class MasterConnection {
  private readonly client: AgentClient;
  private readonly gate: ChannelGate;
  private readonly abort = new AbortController();
  private call: Call | undefined;
  private endSession: ((why: string) => void) | undefined;
  private loop: Promise<void> | undefined;
  private stateValue: ConnectionState = 'idle';
  private firstOutcome: Promise<'registered' | 'unreachable'>;
  private resolveFirst!: (outcome: 'registered' | 'unreachable') => void;
  private readonly log: Logger;

  constructor(private readonly options: MasterConnectionOptions) {
    this.client = options.sharedClient ?? agentClient(options.address);
    this.gate = channelGate(this.client);
    this.log = options.logger;
    this.firstOutcome = new Promise((resolve) => {
      this.resolveFirst = resolve;
    });
  }

  get state(): ConnectionState {
    return this.stateValue;
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
    if (!this.options.sharedClient) this.client.close();
  }

  private async run(): Promise<void> {
    const backoff = new Backoff(this.options.backoff);
    const signal = this.abort.signal;
    while (!signal.aborted) {
      this.stateValue = 'connecting';
      // Dial only a channel that is connected: a stream to a master that is not there
      // fails, and its registration would have been built for nothing. The wait stands in
      // for the backoff delay; the channel redials on its own schedule meanwhile.
      const wait = this.gate.ready ? 0 : backoff.next();
      if (!(await this.gate.wait(wait, signal))) {
        if (signal.aborted) break;
        this.resolveFirst('unreachable');
        this.stateValue = 'backing-off';
        this.log.info({ master: this.options.address, waitedMs: wait }, 'the master is not reachable yet');
        continue;
      }
      const registered = await this.session();
      if (signal.aborted) break;
      if (registered) backoff.reset();
      else this.resolveFirst('unreachable');
      this.stateValue = 'backing-off';
      const delay = backoff.next();
      this.log.info({ master: this.options.address, delayMs: delay }, 'redialling the master');
      try {
        await sleep(delay, signal);
      } catch {
        break;
      }
    }
    this.stateValue = 'stopped';
  }

  private dispatch(message: MasterMessage): void {
    try {
      this.options.onMessage(message);
    } catch (err) {
      this.log.error({ err, kind: message.message }, 'failed to handle a master message');
    }
  }

  /** One stream, from dial to end. Resolves true if it got registered. */
  private session(): Promise<boolean> {
    return new Promise((resolve) => {
      const call = openAgentStream(this.client);
      this.call = call;
      let registered = false;
      let done = false;
      let pingTimer: NodeJS.Timeout | undefined;
      let registerTimer: NodeJS.Timeout | undefined;
      let pingTimeoutMs = 0;
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
        if (registered) {
          this.stateValue = 'connecting';
          this.log.warn({ why, err }, 'lost the master');
          this.options.onDisconnected();
        } else {
          this.log.info({ why, err, master: this.options.address }, 'could not register with the master');
        }
        resolve(registered);
      };
      const armPingWatchdog = (): void => {
        clearTimeout(pingTimer);
        if (pingTimeoutMs <= 0) return;
        pingTimer = setTimeout(() => finish(`no ping for ${pingTimeoutMs} ms`), pingTimeoutMs);
        pingTimer.unref();
      };

      this.endSession = (why) => finish(why);
      registerTimer = setTimeout(() => finish('no answer to register'), this.options.registerTimeoutMs);
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
