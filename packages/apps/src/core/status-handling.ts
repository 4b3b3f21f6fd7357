import { isTerminal, type TaskStatus } from '@tandem/protocol';
import type { AppDefinition } from '../app/app-definition.js';
import { effectiveTarget } from './effective-target.js';
import { canTransitionInstance, checkInstanceTransition, conditionOf, type Instance, isTerminalCondition } from './instance.js';
import { instanceEventFields } from './instance-events.js';
import type { SchedulerContext } from './scheduler-context.js';
import type { TaskFailure } from './task-failure.js';
import { parseTaskId } from './task-ids.js';
import type { TaskKills } from './task-kills.js';
import { noteHealthReport } from './unhealthy-replacement.js';

/**
 * Applies status updates to instances: conditions, health, events; a task that ended is
 * rescheduled after its launch delay (or dropped when decommissioned); a task no
 * instance owns is killed.
 */
export class StatusHandling {
  /** The last task failure of each app (memory only). */
  readonly lastFailures = new Map<string, TaskFailure>();

  constructor(
    private readonly ctx: SchedulerContext,
    private readonly kills: TaskKills,
  ) {}

  /** Applies one status update; what it returns is durable when `written` resolves (undefined: already). */
  async handle(status: TaskStatus): Promise<{ written: Promise<void> } | undefined> {
    this.ctx.metrics.updates.inc({ state: status.state });
    const instance = this.ctx.repo.byTaskId(status.taskId);
    if (!instance) {
      // Not ours, or an older incarnation: it must not run.
      if (!isTerminal(status.state) && status.state !== 'TASK_UNKNOWN' && parseTaskId(status.taskId) !== undefined) {
        this.ctx.log.warn({ taskId: status.taskId, state: status.state }, 'killing a task no instance owns');
        await this.kills.sendKill(status.taskId, status.agentId || undefined, undefined);
      }
      return;
    }
    const at = new Date((status.timestamp || Date.now() / 1000) * 1000).toISOString();
    const app = this.ctx.repo.apps.get(instance.appId) ?? effectiveTarget(this.ctx.repo, instance.appId);
    let condition = conditionOf(status.state);
    if (condition === 'Unknown' && instance.condition !== 'Provisioned') condition = 'Unreachable';
    if (condition === instance.condition && !status.hasHealthy) return;
    if (!isTerminalCondition(condition) && !canTransitionInstance(instance.condition, condition)) {
      // An older update sent again (the agent resends what is unacknowledged, oldest
      // first; the master delivers it without applying it): acknowledged, not applied.
      this.ctx.log.debug({ taskId: status.taskId, from: instance.condition, to: condition }, "ignoring a status update older than the instance's condition");
      return;
    }
    this.ctx.events.emit('status_update_event', {
      slaveId: status.agentId,
      taskId: status.taskId,
      taskStatus: status.state,
      message: status.message,
      appId: instance.appId,
      host: instance.hostname ?? '',
      ipAddresses: [],
      ports: instance.ports,
      version: instance.appVersion,
    });
    if (isTerminalCondition(condition)) {
      await this.taskEnded(instance, condition, status, at, app);
      this.ctx.queueTick();
      return;
    }
    const next: Instance = { ...instance, condition: checkInstanceTransition(instance.condition, condition) };
    if (condition !== instance.condition) next.since = at;
    if (condition === 'Running' && !next.startedAt) next.startedAt = at;
    if (condition === 'Unreachable' && next.unreachableSince === undefined) next.unreachableSince = Date.now();
    if (condition !== 'Unreachable' && condition !== 'UnreachableInactive') delete next.unreachableSince;
    if (status.hasHealthy) {
      const h = { ...next.health };
      if (status.healthy) {
        h.firstSuccess ??= at;
        h.lastSuccess = at;
      } else {
        h.lastFailure = at;
        h.lastFailureCause = status.message;
      }
      next.health = h;
    }
    noteHealthReport(next, status, Date.now());
    if (status.hasHealthy && status.healthy !== instance.healthy) {
      next.healthy = status.healthy;
      this.ctx.events.emit('health_status_changed_event', {
        appId: instance.appId,
        instanceId: instance.instanceId,
        taskId: status.taskId,
        version: instance.appVersion,
        alive: status.healthy,
      });
      this.ctx.events.emit('instance_health_changed_event', {
        runSpecId: instance.appId,
        instanceId: instance.instanceId,
        runSpecVersion: instance.appVersion,
        healthy: status.healthy,
      });
      if (!status.healthy) {
        this.ctx.events.emit('failed_health_check_event', {
          appId: instance.appId,
          taskId: status.taskId,
          instanceId: instance.instanceId,
          healthCheck: app?.healthChecks[0] ?? null,
        });
      }
    }
    const written = this.ctx.repo.putInstance(next);
    if (condition !== instance.condition) this.ctx.events.emit('instance_changed_event', instanceEventFields(next, condition));
    this.ctx.queueTick();
    return { written };
  }

  private async taskEnded(instance: Instance, condition: Instance['condition'], status: TaskStatus, at: string, app: AppDefinition | undefined): Promise<void> {
    const taskId = status.taskId;
    this.kills.requests.delete(taskId);
    const byUser = this.kills.byUser.delete(taskId);
    this.ctx.events.emit('instance_changed_event', instanceEventFields(instance, condition));
    if (status.reason === 'REASON_TASK_HEALTH_CHECK_FAILED') {
      this.ctx.events.emit('unhealthy_instance_kill_event', {
        appId: instance.appId,
        taskId,
        instanceId: instance.instanceId,
        version: instance.appVersion,
        reason: status.message,
        host: instance.hostname ?? '',
        slaveId: instance.agentId ?? '',
      });
    }
    if (instance.goal === 'Decommissioned') {
      await this.ctx.repo.deleteInstance(instance);
      return;
    }
    const neverLaunched = instance.condition === 'Provisioned' && condition === 'Unknown';
    if (!byUser && !neverLaunched && app) {
      const delayMs = this.ctx.delays.advance(app, Date.now());
      this.lastFailures.set(instance.appId, {
        appId: instance.appId,
        host: instance.hostname ?? '',
        message: status.message,
        state: status.state,
        taskId,
        timestamp: at,
        version: instance.appVersion,
        slaveId: instance.agentId ?? '',
      });
      this.ctx.log.info({ appId: instance.appId, taskId, state: status.state, delayMs }, 'task ended; instance rescheduled after its launch delay');
    }
    const next: Instance = { ...instance, condition: checkInstanceTransition(checkInstanceTransition(instance.condition, condition), 'Scheduled'), since: at };
    for (const k of [
      'taskId',
      'agentId',
      'hostname',
      'attributes',
      'startedAt',
      'stagedAt',
      'healthy',
      'health',
      'healthFailedAt',
      'unreachableSince',
    ] as const)
      delete next[k];
    next.ports = [];
    await this.ctx.repo.deleteInstance(instance);
    await this.ctx.repo.putInstance(next);
  }
}
