import { Code, TandemError } from '@tandem/protocol';
import type { Store } from '@tandem/store';
import type { AppDefinition } from '../app/app-definition.js';
import { AppVersions } from './app-versions.js';
import type { Deployment } from './deployment.js';
import { fromDeploymentRecord, type StoredDeployment } from './deployment-record.js';
import type { GroupRecord } from './group-record.js';
import type { RootVersion } from './group-versions.js';
import type { Instance } from './instance.js';
import { type CurrentVersion, planChange, type StateChange } from './state-change.js';
import { keys } from './store-keys.js';

const isCurrentVersion = (v: AppDefinition | CurrentVersion): v is CurrentVersion => typeof (v as Partial<CurrentVersion>).current === 'string';

/**
 * The framework's state: in memory for reads, written through to the Store (durable
 * once a write returns) before anything acts on it. Each app version is written once
 * (`apps/version/<id>/<version>`); the app's current version (`apps/app/<id>`: an older
 * Tandem kept a whole copy there, which still loads), root versions and deployments
 * refer to versions by (id, version) and never hold a definition.
 */
export class AppsRepository {
  readonly apps = new Map<string, AppDefinition>();
  readonly deployments = new Map<string, Deployment>();
  readonly instances = new Map<string, Instance>();
  /** Groups that exist on their own (created through /v2/groups), by id; the others exist through their apps. */
  readonly groups = new Map<string, GroupRecord>();
  /** The root group's versions kept (at most maxVersions), oldest first. */
  readonly roots: RootVersion[] = [];
  private readonly byApp = new Map<string, Map<string, Instance>>();
  private readonly byTask = new Map<string, Instance>();
  private stored = new AppVersions();
  frameworkId: string | undefined;

  constructor(
    private readonly store: Store,
    private readonly maxVersions: number,
  ) {}

  async load(): Promise<void> {
    this.frameworkId = (await this.store.get<string>(keys.frameworkId))?.value;
    for (const e of await this.store.list<AppDefinition>(keys.versions)) this.stored.add(e.value.id, e.value.version);
    for (const e of await this.store.list<AppDefinition | CurrentVersion>(keys.apps)) {
      const app = isCurrentVersion(e.value) ? await this.version(e.value.id, e.value.current) : e.value;
      if (!app) throw new TandemError(Code.Internal, `${e.key} names version ${(e.value as CurrentVersion).current}, which is not stored`);
      this.apps.set(app.id, app);
    }
    for (const e of await this.store.list<GroupRecord>(keys.groups)) this.groups.set(e.value.id, e.value);
    for (const e of await this.store.list<StoredDeployment>(keys.deployments)) {
      const d = await fromDeploymentRecord(e.value, (id, v) => (this.apps.get(id)?.version === v ? Promise.resolve(this.apps.get(id)) : this.version(id, v)));
      this.deployments.set(d.id, d);
    }
    for (const e of await this.store.list<Instance>(keys.instances)) this.index(e.value);
    for (const e of await this.store.list<RootVersion>(keys.roots)) this.roots.push(e.value);
  }

  /**
   * Writes one change of apps, groups, deployments and the root as one batch: every
   * write is issued in the same turn of the event loop, which the store makes durable
   * together or not at all (a failed batch is undone and rejected). Only once it is
   * durable does the in-memory state change; a failure changes nothing here.
   */
  async commit(change: StateChange): Promise<void> {
    const { writes, after } = planChange(
      { apps: this.apps, groups: this.groups, deployments: this.deployments, roots: this.roots, stored: this.stored },
      change,
      this.maxVersions,
    );
    const results = await Promise.allSettled(writes.map((w) => (w.value === undefined ? this.store.delete(w.key) : this.store.put(w.key, w.value))));
    const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
    if (failed) throw failed.reason;
    replace(this.apps, after.apps);
    replace(this.groups, after.groups);
    replace(this.deployments, after.deployments);
    this.roots.splice(0, this.roots.length, ...after.roots);
    this.stored = after.stored;
  }

  /** Makes `app` the app's current version (its definition written unless stored already). */
  putApp(app: AppDefinition): Promise<void> {
    return this.commit({ apps: new Map([[app.id, app]]) });
  }

  /** Removes the app; its versions go too, but those a kept root version or a running deployment refers to (they go with that root). */
  deleteApp(id: string): Promise<void> {
    return this.commit({ apps: new Map([[id, undefined]]) });
  }

  putGroup(g: GroupRecord): Promise<void> {
    return this.commit({ groups: { put: [g], remove: [] } });
  }

  deleteGroup(id: string): Promise<void> {
    return this.commit({ groups: { put: [], remove: [id] } });
  }

  /**
   * Records the root group as the apps stand now, as version `version`. Keeps the last
   * maxVersions roots; a dropped root takes with it the versions of deleted apps that
   * nothing kept refers to.
   */
  async recordRoot(version: string): Promise<RootVersion> {
    await this.commit({ rootVersion: version });
    return this.roots.at(-1)!;
  }

  /** A kept root version. */
  root(version: string): RootVersion | undefined {
    return this.roots.find((r) => r.version === version);
  }

  /** The app's stored versions, newest first. */
  async versions(id: string): Promise<string[]> {
    return [...this.stored.of(id)].reverse();
  }

  async version(id: string, version: string): Promise<AppDefinition | undefined> {
    if (!this.stored.has(id, version)) return undefined;
    return (await this.store.get<AppDefinition>(keys.version(id, version)))?.value;
  }

  /** Writes the deployment (as versions, each written first unless stored already). */
  putDeployment(d: Deployment): Promise<void> {
    return this.commit({ deployment: d });
  }

  /** Removes an ended deployment; the versions only it kept (of deleted apps no kept root refers to) go too. */
  deleteDeployment(id: string): Promise<void> {
    return this.commit({ endedDeployment: id });
  }

  async setFrameworkId(id: string): Promise<void> {
    if (this.frameworkId === id) return;
    await this.store.put(keys.frameworkId, id);
    this.frameworkId = id;
  }

  /**
   * Writes an instance (a copy of it); the in-memory view changes at once, the promise
   * resolves once it is durable — before the caller launches, kills or acknowledges.
   * Writes issued together share the store's fsync (group commit), and a durable write
   * means every earlier one is durable too.
   */
  async putInstance(i: Instance): Promise<void> {
    const durable = this.store.put(keys.instance(i.instanceId), i);
    this.index(i);
    await durable;
  }

  async deleteInstance(i: Instance): Promise<void> {
    const durable = this.store.delete(keys.instance(i.instanceId));
    this.unindex(i);
    await durable;
  }

  private unindex(i: Instance): void {
    this.instances.delete(i.instanceId);
    this.byApp.get(i.appId)?.delete(i.instanceId);
    if (this.byApp.get(i.appId)?.size === 0) this.byApp.delete(i.appId);
    if (i.taskId) this.byTask.delete(i.taskId);
  }

  instancesOf(appId: string): Instance[] {
    return [...(this.byApp.get(appId)?.values() ?? [])];
  }

  /** The instance whose current task this is. */
  byTaskId(taskId: string): Instance | undefined {
    const i = this.byTask.get(taskId);
    return i?.taskId === taskId ? i : undefined;
  }

  appIdsWithInstances(): string[] {
    return [...this.byApp.keys()];
  }

  private index(i: Instance): void {
    const prev = this.instances.get(i.instanceId);
    if (prev?.taskId && prev.taskId !== i.taskId) this.byTask.delete(prev.taskId);
    this.instances.set(i.instanceId, i);
    let m = this.byApp.get(i.appId);
    if (!m) {
      m = new Map();
      this.byApp.set(i.appId, m);
    }
    m.set(i.instanceId, i);
    if (i.taskId) this.byTask.set(i.taskId, i);
  }
}

function replace<K, V>(target: Map<K, V>, source: ReadonlyMap<K, V>): void {
  target.clear();
  for (const [k, v] of source) target.set(k, v);
}
