import type { ServerDuplexStream, StatusObject } from '@grpc/grpc-js';
import type { AgentMessage, MasterMessageInit } from '@tandem/protocol';

/** The master's end of an agent's bidirectional stream. */
export class AgentLink {
  private ended = false;

  constructor(private readonly call: ServerDuplexStream<AgentMessage, MasterMessageInit>) {}

  get closed(): boolean {
    return this.ended || this.call.cancelled;
  }

  send(message: MasterMessageInit): void {
    if (this.closed) return;
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
