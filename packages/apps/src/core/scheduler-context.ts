import type { SchedulerDriver } from '@tandem/framework-sdk';
import type { Logger } from '@tandem/protocol';
import type { EventBus } from '../events/event-bus.js';
import type { ResolvedAppsOptions } from '../options.js';
import type { AppsMetrics } from './apps-metrics.js';
import type { AppsRepository } from './apps-repository.js';
import type { LaunchDelays } from './launch-delays.js';
import type { ReadinessChecker } from './readiness-checker.js';

/** What the parts of the apps scheduler share (see AppsScheduler, which builds it). */
export interface SchedulerContext {
  readonly options: ResolvedAppsOptions;
  readonly repo: AppsRepository;
  readonly events: EventBus;
  readonly metrics: AppsMetrics;
  readonly log: Logger;
  /** Launch backoff per app. */
  readonly delays: LaunchDelays;
  /** Readiness checks of the new instances of running deployments. */
  readonly readiness: ReadinessChecker;
  /** The SDK driver, once started. */
  readonly driver: SchedulerDriver | undefined;
  /** Subscribed to the master now. */
  readonly connected: boolean;
  /** stop() was called: no new work. */
  readonly stopping: boolean;
  /** Runs `fn` after every change queued before it; the one way state changes. */
  serial<T>(fn: () => Promise<T> | T): Promise<T>;
  /** Asks for a convergence pass soon. */
  queueTick(): void;
}
