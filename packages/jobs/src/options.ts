import { type ResolvedServiceFrameworkOptions, resolveServiceFrameworkOptions, type ServiceFrameworkOptions } from '@tandem/framework-sdk';
import type { Store } from '@tandem/store';
import { type Clock, systemClock } from './core/clock.js';
import { DEFAULT_FRAMEWORK_NAME, DEFAULT_HISTORY_LIMIT, DEFAULT_JOBS_PORT, DEFAULT_RETRY_DELAY_MS } from './defaults.js';

export { DEFAULT_RECONCILE_INTERVAL_MS } from '@tandem/framework-sdk';
export { DEFAULT_MAX_BODY_BYTES } from '@tandem/protocol';

/** The jobs framework's options: the shared ones of a service framework (port @default 8090, frameworkName @default 'tandem-jobs') and its own. */
export interface JobsFrameworkOptions extends ServiceFrameworkOptions {
  /** Where jobs, schedules, runs and history live; the framework does not close it. */
  store: Store;
  /** @default the system clock */
  clock?: Clock;
  /** @default DEFAULT_RETRY_DELAY_MS (1000) */
  retryDelayMs?: number;
  /** @default DEFAULT_HISTORY_LIMIT (50) */
  historyLimit?: number;
  /** `host:port` clients reach this process at, named by `/info` and `/v1/leader`. @default the API's host and port (127.0.0.1 for 0.0.0.0) */
  advertisedAddress?: string;
  /**
   * Build the REST API without listening: another server hands it requests through
   * `requestHandler()` (the HA front, which listens on `port`). @default false
   */
  embedHttp?: boolean;
}

export interface ResolvedJobsOptions extends ResolvedServiceFrameworkOptions {
  store: Store;
  clock: Clock;
  retryDelayMs: number;
  historyLimit: number;
  advertisedAddress: string | undefined;
  embedHttp: boolean;
}

/** Fills every option's default; a bad body limit throws naming the option. */
export function resolveJobsOptions(o: JobsFrameworkOptions): ResolvedJobsOptions {
  return {
    ...resolveServiceFrameworkOptions(o, { port: DEFAULT_JOBS_PORT, frameworkName: DEFAULT_FRAMEWORK_NAME }),
    store: o.store,
    clock: o.clock ?? systemClock(),
    retryDelayMs: o.retryDelayMs ?? DEFAULT_RETRY_DELAY_MS,
    historyLimit: o.historyLimit ?? DEFAULT_HISTORY_LIMIT,
    advertisedAddress: o.advertisedAddress,
    embedHttp: o.embedHttp ?? false,
  };
}

/** @deprecated the name of `resolveJobsOptions` before every package's resolver was named `resolveXOptions`. */
export const jobsDefaults = resolveJobsOptions;

// Every default, from the module that loads nothing (`@tandem/<pkg>/defaults`).
export * from './defaults.js';
