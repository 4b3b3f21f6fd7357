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
}

/** The groups holding an app, outermost first: `/a/b/c` -> `/`, `/a`, `/a/b`. */
export function ancestorGroups(appId: string): string[] {
  const out: string[] = [];
  for (let g = parentGroup(appId); ; g = parentGroup(g)) {
    out.unshift(g);
    if (g === '/') return out;
  }
}

/**
 * The root after a change to `version` that left `apps`: the root and every group
 * holding an app that was added, removed or given a new version take `version`; the
 * other groups keep the version they had in `prev`.
 */
export function nextRoot(prev: RootVersion | undefined, apps: Record<string, string>, version: string): RootVersion {
  const changed = new Set<string>();
  for (const id of new Set([...Object.keys(apps), ...Object.keys(prev?.apps ?? {})])) {
    if (apps[id] !== prev?.apps[id]) for (const g of ancestorGroups(id)) changed.add(g);
  }
  const groups: Record<string, string> = { '/': version };
  for (const id of Object.keys(apps).sort()) {
    for (const g of ancestorGroups(id)) {
      if (g in groups) continue;
      const before = prev?.groups[g];
      groups[g] = changed.has(g) || before === undefined ? version : before;
    }
  }
  return { version, apps, groups };
}

/** True when the group existed in that root (the root always does). */
export function hasGroup(root: RootVersion, groupId: string): boolean {
  return groupId === '/' || groupId in root.groups;
}
