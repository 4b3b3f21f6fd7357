/**
 * When each failed task index of a run may launch again (ON_FAILURE retries). In memory
 * only: a restarted framework retries at once.
 */
export class RetryWaits {
  /** Per run (`jobId/runId`): index -> when its retry may launch. */
  private readonly byRun = new Map<string, Map<number, number>>();

  /** The waits of one run, as `pendingLaunches` takes them. */
  of(jobId: string, runId: string): ReadonlyMap<number, number> | undefined {
    return this.byRun.get(`${jobId}/${runId}`);
  }

  set(jobId: string, runId: string, index: number, at: number): void {
    const key = `${jobId}/${runId}`;
    let waits = this.byRun.get(key);
    if (!waits) {
      waits = new Map();
      this.byRun.set(key, waits);
    }
    waits.set(index, at);
  }

  /** The index launched: its wait is over. */
  launched(jobId: string, runId: string, index: number): void {
    this.byRun.get(`${jobId}/${runId}`)?.delete(index);
  }

  forgetRun(jobId: string, runId: string): void {
    this.byRun.delete(`${jobId}/${runId}`);
  }

  clear(): void {
    this.byRun.clear();
  }

  /** Some retry came due by `now`. */
  anyDue(now: number): boolean {
    for (const waits of this.byRun.values()) for (const at of waits.values()) if (at <= now) return true;
    return false;
  }

  /** The earliest retry instant, or `bound` when none is earlier. */
  earliest(bound: number): number {
    let at = bound;
    for (const waits of this.byRun.values()) for (const t of waits.values()) at = Math.min(at, t);
    return at;
  }
}
