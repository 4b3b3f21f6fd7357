import { EventBus } from '@tandem/protocol';

/** A change the jobs framework publishes (the SSE stream at /v1/events). */
export type JobsEvent =
  | { type: 'run_update'; run: Record<string, unknown> }
  | { type: 'job_created' | 'job_updated' | 'job_deleted'; jobId: string }
  | { type: 'schedule_skipped'; jobId: string; scheduleId: string; instant: string; reason: string };

/** Fan-out of JobsEvents to any number of listeners, on the shared `EventBus`. */
export class EventHub extends EventBus<JobsEvent> {
  constructor() {
    super((e) => e.type);
  }
}
