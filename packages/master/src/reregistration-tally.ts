import type { Logger } from '@tandem/protocol';

/**
 * Counts agent re-registrations and logs them as one info line per interval (each one
 * is logged at debug): after a master failover 10,000 agents re-register within seconds,
 * and a line each was 10,000 lines and a share of the master's time.
 */
export class ReregistrationTally {
  private agents = 0;
  private tasks = 0;
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly log: Logger,
    private readonly intervalMs = 1000,
  ) {}

  /** One agent re-registered with `tasks` tasks; logged with the others of this interval. */
  count(tasks: number): void {
    this.agents++;
    this.tasks += tasks;
    if (this.timer) return;
    this.timer = setTimeout(() => this.flush(), this.intervalMs);
    this.timer.unref();
  }

  /** Logs what was counted since the last line, if anything (and stops the interval's timer). */
  flush(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    if (this.agents === 0) return;
    this.log.info({ agents: this.agents, tasks: this.tasks }, 'agents re-registered');
    this.agents = 0;
    this.tasks = 0;
  }
}
