import { ValidationError } from '@tandem/protocol';
import type { AppDefinition } from '../app/app-definition.js';
import { isUnder } from '../app/path-id.js';
import type { GroupPlan } from './group-update.js';

/**
 * The plan of a group's `{"scaleBy": factor}`: every app under `groupId` at its instances
 * times the factor, rounded. The factor must be a finite number >= 0 and no app may pass
 * `maxInstances`; otherwise a ValidationError on `/scaleBy` and nothing changes. (The REST
 * fuzzer found -1 taken, scaling every app to 0, and 1e308 taken as 1e308 instances.)
 */
export function scaleGroupPlan(apps: Iterable<AppDefinition>, groupId: string, scaleBy: unknown, maxInstances: number): GroupPlan {
  if (typeof scaleBy !== 'number' || !Number.isFinite(scaleBy) || scaleBy < 0) throw ValidationError.of('/scaleBy', 'must be a number >= 0');
  const plan: GroupPlan = { targets: new Map(), put: [], remove: [] };
  for (const a of apps) {
    if (!isUnder(a.id, groupId)) continue;
    const instances = Math.round(a.instances * scaleBy);
    if (instances > maxInstances) throw ValidationError.of('/scaleBy', `would scale ${a.id} to ${instances} instances; at most ${maxInstances}`);
    plan.targets.set(a.id, { ...a, instances });
  }
  return plan;
}
