import { startOnFileStore } from '@tandem/store';
import { systemClock } from './core/clock.js';
import { JobsFramework } from './jobs-framework.js';
import type { JobsFrameworkOptions } from './options.js';

export interface JobsServiceOptions extends Omit<JobsFrameworkOptions, 'store' | 'clock'> {
  /** The FileStore lives in `<workDir>/store`. */
  workDir: string;
}

/** For tests only (the hidden `--clock-offset-ms` of `tandem jobs serve`), kept out of `JobsServiceOptions`. */
export interface JobsServiceTestOptions {
  /** Shifts the framework's clock (tests of scheduled instants). @default 0 */
  clockOffsetMs?: number;
}

export interface RunningJobs {
  framework: JobsFramework;
  /** Ordered: the framework (HTTP, timers, driver), then the store. */
  stop(): Promise<void>;
}

/** A JobsFramework on its own durable FileStore: what `tandem jobs serve` and `tandem up` run. */
export async function startJobsService(options: JobsServiceOptions & JobsServiceTestOptions): Promise<RunningJobs> {
  const { workDir, clockOffsetMs, ...rest } = options;
  const { service, stop } = await startOnFileStore(workDir, (store) => new JobsFramework({ ...rest, store, clock: systemClock(clockOffsetMs ?? 0) }));
  return { framework: service, stop };
}
