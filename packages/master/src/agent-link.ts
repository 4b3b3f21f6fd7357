import type { ServerDuplexStream, StatusObject } from '@grpc/grpc-js';
import type { AgentMessage, MasterMessageInit } from '@tandem/protocol';

/** The master's end of an agent's bidirectional stream. */
export class AgentLink {
  private ended = false;

  /** `mayAct`: whether the master may send now (an HA master that may have lost its lease sends nothing). */
  constructor(
    private readonly call: ServerDuplexStream<AgentMessage, MasterMessageInit>,
    private readonly mayAct: () => boolean = () => true,
  ) {}

  get closed(): boolean {
    return this.ended || this.call.cancelled;
  }

  send(message: MasterMessageInit): void {
    if (this.closed || !this.mayAct()) return;
    this.call.write(message);
  }

  end(): void {
    if (this.ended) return;
    this.ended = true;
    if (!this.call.cancelled) this.call.end();
  }

  /** Ends the stream with an error status (what the agent sent was refused); nothing is sent after it. */
  refuse(status: Partial<StatusObject>): void {
    if (this.ended) return;
    this.ended = true;
    if (!this.call.cancelled) this.call.emit('error', status);
  }
}
