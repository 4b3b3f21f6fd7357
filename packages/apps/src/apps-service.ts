import { startOnFileStore } from '@tandem/store';
import { AppsFramework } from './apps-framework.js';
import type { AppsFrameworkOptions } from './options.js';

export interface RunningApps {
  framework: AppsFramework;
  /** Stops the framework, then closes its store. */
  stop(): Promise<void>;
}

/** The apps framework on a FileStore under `workDir/store` (what `tandem apps serve` and `tandem up` run). */
export async function startAppsService(options: Omit<AppsFrameworkOptions, 'store'> & { workDir: string }): Promise<RunningApps> {
  const { workDir, ...rest } = options;
  const { service, stop } = await startOnFileStore(workDir, (store) => new AppsFramework({ ...rest, store }));
  return { framework: service, stop };
}
