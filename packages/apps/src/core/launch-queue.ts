import type { AppDefinition } from '../app/app-definition.js';
import { effectiveTarget } from './effective-target.js';
import type { Instance } from './instance.js';
import type { SchedulerContext } from './scheduler-context.js';

/** Instances that may launch now, by app: scheduled, of the app's current config, past its launch delay. */
export function launchable(ctx: SchedulerContext, now: number): Map<string, { app: AppDefinition; waiting: Instance[] }> {
  const out = new Map<string, { app: AppDefinition; waiting: Instance[] }>();
  for (const appId of ctx.repo.appIdsWithInstances()) {
    const app = effectiveTarget(ctx.repo, appId);
    if (!app || ctx.delays.remaining(app, now) > 0) continue;
    const waiting = ctx.repo
      .instancesOf(appId)
      .filter((i) => i.goal === 'Running' && i.condition === 'Scheduled' && i.configVersion === app.versionInfo.lastConfigChangeAt);
    if (waiting.length > 0) out.set(appId, { app, waiting });
  }
  return out;
}
