import { join } from 'node:path';
import { FileStore } from '@tandem/store';
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
  const store = new FileStore({ dir: join(workDir, 'store') });
  const framework = new AppsFramework({ ...rest, store });
  try {
    await framework.start();
  } catch (err) {
    await framework.stop();
    await store.close();
    throw err;
  }
  return {
    framework,
    stop: async () => {
      await framework.stop();
      await store.close();
    },
  };
}
