import type { AppDefinition } from '../app/app-definition.js';
import { hasHealthChecks } from '../app/health-check-mapping.js';
import { converge } from './converge.js';
import { effectiveTarget } from './effective-target.js';
import { checkInstanceTransition, type Instance } from './instance.js';
import { instanceEventFields } from './instance-events.js';
import { readinessTargets } from './readiness-gate.js';
import { readyFn } from './readiness-sync.js';
import type { SchedulerContext } from './scheduler-context.js';
import { newInstanceId } from './task-ids.js';
import type { TaskKills } from './task-kills.js';
import { countable, planReplacements } from './unhealthy-replacement.js';

/**
 * Brings each app's instances toward its effective target: expires unreachable ones,
 * replaces unhealthy ones, schedules what is missing and decommissions the surplus.
 */
export class AppConvergence {
  constructor(
    private readonly ctx: SchedulerContext,
    private readonly kills: TaskKills,
  ) {}

  /** One pass over every app: those defined, those with instances, those in deployments. */
  async convergeAll(now: number): Promise<void> {
    const { repo } = this.ctx;
    const appIds = new Set([...repo.apps.keys(), ...repo.appIdsWithInstances()]);
    for (const d of repo.deployments.values()) for (const a of d.affectedApps) appIds.add(a);
    const gated = readinessTargets(repo.deployments.values());
    for (const appId of appIds) {
      const target = effectiveTarget(repo, appId);
      await this.expireUnreachable(target, appId, now);
      if (target) await this.replaceUnhealthy(target, now);
      const gate = gated.get(appId);
      const decision = converge(
        target,
        countable(repo.instancesOf(appId)),
        target ? hasHealthChecks(target) : false,
        gate ? readyFn(this.ctx, gate) : undefined,
      );
      for (const i of decision.decommission) await this.kills.decommission(i);
      // Written together: one fsync for the lot.
      if (target && decision.schedule > 0) await Promise.all(Array.from({ length: decision.schedule }, () => this.scheduleInstance(target)));
    }
  }

  private async expireUnreachable(app: AppDefinition | undefined, appId: string, now: number): Promise<void> {
    const strategy = app?.unreachableStrategy ?? { inactiveAfterSeconds: 300, expungeAfterSeconds: 600 };
    if (strategy === 'disabled') return;
    for (const i of this.ctx.repo.instancesOf(appId)) {
      if (i.unreachableSince === undefined) continue;
      const gone = now - i.unreachableSince;
      if (i.condition === 'Unreachable' && gone >= strategy.inactiveAfterSeconds * 1000) {
        await this.setCondition(i, 'UnreachableInactive');
      } else if (i.condition === 'UnreachableInactive' && gone >= strategy.expungeAfterSeconds * 1000) {
        if (i.taskId) await this.kills.sendKill(i.taskId, i.agentId, app?.taskKillGracePeriodSeconds);
        await this.ctx.repo.deleteInstance(i);
        this.ctx.events.emit('instance_changed_event', instanceEventFields(i, 'Gone'));
      }
    }
  }

  private async setCondition(i: Instance, condition: Instance['condition']): Promise<void> {
    await this.ctx.repo.putInstance({ ...i, condition: checkInstanceTransition(i.condition, condition), since: new Date().toISOString() });
    this.ctx.events.emit('instance_changed_event', instanceEventFields(i, condition));
  }

  private async scheduleInstance(app: AppDefinition, replaces?: string): Promise<void> {
    const now = new Date().toISOString();
    const instance: Instance = {
      instanceId: newInstanceId(),
      appId: app.id,
      configVersion: app.versionInfo.lastConfigChangeAt,
      appVersion: app.version,
      goal: 'Running',
      condition: 'Scheduled',
      since: now,
      incarnation: 0,
      ports: [],
      healthChecked: hasHealthChecks(app),
      createdAt: now,
      ...(replaces ? { replaces } : {}),
    };
    await this.ctx.repo.putInstance(instance);
    this.ctx.events.emit('instance_changed_event', instanceEventFields(instance, 'Scheduled'));
  }

  /** Starts replacements for instances that failed their health checks, and kills those replaced (see unhealthy-replacement.ts). */
  private async replaceUnhealthy(app: AppDefinition, now: number): Promise<void> {
    const { repo, log } = this.ctx;
    const plan = planReplacements(app, repo.instancesOf(app.id), now);
    for (const r of plan.drop) {
      log.info({ appId: app.id, instanceId: r.instanceId, replaces: r.replaces }, 'the instance recovered: its replacement, not launched yet, is dropped');
      await repo.deleteInstance(r);
    }
    for (const r of plan.release) {
      const { replaces: _, ...rest } = r;
      await repo.putInstance(rest);
    }
    for (const { instance: x, reason } of plan.kill) {
      log.info({ appId: app.id, instanceId: x.instanceId, taskId: x.taskId, reason }, 'killing an instance that failed its health checks');
      this.ctx.events.emit('unhealthy_instance_kill_event', {
        appId: x.appId,
        taskId: x.taskId ?? '',
        instanceId: x.instanceId,
        version: x.appVersion,
        reason,
        host: x.hostname ?? '',
        slaveId: x.agentId ?? '',
      });
      await this.kills.decommission(x);
    }
    for (const x of plan.replace)
      log.info({ appId: app.id, instanceId: x.instanceId, taskId: x.taskId }, 'the instance failed its health checks: starting a replacement first');
    // Written together: one fsync for the lot.
    await Promise.all(plan.replace.map((x) => this.scheduleInstance(app, x.instanceId)));
  }
}
