import { Code, TandemError } from '@tandem/protocol';
import type { Store } from '@tandem/store';
import type { AppDefinition } from '../app/app-definition.js';
import { AppVersions } from './app-versions.js';
import type { Deployment } from './deployment.js';
import { fromDeploymentRecord, type StoredDeployment, toDeploymentRecord, versionRefs } from './deployment-record.js';
import type { GroupRecord } from './group-record.js';
import { nextRoot, type RootVersion } from './group-versions.js';
import type { Instance } from './instance.js';
import { keys } from './store-keys.js';

/**
 * `apps/app/<id>`: which stored version is the app now. The definition itself is stored
 * once, under `apps/version/<id>/<version>`; an older Tandem kept a whole copy here too
 * (such a record, an AppDefinition, still loads).
 */
interface CurrentVersion {
  id: string;
  current: string;
}

const isCurrentVersion = (v: AppDefinition | CurrentVersion): v is CurrentVersion => typeof (v as Partial<CurrentVersion>).current === 'string';

/**
 * The framework's state: in memory for reads, written through to the Store (durable
 * once a write returns) before anything acts on it. Each app version is written once
 * (`apps/version/<id>/<version>`); the app's current version, root versions and
 * deployments refer to versions by (id, version) and never hold a definition.
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
  private readonly stored = new AppVersions();
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

  async setFrameworkId(id: string): Promise<void> {
    if (this.frameworkId === id) return;
    await this.store.put(keys.frameworkId, id);
    this.frameworkId = id;
  }

  /**
   * Makes `app` the app's current version: its definition is written (once: not again
   * when a deployment already wrote it), then the pointer to it. Keeps the last
   * maxVersions versions, and always the current one and those a running deployment
   * refers to.
   */
  async putApp(app: AppDefinition): Promise<void> {
    await this.putVersion(app);
    await this.store.put<CurrentVersion>(keys.app(app.id), { id: app.id, current: app.version });
    this.apps.set(app.id, app);
    const versions = this.stored.of(app.id);
    for (const old of versions.slice(0, Math.max(0, versions.length - this.maxVersions))) {
      if (old !== app.version && !this.inDeployment(app.id, old)) await this.deleteVersion(app.id, old);
    }
  }

  /** Removes the app; its versions go too, but those a kept root version or a running deployment refers to (they go with that root). */
  async deleteApp(id: string): Promise<void> {
    await this.store.delete(keys.app(id));
    this.apps.delete(id);
    for (const v of this.stored.of(id)) {
      if (!this.referenced(id, v)) await this.deleteVersion(id, v);
    }
  }

  /** Writes a version's definition unless it is stored already (a version is written once). */
  private async putVersion(app: AppDefinition): Promise<void> {
    if (this.stored.has(app.id, app.version)) return;
    await this.store.put(keys.version(app.id, app.version), app);
    this.stored.add(app.id, app.version);
  }

  private async deleteVersion(id: string, version: string): Promise<void> {
    await this.store.delete(keys.version(id, version));
    this.stored.remove(id, version);
  }

  private inDeployment(id: string, version: string): boolean {
    for (const d of this.deployments.values()) if (d.original[id]?.version === version || d.target[id]?.version === version) return true;
    return false;
  }

  /** Kept: the app's current version, and versions a kept root or a running deployment refers to. */
  private referenced(id: string, version: string): boolean {
    return this.apps.get(id)?.version === version || this.roots.some((r) => r.apps[id] === version) || this.inDeployment(id, version);
  }

  async putGroup(g: GroupRecord): Promise<void> {
    await this.store.put(keys.group(g.id), g);
    this.groups.set(g.id, g);
  }

  async deleteGroup(id: string): Promise<void> {
    await this.store.delete(keys.group(id));
    this.groups.delete(id);
  }

  /**
   * Records the root group as the apps stand now, as version `version` (after every
   * change). Keeps the last maxVersions roots; a dropped root takes with it the versions
   * of deleted apps that no kept root refers to.
   */
  async recordRoot(version: string): Promise<RootVersion> {
    const apps = Object.fromEntries([...this.apps.values()].map((a) => [a.id, a.version]));
    const stored = Object.fromEntries([...this.groups.values()].map((g) => [g.id, g.dependencies]));
    const root = nextRoot(this.roots.at(-1), apps, version, stored);
    await this.store.put(keys.root(version), root);
    this.roots.push(root);
    while (this.roots.length > this.maxVersions) {
      const old = this.roots.shift()!;
      await this.store.delete(keys.root(old.version));
      for (const [appId, v] of Object.entries(old.apps)) {
        if (!this.apps.has(appId) && this.stored.has(appId, v) && !this.referenced(appId, v)) await this.deleteVersion(appId, v);
      }
    }
    return root;
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

  /**
   * Writes the deployment as versions, not definitions: each version it refers to is
   * written first unless stored already (a target's, before the app points to it), so
   * the record never refers to a version a crash could leave unwritten.
   */
  async putDeployment(d: Deployment): Promise<void> {
    for (const ref of [...Object.values(d.original), ...Object.values(d.target)]) if (ref) await this.putVersion(ref);
    await this.store.put(keys.deployment(d.id), toDeploymentRecord(d));
    this.deployments.set(d.id, d);
  }

  /** Removes an ended deployment; the versions only it kept (of deleted apps no kept root refers to) go too. */
  async deleteDeployment(id: string): Promise<void> {
    const d = this.deployments.get(id);
    await this.store.delete(keys.deployment(id));
    this.deployments.delete(id);
    for (const [appId, v] of d ? versionRefs(d) : []) {
      if (!this.apps.has(appId) && this.stored.has(appId, v) && !this.referenced(appId, v)) await this.deleteVersion(appId, v);
    }
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
