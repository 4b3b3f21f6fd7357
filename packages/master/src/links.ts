import type { ServerDuplexStream, ServerWritableStream } from '@grpc/grpc-js';
import type { AgentMessage, EventInit, MasterMessageInit, SubscribeRequest } from '@tandem/protocol';

/** The master's end of a framework's event stream. */
export class FrameworkStream {
  private ended = false;

  constructor(private readonly call: ServerWritableStream<SubscribeRequest, EventInit>) {}

  get closed(): boolean {
    return this.ended || this.call.cancelled;
  }

  send(event: EventInit): void {
    if (this.closed) return;
    this.call.write(event);
  }

  end(): void {
    if (this.ended) return;
    this.ended = true;
    if (!this.call.cancelled) this.call.end();
  }
}

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
}
