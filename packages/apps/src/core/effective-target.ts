import type { AppDefinition } from '../app/app-definition.js';
import type { AppsRepository } from './apps-repository.js';

/** The definition an app moves toward now: held at its original while its deployment step has not come. */
export function effectiveTarget(repo: AppsRepository, appId: string): AppDefinition | undefined {
  for (const d of repo.deployments.values()) {
    if (d.state !== 'running' || !(appId in d.target)) continue;
    const step = d.steps.findIndex((s) => s.actions.some((a) => a.app === appId));
    if (step > d.currentStep) return d.original[appId] ?? undefined;
  }
  return repo.apps.get(appId);
}
