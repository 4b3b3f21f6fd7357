/**
 * A group that exists on its own, as Marathon's groups do: created through /v2/groups
 * (empty or not) and kept until the group is deleted, whatever happens to its apps.
 * Stored under `apps/group/<id>`. Groups only implied by app ids (`/a` of `/a/web`)
 * have none and exist while they hold an app.
 */
export interface GroupRecord {
  id: string;
  /** Apps or groups (absolute ids) every app in this group, at any depth, depends on. */
  dependencies: string[];
}

/** Stored groups a deployment writes (created or changed) and removes, with its apps. */
export interface GroupChange {
  put: GroupRecord[];
  remove: string[];
}
