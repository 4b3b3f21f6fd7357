import { join } from 'node:path';
import { FileStore } from './file-store.js';
import type { Store } from './store.js';

/** Anything with an async start and an ordered stop: a framework, a server. */
export interface Startable {
  start(): Promise<void>;
  stop(): Promise<void>;
}

export interface StoreBackedService<S> {
  service: S;
  /** Ordered: the service first, then its store. */
  stop(): Promise<void>;
}

/**
 * Starts a service on its own FileStore under `<workDir>/store` — what `tandem apps
 * serve`, `tandem jobs serve` and `tandem up` run. If the start fails, the service is
 * stopped and the store closed before the error is rethrown.
 */
export async function startOnFileStore<S extends Startable>(workDir: string, make: (store: Store) => S): Promise<StoreBackedService<S>> {
  const store = new FileStore({ dir: join(workDir, 'store') });
  const service = make(store);
  const stop = async (): Promise<void> => {
    await service.stop();
    await store.close();
  };
  try {
    await service.start();
  } catch (err) {
    await stop();
    throw err;
  }
  return { service, stop };
}
