import * as grpc from '@grpc/grpc-js';
import {
  type AgentHandlers,
  type AgentMessage,
  type MasterMessageInit,
  type RegisterAgent,
  SERVER_OPTIONS,
  sleep,
  type TaskStatus,
  tandemV1,
} from '@tandem/protocol';

type Stream = grpc.ServerDuplexStream<AgentMessage, MasterMessageInit>;

/**
 * The master side of `Agent.Connect`, scripted for tests: answers `register` with
 * `registered`, records every agent message, and can ack, ping, launch and kill.
 */
export class FakeMaster {
  readonly server = new grpc.Server(SERVER_OPTIONS);
  address = '';
  readonly registrations: RegisterAgent[] = [];
  readonly statuses: TaskStatus[] = [];
  readonly messages: AgentMessage[] = [];
  readonly streams: Stream[] = [];
  /** The id given to an agent that registers without one. */
  agentId = 'agent-test-1';
  pingIntervalSeconds = 0;
  maxMissedPings = 0;
  autoAck = false;
  /** When false, `register` gets no answer. */
  answerRegister = true;
  /** When set, every new stream is refused with this status (a standby naming the leader, say). */
  refuseWith: Partial<grpc.StatusObject> | undefined;
  /** Streams opened, refused ones included. */
  connects = 0;

  async start(): Promise<void> {
    await this.startOn(0);
  }

  async startOn(wantedPort: number): Promise<void> {
    const handlers: AgentHandlers = {
      Connect: (call: Stream) => {
        this.connects += 1;
        if (this.refuseWith) {
          call.on('error', () => undefined);
          call.emit('error', this.refuseWith);
          return;
        }
        this.streams.push(call);
        call.on('data', (msg: AgentMessage) => this.onMessage(call, msg));
        call.on('end', () => call.end());
        call.on('error', () => undefined);
      },
    };
    this.server.addService(tandemV1().Agent.service, handlers);
    const port = await new Promise<number>((resolve, reject) => {
      this.server.bindAsync(`127.0.0.1:${wantedPort}`, grpc.ServerCredentials.createInsecure(), (err, p) => (err ? reject(err) : resolve(p)));
    });
    this.address = `127.0.0.1:${port}`;
  }

  private onMessage(call: Stream, msg: AgentMessage): void {
    this.messages.push(msg);
    if (msg.register) {
      this.registrations.push(msg.register);
      if (this.answerRegister) {
        call.write({
          registered: {
            agentId: msg.register.agentInfo?.id || this.agentId,
            masterId: 'master-test',
            pingIntervalSeconds: this.pingIntervalSeconds,
            maxMissedPings: this.maxMissedPings,
          },
        });
      }
    }
    for (const u of msg.statusUpdates?.updates ?? []) {
      if (!u.status) continue;
      this.statuses.push(u.status);
      if (this.autoAck) this.ack(u.status);
    }
  }

  /** The stream of the latest connection. */
  get current(): Stream | undefined {
    return this.streams[this.streams.length - 1];
  }

  send(msg: MasterMessageInit): void {
    this.current?.write(msg);
  }

  ack(...statuses: TaskStatus[]): void {
    this.send({
      acknowledgements: {
        acks: statuses.map((s) => ({ agentId: s.agentId, taskId: s.taskId, uuid: s.uuid, frameworkId: s.frameworkId })),
      },
    });
  }

  /** Waits for the first status matching; returns it. */
  async status(taskId: string, state: string, timeoutMs = 15_000): Promise<TaskStatus> {
    return this.waitFor(() => this.statuses.find((s) => s.taskId === taskId && s.state === state), timeoutMs, `${taskId} ${state}`);
  }

  statesOf(taskId: string): string[] {
    return this.statuses.filter((s) => s.taskId === taskId).map((s) => s.state);
  }

  async waitFor<T>(probe: () => T | undefined, timeoutMs = 15_000, what = 'condition'): Promise<T> {
    const end = Date.now() + timeoutMs;
    for (;;) {
      const v = probe();
      if (v !== undefined && v !== false) return v;
      if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
      await sleep(5);
    }
  }

  /** Ends the current stream from the master's side. */
  hangUp(): void {
    const s = this.current;
    if (s) s.end();
  }

  /** Ends the current stream with an error status (a master stepping down, say). */
  fail(status: Partial<grpc.StatusObject>): void {
    this.current?.emit('error', status);
  }

  async stop(): Promise<void> {
    for (const s of this.streams) {
      try {
        s.end();
      } catch {
        // already closed
      }
    }
    await new Promise<void>((resolve) => {
      this.server.tryShutdown(() => resolve());
      setTimeout(() => {
        this.server.forceShutdown();
        resolve();
      }, 500).unref();
    });
  }
}
