import type { Store } from '@tandem/store';
import type { AppDefinition } from '../app/app-definition.js';
import type { Deployment } from './deployment.js';
import type { GroupRecord } from './group-record.js';
import { nextRoot, type RootVersion } from './group-versions.js';
import type { Instance } from './instance.js';
import { keys } from './store-keys.js';

/**
 * The framework's state: in memory for reads, written through to the Store (durable
 * once a write returns) before anything acts on it.
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
  frameworkId: string | undefined;

  constructor(
    private readonly store: Store,
    private readonly maxVersions: number,
  ) {}

  async load(): Promise<void> {
    this.frameworkId = (await this.store.get<string>(keys.frameworkId))?.value;
    for (const e of await this.store.list<AppDefinition>(keys.apps)) this.apps.set(e.value.id, e.value);
    for (const e of await this.store.list<GroupRecord>(keys.groups)) this.groups.set(e.value.id, e.value);
    for (const e of await this.store.list<Deployment>(keys.deployments)) this.deployments.set(e.value.id, e.value);
    for (const e of await this.store.list<Instance>(keys.instances)) this.index(e.value);
    for (const e of await this.store.list<RootVersion>(keys.roots)) this.roots.push(e.value);
  }

  async setFrameworkId(id: string): Promise<void> {
    if (this.frameworkId === id) return;
    await this.store.put(keys.frameworkId, id);
    this.frameworkId = id;
  }

  async putApp(app: AppDefinition): Promise<void> {
    await this.store.put(keys.version(app.id, app.version), app);
    await this.store.put(keys.app(app.id), app);
    this.apps.set(app.id, app);
    const versions = await this.store.list(keys.versionsOf(app.id));
    for (const old of versions.slice(0, Math.max(0, versions.length - this.maxVersions))) await this.store.delete(old.key);
  }

  /** Removes the app; its versions go too, but those a kept root version refers to (they go with that root). */
  async deleteApp(id: string): Promise<void> {
    await this.store.delete(keys.app(id));
    this.apps.delete(id);
    const referenced = new Set(this.roots.map((r) => r.apps[id]).filter((v) => v !== undefined));
    for (const v of await this.store.list(keys.versionsOf(id))) {
      if (!referenced.has(v.key.slice(keys.versionsOf(id).length))) await this.store.delete(v.key);
    }
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
        if (this.apps.has(appId) || this.roots.some((r) => r.apps[appId] === v)) continue;
        await this.store.delete(keys.version(appId, v));
      }
    }
    return root;
  }

  /** A kept root version. */
  root(version: string): RootVersion | undefined {
    return this.roots.find((r) => r.version === version);
  }

  async versions(id: string): Promise<string[]> {
    return (await this.store.list(keys.versionsOf(id))).map((e) => e.key.slice(keys.versionsOf(id).length)).reverse();
  }

  async version(id: string, version: string): Promise<AppDefinition | undefined> {
    return (await this.store.get<AppDefinition>(keys.version(id, version)))?.value;
  }

  async putDeployment(d: Deployment): Promise<void> {
    await this.store.put(keys.deployment(d.id), d);
    this.deployments.set(d.id, d);
  }

  async deleteDeployment(id: string): Promise<void> {
    await this.store.delete(keys.deployment(id));
    this.deployments.delete(id);
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
