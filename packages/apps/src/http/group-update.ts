import type { AppDefinition } from '../app/app-definition.js';
import { isUnder, parentGroup } from '../app/path-id.js';
import type { GroupChange, GroupRecord } from '../core/group-record.js';
import type { GroupDocument } from './group-document.js';

/** What a group change does: apps to deploy (undefined: remove) and stored groups to write or remove. */
export interface GroupPlan extends GroupChange {
  targets: Map<string, AppDefinition | undefined>;
}

/** The group directly inside `id` that holds `x` (an app or group strictly under `id`). */
export function childOf(x: string, id: string): string {
  const rest = x.slice(id === '/' ? 1 : id.length + 1).split('/');
  return `${id === '/' ? '' : id}/${rest[0]}`;
}

/** The groups directly inside `id`: those stored, and those holding apps. */
export function childGroups(id: string, appIds: Iterable<string>, groupIds: Iterable<string>): Set<string> {
  const out = new Set<string>();
  for (const a of appIds) if (a !== id && isUnder(a, id) && parentGroup(a) !== id) out.add(childOf(a, id));
  for (const g of groupIds) if (g !== id && isUnder(g, id)) out.add(childOf(g, id));
  return out;
}

/** Removes the group `id` (`/`: everything) with every app and stored group inside it. */
export function planRemoval(id: string, apps: ReadonlyMap<string, AppDefinition>, groups: ReadonlyMap<string, GroupRecord>, plan: GroupPlan): void {
  for (const a of apps.keys()) if (isUnder(a, id)) plan.targets.set(a, undefined);
  for (const g of groups.keys()) if (isUnder(g, id)) plan.remove.push(g);
}

/**
 * Applies a group document to the group `doc.id` as Marathon's GroupUpdate: `apps`
 * given replaces the group's own apps, `groups` given replaces its subgroups (each
 * given one updated in turn, the others removed with all inside them), `dependencies`
 * given replaces its dependencies; a field left out keeps what the group has. The
 * group (and each subgroup in the document) is stored, so it exists even when empty.
 */
export function planGroupUpdate(
  doc: GroupDocument,
  apps: ReadonlyMap<string, AppDefinition>,
  groups: ReadonlyMap<string, GroupRecord>,
  plan: GroupPlan = { targets: new Map(), put: [], remove: [] },
): GroupPlan {
  const { id } = doc;
  if (doc.apps) {
    const given = new Set(doc.apps.map((a) => a.id));
    for (const a of apps.keys()) if (parentGroup(a) === id && !given.has(a)) plan.targets.set(a, undefined);
    for (const a of doc.apps) plan.targets.set(a.id, a);
  }
  if (doc.groups) {
    const given = new Set(doc.groups.map((g) => g.id));
    for (const child of childGroups(id, apps.keys(), groups.keys())) if (!given.has(child)) planRemoval(child, apps, groups, plan);
    for (const g of doc.groups) planGroupUpdate(g, apps, groups, plan);
  }
  if (id !== '/') plan.put.push({ id, dependencies: doc.dependencies ?? groups.get(id)?.dependencies ?? [] });
  return plan;
}
