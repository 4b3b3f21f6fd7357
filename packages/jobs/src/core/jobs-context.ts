import type { SchedulerDriver } from '@tandem/framework-sdk';
import type { Logger } from '@tandem/protocol';
import type { ResolvedJobsOptions } from '../options.js';
import type { Clock } from './clock.js';
import type { JobsFrameworkState } from './framework-state.js';
import type { JobsMetrics } from './jobs-metrics.js';
import type { JobsRepository } from './jobs-repository.js';
import type { RetryWaits } from './retry-waits.js';
import type { EventHub } from './run-events.js';

/** What the parts of the jobs framework share (see JobsFramework, which builds it). */
export interface JobsContext {
  readonly options: ResolvedJobsOptions;
  readonly repo: JobsRepository;
  readonly events: EventHub;
  readonly metrics: JobsMetrics;
  readonly log: Logger;
  readonly clock: Clock;
  /** When failed task indexes may launch again. */
  readonly retries: RetryWaits;
  /** Task ids whose ACCEPT is in flight (not reconciled until it returns). */
  readonly launching: Set<string>;
  /** The SDK driver, once started. */
  readonly driver: SchedulerDriver | undefined;
  readonly state: JobsFrameworkState;
  /** Runs `fn` after every change queued before it; the one way state changes. */
  serial<T>(fn: () => Promise<T>): Promise<T>;
  /** New work may wait for offers: revive after the current change. */
  noteWork(): void;
  /** Re-arms the one timer (schedules, retries, launch deadlines). */
  armTimer(): void;
}
