import { Code, TandemError, ValidationError } from '@tandem/protocol';
import { type AppDefinition, isConfigChange } from '../app/app-definition.js';
import { AppLockedError } from './app-locked-error.js';
import { levelsOfChange, unknownDependencies } from './dependency-graph.js';
import { checkDeploymentTransition, type Deployment } from './deployment.js';
import { currentStepJson, planJson } from './deployment-json.js';
import { type AppChange, planSteps } from './deployment-plan.js';
import type { GroupChange } from './group-record.js';
import { syncReadiness } from './readiness-sync.js';
import type { SchedulerContext } from './scheduler-context.js';
import { assignServicePorts } from './service-ports.js';
import { stampApp, type VersionClock } from './version-clock.js';

/** True when `next` is `prev` again: the same config and instance count (or both absent). */
function isUnchanged(prev: AppDefinition | undefined, next: AppDefinition | undefined): boolean {
  if (!prev || !next) return prev === next;
  return prev.instances === next.instances && !isConfigChange(prev, next);
}

/** Starts and ends deployments: the API's changes become plans, written before anything acts on them. */
export class DeploymentRunner {
  constructor(
    private readonly ctx: SchedulerContext,
    private readonly versions: VersionClock,
  ) {}

  lockingDeployments(appIds: Iterable<string>): Deployment[] {
    const ids = new Set(appIds);
    return [...this.ctx.repo.deployments.values()].filter((d) => d.state === 'running' && d.affectedApps.some((a) => ids.has(a)));
  }

  /**
   * Starts a deployment that moves each app in `targets` to its definition (undefined:
   * remove it). Conflicts with running deployments fail with AppLockedError unless
   * `force`, which cancels them. Apps, versions and the deployment are durable when it returns.
   */
  deploy(
    targets: ReadonlyMap<string, AppDefinition | undefined>,
    options: { force: boolean; rollbackOf?: string; restart?: boolean; groups?: GroupChange; onlyChanged?: boolean },
  ): Promise<Deployment> {
    const { repo, events } = this.ctx;
    return this.ctx.serial(async () => {
      // Service ports for `port: 0` before anything changes (a used-up range is a 422).
      const assigned = assignServicePorts(repo.apps, targets, { min: this.ctx.options.localPortMin, max: this.ctx.options.localPortMax });
      // A group change leaves the apps it does not change alone, as Marathon: no new version, no step.
      const withPorts = options.onlyChanged ? new Map([...assigned].filter(([id, next]) => !isUnchanged(repo.apps.get(id), next))) : assigned;
      const locking = this.lockingDeployments(withPorts.keys());
      if (locking.length > 0 && !options.force) throw new AppLockedError(locking.map((d) => d.id));
      // Groups and the dependency order (a cycle is a 422) before anything changes too.
      const groupsAfter = new Map(repo.groups);
      for (const id of options.groups?.remove ?? []) groupsAfter.delete(id);
      for (const g of options.groups?.put ?? []) groupsAfter.set(g.id, g);
      for (const [id, next] of withPorts) {
        if (next && groupsAfter.has(id)) throw ValidationError.of('/id', `An app may not have the same id as a group: ${id}`);
      }
      const levels = levelsOfChange(repo.apps, withPorts, repo.groups.values(), groupsAfter.values());
      for (const g of options.groups?.put ?? []) {
        if (levels.appsAfter.has(g.id)) throw ValidationError.of('/id', `A group may not have the same id as an app: ${g.id}`);
      }
      const declared = [
        ...[...withPorts.values()].flatMap((a): [string, string[]][] => (a ? [[a.id, a.dependencies]] : [])),
        ...(options.groups?.put ?? []).map((g): [string, string[]] => [g.id, g.dependencies]),
      ];
      for (const d of unknownDependencies(declared, levels.appsAfter, groupsAfter.values())) {
        this.ctx.log.warn(
          { dependency: d.on, declaredBy: d.declaredBy },
          'a dependency names no app or group (accepted, as Marathon): it orders nothing until one exists',
        );
      }
      for (const d of locking) await this.endDeployment(d, 'cancelled', 'cancelled by a forced change');
      const version = this.versions.next();
      const changes = new Map<string, AppChange>();
      for (const [id, next] of withPorts) {
        const prev = repo.apps.get(id);
        let to = next ? stampApp(prev, next, version) : undefined;
        // A rollback returns to a config whose instances may still run: they must count as current.
        if (to && next && options.rollbackOf) to = { ...to, versionInfo: { ...to.versionInfo, lastConfigChangeAt: next.versionInfo.lastConfigChangeAt } };
        if (to && options.restart) to = { ...to, versionInfo: { lastConfigChangeAt: version, lastScalingAt: version } };
        changes.set(id, { from: prev, to, restart: options.restart ?? false });
      }
      const steps = planSteps(changes, levels);
      const touchedGroups = [...new Set([...(options.groups?.remove ?? []), ...(options.groups?.put ?? []).map((g) => g.id)])];
      const now = Date.now();
      const timeouts = [...changes.values()]
        .map((c) => c.to?.upgradeStrategy.deploymentTimeoutSeconds ?? this.ctx.options.deploymentTimeoutSeconds)
        .filter((s) => s > 0);
      const deployment: Deployment = {
        id: crypto.randomUUID(),
        version,
        affectedApps: [...changes.keys()].sort(),
        steps,
        currentStep: 0,
        state: 'running',
        original: Object.fromEntries([...changes].map(([id, c]) => [id, c.from ?? null])),
        target: Object.fromEntries([...changes].map(([id, c]) => [id, c.to ?? null])),
        startedAt: now,
        ...(timeouts.length > 0 && !options.rollbackOf ? { timeoutAt: now + Math.min(...timeouts) * 1000 } : {}),
        ...(options.rollbackOf ? { rollbackOf: options.rollbackOf } : {}),
        ...(touchedGroups.length > 0 ? { originalGroups: Object.fromEntries(touchedGroups.map((id) => [id, repo.groups.get(id) ?? null])) } : {}),
      };
      // One batch, all or nothing: the versions written (each once), the deployment, the
      // apps, the groups and the root. A failed write leaves the apps as they were and the
      // request fails; a crash keeps a prefix in that order (a plan that still completes).
      await repo.commit({
        deployment,
        apps: new Map([...changes].map(([id, c]) => [id, c.to])),
        ...(options.groups ? { groups: options.groups } : {}),
        rootVersion: version,
      });
      for (const [id, c] of changes) {
        if (!c.from || !c.to || c.restart || isConfigChange(c.from, c.to)) this.ctx.delays.reset(id);
      }
      events.emit('group_change_success', { groupId: '/', version });
      events.emit('deployment_info', { plan: planJson(deployment), currentStep: currentStepJson(deployment) });
      this.ctx.queueTick();
      return deployment;
    });
  }

  /** DELETE /v2/deployments/{id}: a rollback deployment, or with `force` just stop it. */
  async cancelDeployment(id: string, force: boolean): Promise<Deployment | undefined> {
    const d = this.ctx.repo.deployments.get(id);
    if (!d) throw new TandemError(Code.NotFound, `DeploymentPlan ${id} does not exist`);
    if (force) {
      await this.ctx.serial(() => this.endDeployment(d, 'cancelled', 'stopped with force=true'));
      return undefined;
    }
    return this.rollback(d, 'cancelled', 'rolled back on request');
  }

  async rollback(d: Deployment, state: 'cancelled' | 'failed', reason: string): Promise<Deployment> {
    await this.ctx.serial(() => this.endDeployment(d, state, reason));
    const targets = new Map<string, AppDefinition | undefined>(Object.entries(d.original).map(([id, def]) => [id, def ?? undefined]));
    const groups = Object.entries(d.originalGroups ?? {});
    const restore: GroupChange = { put: groups.flatMap(([, g]) => (g ? [g] : [])), remove: groups.filter(([, g]) => !g).map(([id]) => id) };
    return this.deploy(targets, { force: true, rollbackOf: d.id, ...(groups.length > 0 ? { groups: restore } : {}) });
  }

  async endDeployment(d: Deployment, state: 'succeeded' | 'failed' | 'cancelled', reason?: string): Promise<void> {
    if (d.state !== 'running') return;
    d.state = checkDeploymentTransition(d.state, state);
    await this.ctx.repo.deleteDeployment(d.id);
    this.ctx.metrics.deploymentResults.inc({ result: state });
    if (state === 'succeeded') this.ctx.events.emit('deployment_success', { id: d.id, plan: planJson(d) });
    else this.ctx.events.emit('deployment_failed', { id: d.id, plan: planJson(d), reason: reason ?? state });
    this.ctx.log.info({ deploymentId: d.id, state, reason }, 'deployment ended');
    syncReadiness(this.ctx);
  }
}
