import { type AppDefinition, isConfigChange } from '../app/app-definition.js';
import { dependencyLevels } from './dependency-graph.js';
import type { DeploymentAction, DeploymentStep } from './deployment.js';

/** One app's change: before and after (undefined: absent). */
export interface AppChange {
  from: AppDefinition | undefined;
  to: AppDefinition | undefined;
  /** A restart: the same config, new tasks. */
  restart?: boolean;
}

function actionOf(id: string, c: AppChange): DeploymentAction | undefined {
  if (!c.from && c.to) return { action: 'StartApplication', app: id };
  if (c.from && !c.to) return { action: 'StopApplication', app: id };
  if (!c.from || !c.to) return undefined;
  if (c.restart || isConfigChange(c.from, c.to)) return { action: 'RestartApplication', app: id };
  if (c.from.instances !== c.to.instances) return { action: 'ScaleApplication', app: id };
  return undefined;
}

/**
 * The steps of a deployment: stops first, dependents before what they depend on;
 * then starts, scales and restarts in dependency order, one step per dependency level.
 * `levels` gives each app's dependency depth before and after the change over every
 * app, not only the changed ones (as Marathon orders by the longest path through the
 * whole graph); without it, the depths among the changed apps and their own dependencies.
 */
export function planSteps(
  changes: ReadonlyMap<string, AppChange>,
  levels?: { before: ReadonlyMap<string, number>; after: ReadonlyMap<string, number> },
): DeploymentStep[] {
  const before = new Map<string, AppDefinition>();
  const after = new Map<string, AppDefinition>();
  for (const [id, c] of changes) {
    if (c.from) before.set(id, c.from);
    if (c.to) after.set(id, c.to);
  }
  const levelsAfter = levels?.after ?? dependencyLevels(after);
  const levelsBefore = levels?.before ?? dependencyLevels(before);
  const stops = new Map<number, DeploymentAction[]>();
  const rest = new Map<number, DeploymentAction[]>();
  for (const [id, c] of changes) {
    const action = actionOf(id, c);
    if (!action) continue;
    const [bucket, level] = action.action === 'StopApplication' ? [stops, levelsBefore.get(id) ?? 0] : [rest, levelsAfter.get(id) ?? 0];
    bucket.set(level, [...(bucket.get(level) ?? []), action]);
  }
  const steps: DeploymentStep[] = [];
  for (const level of [...stops.keys()].sort((a, b) => b - a)) steps.push({ actions: stops.get(level)! });
  for (const level of [...rest.keys()].sort((a, b) => a - b)) steps.push({ actions: rest.get(level)! });
  return steps;
}
