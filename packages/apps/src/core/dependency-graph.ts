import { ValidationError } from '@tandem/protocol';
import type { AppDefinition } from '../app/app-definition.js';
import type { GroupRecord } from './group-record.js';
import { ancestorGroups } from './group-versions.js';

/** One dependency of an app and where it was declared (the app itself or a group holding it). */
export interface Dependency {
  /** An app or group id (absolute). */
  on: string;
  /** The app or group whose `dependencies` name it. */
  declaredBy: string;
}

/**
 * An app's dependencies, as Marathon's dependency graph has them: its own, and those of
 * every group holding it (`groupDeps`: group id -> absolute ids), outermost group first.
 */
export function dependenciesOf(app: AppDefinition, groupDeps: ReadonlyMap<string, readonly string[]>): Dependency[] {
  const out: Dependency[] = [];
  for (const g of ancestorGroups(app.id)) for (const on of groupDeps.get(g) ?? []) out.push({ on, declaredBy: g });
  for (const on of app.dependencies) out.push({ on, declaredBy: app.id });
  return out;
}

/** The apps a dependency names: the app of that id, or every app under the group of that id. */
function targetIndex(ids: readonly string[]): (on: string) => readonly string[] {
  const under = new Map<string, string[]>();
  for (const id of ids) {
    under.set(id, [...(under.get(id) ?? []), id]);
    for (const g of ancestorGroups(id)) {
      const list = under.get(g);
      if (list) list.push(id);
      else under.set(g, [id]);
    }
  }
  return (on) => under.get(on) ?? [];
}

/**
 * Dependency depth of each app among `apps` (0: depends on nothing there), following
 * the apps' own dependencies and their groups' (`groupDeps`). Dependencies naming
 * nothing in `apps` are left out (as Marathon). Throws a 422 on a cycle, naming the app
 * or group whose dependency closes it.
 */
export function dependencyLevels(apps: ReadonlyMap<string, AppDefinition>, groupDeps: ReadonlyMap<string, readonly string[]> = new Map()): Map<string, number> {
  const ids = [...apps.keys()];
  const targetsOf = targetIndex(ids);
  const levels = new Map<string, number>();
  const visiting = new Set<string>();
  const visit = (id: string, via: Dependency | undefined): number => {
    const known = levels.get(id);
    if (known !== undefined) return known;
    if (visiting.has(id)) {
      const where = via && via.declaredBy !== id ? ` (the dependency on ${via.on} of ${via.declaredBy})` : '';
      throw ValidationError.of('/dependencies', `the dependency graph has a cycle through ${id}${where}`);
    }
    visiting.add(id);
    const app = apps.get(id);
    let level = 0;
    for (const dep of app ? dependenciesOf(app, groupDeps) : []) {
      for (const other of targetsOf(dep.on)) level = Math.max(level, visit(other, dep) + 1);
    }
    visiting.delete(id);
    levels.set(id, level);
    return level;
  };
  for (const id of ids) visit(id, undefined);
  return levels;
}

/**
 * The dependencies among `declared` (declarer -> absolute ids) that name no app and no
 * group (stored or holding an app) after the change. Marathon accepts them and they order
 * nothing; the scheduler logs them.
 */
export function unknownDependencies(
  declared: Iterable<readonly [string, readonly string[]]>,
  apps: ReadonlyMap<string, AppDefinition>,
  groups: Iterable<GroupRecord>,
): Dependency[] {
  const known = new Set<string>(apps.keys());
  for (const id of apps.keys()) for (const g of ancestorGroups(id)) known.add(g);
  for (const g of groups) {
    known.add(g.id);
    for (const a of ancestorGroups(g.id)) known.add(a);
  }
  const out: Dependency[] = [];
  for (const [declaredBy, deps] of declared) for (const on of deps) if (!known.has(on)) out.push({ on, declaredBy });
  return out;
}

/** Group id -> dependencies, of the stored groups. */
export function groupDependencies(groups: Iterable<GroupRecord>): Map<string, readonly string[]> {
  const out = new Map<string, readonly string[]>();
  for (const g of groups) if (g.dependencies.length > 0) out.set(g.id, g.dependencies);
  return out;
}

/**
 * Dependency depths over every app before and after a change (`targets`: app id ->
 * definition, undefined: removed; groups as they stand before and after). A cycle
 * after the change is a 422 and nothing changes; one already stored before (left by an
 * older version, which checked only the changed apps) orders nothing.
 */
export function levelsOfChange(
  apps: ReadonlyMap<string, AppDefinition>,
  targets: ReadonlyMap<string, AppDefinition | undefined>,
  groupsBefore: Iterable<GroupRecord>,
  groupsAfter: Iterable<GroupRecord>,
): { before: Map<string, number>; after: Map<string, number>; appsAfter: Map<string, AppDefinition> } {
  const appsAfter = new Map(apps);
  for (const [id, next] of targets) {
    if (next) appsAfter.set(id, next);
    else appsAfter.delete(id);
  }
  const after = dependencyLevels(appsAfter, groupDependencies(groupsAfter));
  let before: Map<string, number>;
  try {
    before = dependencyLevels(apps, groupDependencies(groupsBefore));
  } catch {
    before = new Map();
  }
  return { before, after, appsAfter };
}
