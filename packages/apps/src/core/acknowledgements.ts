import type { TaskStatus } from '@tandem/protocol';
import type { SchedulerContext } from './scheduler-context.js';

/**
 * Acknowledges status updates once what they changed is durable; those of one turn of
 * the event loop leave in one acknowledge call.
 */
export class Acknowledgements {
  /** Status updates durable and waiting for the next acknowledge call. */
  private acks: TaskStatus[] = [];

  constructor(private readonly ctx: SchedulerContext) {}

  whenDurable(status: TaskStatus, written: Promise<void> | undefined): void {
    if (!status.uuid) return;
    const ack = (): void => {
      this.acks.push(status);
      if (this.acks.length > 1) return;
      setImmediate(() => {
        const batch = this.acks;
        this.acks = [];
        this.ctx.driver
          ?.acknowledge(batch)
          .catch((err: unknown) => this.ctx.log.debug({ err, count: batch.length }, 'acknowledge failed; the agents send the updates again'));
      });
    };
    if (!written) ack();
    else written.then(ack, (err: unknown) => this.ctx.log.warn({ err, taskId: status.taskId }, 'a status update could not be stored; left unacknowledged'));
  }
}
