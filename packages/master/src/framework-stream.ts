import type { ServerWritableStream } from '@grpc/grpc-js';
import type { EventInit, SubscribeRequest, TaskStatusInit } from '@tandem/protocol';

/** The master's end of a framework's event stream. */
export class FrameworkStream {
  private ended = false;
  /** Status updates waiting for the end of this turn of the event loop. */
  private updates: TaskStatusInit[] = [];
  private flushHandle: NodeJS.Immediate | undefined;

  /** `mayAct`: whether the master may send now (an HA master that may have lost its lease sends nothing). */
  constructor(
    private readonly call: ServerWritableStream<SubscribeRequest, EventInit>,
    private readonly mayAct: () => boolean = () => true,
  ) {}

  get closed(): boolean {
    return this.ended || this.call.cancelled;
  }

  /** Sends an event; status updates queued before it go first, so the order holds. */
  send(event: EventInit): void {
    this.flushUpdates();
    if (this.closed || !this.mayAct()) return;
    this.call.write(event);
  }

  /**
   * Queues status updates: all that are queued in one turn of the event loop (from many
   * agents' messages) go to the framework as one UPDATE event.
   */
  sendUpdates(statuses: readonly TaskStatusInit[]): void {
    if (this.closed || statuses.length === 0) return;
    for (const s of statuses) this.updates.push(s);
    this.flushHandle ??= setImmediate(() => {
      this.flushHandle = undefined;
      this.flushUpdates();
    });
  }

  end(): void {
    if (this.ended) return;
    this.flushUpdates();
    this.ended = true;
    if (!this.call.cancelled) this.call.end();
  }

  private flushUpdates(): void {
    if (this.flushHandle) clearImmediate(this.flushHandle);
    this.flushHandle = undefined;
    if (this.updates.length === 0) return;
    const statuses = this.updates;
    this.updates = [];
    if (!this.closed && this.mayAct()) this.call.write({ update: { statuses } });
  }
}
