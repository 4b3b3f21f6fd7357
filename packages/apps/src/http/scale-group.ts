import { ValidationError } from '@tandem/protocol';
import type { AppDefinition } from '../app/app-definition.js';
import { isUnder } from '../app/path-id.js';
import type { GroupPlan } from './group-update.js';

/**
 * The plan of a group's `{"scaleBy": factor}`: every app under `groupId` at its instances
 * times the factor, rounded. The factor must be a finite number >= 0, given without apps,
 * groups or dependencies, and no app may pass `maxInstances`; otherwise a ValidationError
 * on `/scaleBy` and nothing changes. (The REST
 * fuzzer found -1 taken, scaling every app to 0, and 1e308 taken as 1e308 instances.)
 */
export function scaleGroupPlan(apps: Iterable<AppDefinition>, groupId: string, body: Record<string, unknown>, maxInstances: number): GroupPlan {
  const { scaleBy } = body;
  if (typeof scaleBy !== 'number' || !Number.isFinite(scaleBy) || scaleBy < 0) throw ValidationError.of('/scaleBy', 'must be a number >= 0');
  // A scale is a change of its own: apps, groups or dependencies given with it were ignored, unread (found by the REST fuzzer).
  const alongside = ['apps', 'groups', 'dependencies'].filter((k) => body[k] !== undefined);
  if (alongside.length > 0) throw ValidationError.of('/scaleBy', `give scaleBy alone, not with ${alongside.join(', ')}`);
  const plan: GroupPlan = { targets: new Map(), put: [], remove: [] };
  for (const a of apps) {
    if (!isUnder(a.id, groupId)) continue;
    const instances = Math.round(a.instances * scaleBy);
    if (instances > maxInstances) throw ValidationError.of('/scaleBy', `would scale ${a.id} to ${instances} instances; at most ${maxInstances}`);
    plan.targets.set(a.id, { ...a, instances });
  }
  return plan;
}
