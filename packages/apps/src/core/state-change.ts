import type { AppDefinition } from '../app/app-definition.js';
import type { AppVersions } from './app-versions.js';
import type { Deployment } from './deployment.js';
import { toDeploymentRecord, versionRefs } from './deployment-record.js';
import type { GroupChange, GroupRecord } from './group-record.js';
import { nextRoot, type RootVersion } from './group-versions.js';
import { keys } from './store-keys.js';

/** `apps/app/<id>`: which stored version is the app now (the definition lives once, under `apps/version/<id>/<version>`). */
export interface CurrentVersion {
  id: string;
  current: string;
}

/** One change of the apps' state, written as one batch (see AppsRepository.commit). */
export interface StateChange {
  /** A deployment written (new, or stepped on). */
  deployment?: Deployment;
  /** A deployment that ended: its record goes, and the versions only it kept. */
  endedDeployment?: string;
  /** Apps given a new version, or removed (undefined). */
  apps?: ReadonlyMap<string, AppDefinition | undefined>;
  groups?: GroupChange;
  /** Record the root group as it stands after the change, as this version. */
  rootVersion?: string;
}

/** The state a change is planned against and yields. */
export interface AppsState {
  apps: Map<string, AppDefinition>;
  groups: Map<string, GroupRecord>;
  deployments: Map<string, Deployment>;
  roots: RootVersion[];
  stored: AppVersions;
}

/** A write of the plan: a value, or a delete (undefined). */
export interface PlannedWrite {
  key: string;
  value?: unknown;
}

const refersTo = (d: Deployment, id: string, version: string): boolean => d.original[id]?.version === version || d.target[id]?.version === version;

/**
 * The writes of `change` against `before`, in an order whose every prefix is a
 * consistent store (what a crash in the middle of the batch leaves): the versions the
 * change refers to, the deployment, the apps' pointers, the groups, the root, and only
 * then the versions and roots no longer kept. And the state after it. A version is
 * written once: one already stored is not written again.
 */
export function planChange(before: AppsState, change: StateChange, maxVersions: number): { writes: PlannedWrite[]; after: AppsState } {
  const after: AppsState = {
    apps: new Map(before.apps),
    groups: new Map(before.groups),
    deployments: new Map(before.deployments),
    roots: [...before.roots],
    stored: before.stored.copy(),
  };
  const puts: PlannedWrite[] = [];
  const deletes = new Map<string, PlannedWrite>();
  const putVersion = (app: AppDefinition): void => {
    if (after.stored.has(app.id, app.version)) return;
    puts.push({ key: keys.version(app.id, app.version), value: app });
    after.stored.add(app.id, app.version);
  };
  const dropVersion = (id: string, version: string): void => {
    if (!after.stored.has(id, version)) return;
    deletes.set(keys.version(id, version), { key: keys.version(id, version) });
    after.stored.remove(id, version);
  };
  const inDeployment = (id: string, version: string): boolean => [...after.deployments.values()].some((d) => refersTo(d, id, version));
  const referenced = (id: string, version: string): boolean =>
    after.apps.get(id)?.version === version || after.roots.some((r) => r.apps[id] === version) || inDeployment(id, version);

  const ended = change.endedDeployment !== undefined ? after.deployments.get(change.endedDeployment) : undefined;
  if (change.endedDeployment !== undefined && after.deployments.delete(change.endedDeployment)) {
    deletes.set(keys.deployment(change.endedDeployment), { key: keys.deployment(change.endedDeployment) });
  }
  for (const app of change.apps?.values() ?? []) if (app) putVersion(app);
  if (change.deployment) {
    for (const [id, version] of versionRefs(change.deployment)) {
      const app = change.deployment.original[id]?.version === version ? change.deployment.original[id] : change.deployment.target[id];
      if (app) putVersion(app);
    }
    puts.push({ key: keys.deployment(change.deployment.id), value: toDeploymentRecord(change.deployment) });
    after.deployments.set(change.deployment.id, change.deployment);
  }
  for (const [id, app] of change.apps ?? []) {
    if (app) {
      puts.push({ key: keys.app(id), value: { id, current: app.version } satisfies CurrentVersion });
      after.apps.set(id, app);
    } else if (after.apps.delete(id)) {
      deletes.set(keys.app(id), { key: keys.app(id) });
    }
  }
  for (const id of change.groups?.remove ?? []) {
    if (after.groups.delete(id)) deletes.set(keys.group(id), { key: keys.group(id) });
  }
  for (const g of change.groups?.put ?? []) {
    puts.push({ key: keys.group(g.id), value: g });
    deletes.delete(keys.group(g.id));
    after.groups.set(g.id, g);
  }
  const dropped: RootVersion[] = [];
  if (change.rootVersion !== undefined) {
    const apps = Object.fromEntries([...after.apps.values()].map((a) => [a.id, a.version]));
    const stored = Object.fromEntries([...after.groups.values()].map((g) => [g.id, g.dependencies]));
    const root = nextRoot(after.roots.at(-1), apps, change.rootVersion, stored);
    puts.push({ key: keys.root(root.version), value: root });
    after.roots.push(root);
    dropped.push(...after.roots.splice(0, Math.max(0, after.roots.length - maxVersions)));
    for (const r of dropped) deletes.set(keys.root(r.version), { key: keys.root(r.version) });
  }
  // What is no longer kept: versions past maxVersions of a changed app (never its current
  // one or one a running deployment refers to); every version of a removed app that no
  // kept root or deployment refers to; versions of removed apps only a dropped root or
  // the ended deployment referred to.
  for (const [id, app] of change.apps ?? []) {
    const versions = after.stored.of(id);
    const old = app
      ? versions.slice(0, Math.max(0, versions.length - maxVersions)).filter((v) => v !== app.version && !inDeployment(id, v))
      : versions.filter((v) => !referenced(id, v));
    for (const v of old) dropVersion(id, v);
  }
  const orphans = [...dropped.flatMap((r) => Object.entries(r.apps)), ...(ended ? versionRefs(ended) : [])];
  for (const [id, v] of orphans) if (!after.apps.has(id) && !referenced(id, v)) dropVersion(id, v);
  return { writes: [...puts, ...deletes.values()], after };
}
