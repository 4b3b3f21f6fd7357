import { type AppDefinition, isConfigChange } from '../app/app-definition.js';
import { AppValidationError } from '../app/app-validation-error.js';
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
 * Dependency depth of each app among `apps` (0: depends on nothing there). Throws a
 * 422 on a cycle.
 */
export function dependencyLevels(apps: ReadonlyMap<string, AppDefinition>): Map<string, number> {
  const levels = new Map<string, number>();
  const visiting = new Set<string>();
  const visit = (id: string): number => {
    const known = levels.get(id);
    if (known !== undefined) return known;
    if (visiting.has(id)) throw AppValidationError.of('/dependencies', `the dependency graph has a cycle through ${id}`);
    visiting.add(id);
    const app = apps.get(id);
    let level = 0;
    for (const dep of app?.dependencies ?? []) {
      for (const other of apps.keys()) {
        if (other === dep || other.startsWith(`${dep}/`)) level = Math.max(level, visit(other) + 1);
      }
    }
    visiting.delete(id);
    levels.set(id, level);
    return level;
  };
  for (const id of apps.keys()) visit(id);
  return levels;
}

/**
 * The steps of a deployment: stops first, dependents before what they depend on;
 * then starts, scales and restarts in dependency order, one step per dependency level.
 */
export function planSteps(changes: ReadonlyMap<string, AppChange>): DeploymentStep[] {
  const before = new Map<string, AppDefinition>();
  const after = new Map<string, AppDefinition>();
  for (const [id, c] of changes) {
    if (c.from) before.set(id, c.from);
    if (c.to) after.set(id, c.to);
  }
  const levelsAfter = dependencyLevels(after);
  const levelsBefore = dependencyLevels(before);
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
