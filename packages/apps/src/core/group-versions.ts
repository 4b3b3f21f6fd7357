import { parentGroup } from '../app/path-id.js';

/**
 * One version of the root group, recorded at every change (Marathon stores every root
 * version): which version of each app it held, and each group's version then. A group's
 * version is the version of the last change to anything inside it.
 */
export interface RootVersion {
  version: string;
  /** App id -> the app's version in this root. */
  apps: Record<string, string>;
  /** Group id (`/` included) -> the group's version in this root. */
  groups: Record<string, string>;
  /**
   * Groups that exist on their own (created through /v2/groups, empty or not) -> their
   * dependencies (absolute). Absent in roots recorded before groups were stored.
   */
  stored?: Record<string, string[]>;
}

/** The groups holding an app, outermost first: `/a/b/c` -> `/`, `/a`, `/a/b`. */
export function ancestorGroups(appId: string): string[] {
  const out: string[] = [];
  for (let g = parentGroup(appId); ; g = parentGroup(g)) {
    out.unshift(g);
    if (g === '/') return out;
  }
}

const sameList = (a: readonly string[] | undefined, b: readonly string[] | undefined): boolean =>
  a !== undefined && b !== undefined && a.length === b.length && a.every((x, i) => x === b[i]);

/**
 * The root after a change to `version` that left `apps` and the stored groups `stored`
 * (group id -> dependencies): the root and every group holding an app that was added,
 * removed or given a new version, and every stored group added, removed or given new
 * dependencies (with the groups holding it) take `version`; the other groups keep the
 * version they had in `prev`.
 */
export function nextRoot(prev: RootVersion | undefined, apps: Record<string, string>, version: string, stored: Record<string, string[]> = {}): RootVersion {
  const changed = new Set<string>();
  for (const id of new Set([...Object.keys(apps), ...Object.keys(prev?.apps ?? {})])) {
    if (apps[id] !== prev?.apps[id]) for (const g of ancestorGroups(id)) changed.add(g);
  }
  const before = prev?.stored ?? {};
  for (const id of new Set([...Object.keys(stored), ...Object.keys(before)])) {
    if (sameList(stored[id], before[id])) continue;
    changed.add(id);
    for (const g of ancestorGroups(id)) changed.add(g);
  }
  const groups: Record<string, string> = { '/': version };
  const ids = [...Object.keys(apps).flatMap((id) => ancestorGroups(id)), ...Object.keys(stored).flatMap((id) => [...ancestorGroups(id), id])];
  for (const g of ids.sort()) {
    if (g in groups) continue;
    const was = prev?.groups[g];
    groups[g] = changed.has(g) || was === undefined ? version : was;
  }
  return { version, apps, groups, ...(Object.keys(stored).length > 0 ? { stored } : {}) };
}

/** True when the group existed in that root (the root always does). */
export function hasGroup(root: RootVersion, groupId: string): boolean {
  return groupId === '/' || groupId in root.groups;
}
