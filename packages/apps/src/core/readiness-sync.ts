import type { AppDefinition } from '../app/app-definition.js';
import type { Instance } from './instance.js';
import { needsReadiness, readinessTargets, tasksToCheck } from './readiness-gate.js';
import type { SchedulerContext } from './scheduler-context.js';

/** Counts a new instance of `target` only once its readiness check passed. */
export function readyFn(ctx: SchedulerContext, target: AppDefinition): (i: Instance) => boolean {
  return (i) => !needsReadiness(i, target) || (i.taskId !== undefined && ctx.readiness.isReady(i.taskId));
}

/** Checks the RUNNING new instances of running deployments' current steps, and nothing else. */
export function syncReadiness(ctx: SchedulerContext): void {
  if (ctx.stopping) return;
  ctx.readiness.sync(tasksToCheck(readinessTargets(ctx.repo.deployments.values()), (appId) => ctx.repo.instancesOf(appId)));
}
