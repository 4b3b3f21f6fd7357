/** A change the jobs framework publishes (the SSE stream at /v1/events). */
export type JobsEvent =
  | { type: 'run_update'; run: Record<string, unknown> }
  | { type: 'job_created' | 'job_updated' | 'job_deleted'; jobId: string }
  | { type: 'schedule_skipped'; jobId: string; scheduleId: string; instant: string; reason: string };

/** Fan-out of JobsEvents to any number of listeners. */
export class EventHub {
  private readonly listeners = new Set<(e: JobsEvent) => void>();

  subscribe(listener: (e: JobsEvent) => void): () => void {
    this.listeners.add(listener);
    return () => {
      this.listeners.delete(listener);
    };
  }

  publish(event: JobsEvent): void {
    for (const l of this.listeners) {
      try {
        l(event);
      } catch {
        // a listener's failure is its own
      }
    }
  }

  get size(): number {
    return this.listeners.size;
  }
}
