import type { HealthCheck, Logger } from '@tandem/protocol';
import { type ProbeTarget, probe } from './probe.js';

/**
 * Mesos' defaults for the fields a check leaves at 0. (A delay or grace of 0 is a
 * real choice, so those two mean "none" at 0; frameworks send what they want.)
 */
export const DEFAULT_HEALTH_CHECK = {
  intervalSeconds: 10,
  timeoutSeconds: 20,
  consecutiveFailures: 3,
} as const;

export interface HealthCheckerOptions {
  check: HealthCheck;
  target: ProbeTarget;
  /** Called when the task's health is first known and whenever it changes. */
  onHealth(healthy: boolean, message: string): void;
  /**
   * Called when the check has failed `consecutive_failures` times in a row after the
   * grace period: once, after which it stops (a killing check), or once per run of
   * failures while it goes on probing (a `report_only` check).
   */
  onFailed(message: string): void;
  logger: Logger;
}

/**
 * Runs one health check of a task next to it, as the Mesos executor does: the first
 * probe after `delay`, then every `interval`, each bounded by `timeout`. Failures inside
 * the grace period (counted from the start, and only until the first success) do not
 * count. After `consecutive_failures` counted failures it reports failure once and stops,
 * or, for a `report_only` check, reports it once and goes on probing (a success starts
 * the count again).
 */
export class HealthChecker {
  private timer: NodeJS.Timeout | undefined;
  private stopped = false;
  private healthy: boolean | undefined;
  private failures = 0;
  private succeededOnce = false;
  private readonly startedAt = Date.now();
  private readonly delayMs: number;
  private readonly intervalMs: number;
  private readonly timeoutMs: number;
  private readonly maxFailures: number;
  private readonly graceMs: number;

  constructor(private readonly options: HealthCheckerOptions) {
    const c = options.check;
    const or = (v: number, d: number): number => (Number.isFinite(v) && v > 0 ? v : d);
    const nonNegative = (v: number): number => (Number.isFinite(v) && v > 0 ? v : 0);
    this.delayMs = nonNegative(c.delaySeconds) * 1000;
    this.intervalMs = or(c.intervalSeconds, DEFAULT_HEALTH_CHECK.intervalSeconds) * 1000;
    this.timeoutMs = or(c.timeoutSeconds, DEFAULT_HEALTH_CHECK.timeoutSeconds) * 1000;
    this.maxFailures = or(c.consecutiveFailures, DEFAULT_HEALTH_CHECK.consecutiveFailures);
    this.graceMs = nonNegative(c.gracePeriodSeconds) * 1000;
  }

  start(): void {
    this.schedule(this.delayMs);
  }

  stop(): void {
    this.stopped = true;
    clearTimeout(this.timer);
    this.timer = undefined;
  }

  private schedule(ms: number): void {
    if (this.stopped) return;
    this.timer = setTimeout(() => void this.tick(), ms);
    this.timer.unref();
  }

  private async tick(): Promise<void> {
    this.timer = undefined;
    const result = await probe(this.options.check, this.options.target, this.timeoutMs);
    if (this.stopped) return;
    if (result.ok) {
      this.succeededOnce = true;
      this.failures = 0;
      this.setHealth(true, result.message);
      this.schedule(this.intervalMs);
      return;
    }
    const inGrace = !this.succeededOnce && Date.now() - this.startedAt < this.graceMs;
    if (inGrace) {
      this.options.logger.debug({ message: result.message }, 'health check failed inside the grace period');
      this.schedule(this.intervalMs);
      return;
    }
    this.failures++;
    this.setHealth(false, result.message);
    if (this.failures === this.maxFailures) {
      const reportOnly = this.options.check.reportOnly;
      if (!reportOnly) this.stop();
      this.options.onFailed(`health check failed ${this.failures} times in a row: ${result.message}`);
      if (!reportOnly) return;
    }
    this.schedule(this.intervalMs);
  }

  private setHealth(healthy: boolean, message: string): void {
    if (this.healthy === healthy) return;
    this.healthy = healthy;
    this.options.onHealth(healthy, message);
  }
}
