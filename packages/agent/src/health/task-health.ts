import type { HealthCheck, Logger } from '@tandem/protocol';
import { HealthChecker } from './health-checker.js';
import type { ProbeTarget } from './probe.js';

export interface TaskHealthOptions {
  checks: readonly HealthCheck[];
  target: ProbeTarget;
  /** The task's health, when first known and whenever it changes: true only while every check passes. */
  onHealth(healthy: boolean, message: string): void;
  /** A check reached its `consecutive_failures`: `kill` unless it is `report_only`. */
  onFailed(kill: boolean, message: string): void;
  logger: Logger;
}

/**
 * Runs every health check of a task, each on its own schedule, and folds their results
 * into one health: unhealthy as soon as one check fails, healthy once every check has
 * passed its latest probe, unknown before that. Each check keeps its own failure count
 * and its own `report_only`, as a single Mesos check would.
 */
export class TaskHealth {
  private readonly checkers: HealthChecker[];
  /** Each check's latest counted result (undefined: none yet). */
  private readonly results: ({ healthy: boolean; message: string } | undefined)[];
  private healthy: boolean | undefined;

  constructor(private readonly options: TaskHealthOptions) {
    const { checks, target, logger } = options;
    this.results = checks.map(() => undefined);
    this.checkers = checks.map(
      (check, i) =>
        new HealthChecker({
          check,
          target,
          logger: checks.length > 1 ? logger.child({ healthCheck: i }) : logger,
          onHealth: (healthy, message) => {
            this.results[i] = { healthy, message: this.label(i, message) };
            this.update();
          },
          onFailed: (message) => options.onFailed(!check.reportOnly, this.label(i, message)),
        }),
    );
  }

  start(): void {
    for (const c of this.checkers) c.start();
  }

  stop(): void {
    for (const c of this.checkers) c.stop();
  }

  /** Names the check in a message when the task has several. */
  private label(i: number, message: string): string {
    const n = this.options.checks.length;
    return n > 1 ? `health check ${i + 1} of ${n} (${this.options.checks[i]?.type ?? '?'}): ${message}` : message;
  }

  private update(): void {
    const failing = this.results.find((r) => r?.healthy === false);
    let next: boolean | undefined;
    let message = '';
    if (failing) {
      next = false;
      message = failing.message;
    } else if (this.results.every((r) => r?.healthy === true)) {
      next = true;
      message = this.results.map((r) => r?.message ?? '').join('; ');
    }
    if (next === undefined || next === this.healthy) return;
    this.healthy = next;
    this.options.onHealth(next, message);
  }
}
