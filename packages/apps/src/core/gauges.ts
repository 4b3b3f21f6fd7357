import type { AppsMetrics } from './apps-metrics.js';
import type { AppsRepository } from './apps-repository.js';

/** Sets the apps, deployments, instances-by-condition and launch-queue gauges from the repository. */
export function updateGauges(repo: AppsRepository, metrics: AppsMetrics): void {
  metrics.apps.set(repo.apps.size);
  metrics.deployments.set(repo.deployments.size);
  const counts = new Map<string, number>();
  let queued = 0;
  for (const i of repo.instances.values()) {
    counts.set(i.condition, (counts.get(i.condition) ?? 0) + 1);
    if (i.condition === 'Scheduled') queued += 1;
  }
  metrics.instances.reset();
  for (const [condition, n] of counts) metrics.instances.set({ condition }, n);
  metrics.launchQueue.set(queued);
}
