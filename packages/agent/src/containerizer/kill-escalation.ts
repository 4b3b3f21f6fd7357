export interface KillSteps {
  /** Ask the task to stop (SIGTERM). */
  term(): Promise<void>;
  /** Make it stop (SIGKILL), unless it already has. */
  kill(): Promise<void>;
}

/**
 * A kill with a grace period, shared by the containerizers: `term` at once, `kill`
 * when the grace runs out. A later request with a shorter grace brings the kill
 * forward; a longer one changes nothing. `finish()` (the container ended, or is being
 * destroyed) stops the timer and settles every request.
 */
export class KillEscalation {
  private deadline = Number.POSITIVE_INFINITY;
  private timer: NodeJS.Timeout | undefined;
  private done: Promise<void> | undefined;
  private resolve: (() => void) | undefined;

  constructor(private readonly steps: KillSteps) {}

  /** Resolves when the signals have been sent, or `finish()` was called. */
  request(gracePeriodMs: number): Promise<void> {
    const grace = Math.max(0, gracePeriodMs);
    const deadline = Date.now() + grace;
    if (!this.done) {
      this.done = new Promise<void>((resolve) => {
        this.resolve = resolve;
      });
      if (grace > 0) void this.steps.term();
    }
    if (deadline < this.deadline) {
      this.deadline = deadline;
      clearTimeout(this.timer);
      // setTimeout fires at once past ~24.8 days; a grace that long is "never" anyway.
      this.timer = setTimeout(() => void this.fire(), Math.min(grace, 2_147_483_647));
      this.timer.unref();
    }
    return this.done;
  }

  finish(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    this.resolve?.();
    this.resolve = undefined;
  }

  private async fire(): Promise<void> {
    this.timer = undefined;
    try {
      await this.steps.kill();
    } finally {
      this.finish();
    }
  }
}
