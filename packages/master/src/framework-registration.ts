import {
  Code,
  type FrameworkInfo,
  isTerminal,
  newId,
  newUuid,
  nowSeconds,
  type StatusReason,
  type SubscribeRequest,
  setLongTimeout,
  TandemError,
  ValidationError,
} from '@tandem/protocol';
import { subscribePrincipal } from './framework-principal.js';
import type { FrameworkStream } from './framework-stream.js';
import type { MasterCore } from './master-core.js';
import { checkRoleName } from './role-config-check.js';
import { type FrameworkEntry, type FrameworkRecord, newFrameworkEntry } from './state-records.js';
import { completeTask } from './status-updates.js';

/** Handles SUBSCRIBE: registers a new framework or fails over an existing one. */
export async function subscribe(
  core: MasterCore,
  stream: FrameworkStream,
  onClose: (cb: () => void) => void,
  req: SubscribeRequest,
  caller: string | undefined,
): Promise<void> {
  const info = req.frameworkInfo;
  if (!info) throw new ValidationError('framework_info', 'is required');
  if (!info.name.trim()) throw new ValidationError('framework_info.name', 'must not be empty');
  const roles = info.roles.length > 0 ? info.roles : ['*'];
  // The allocator's rule (and the registry's on the next start) so a role stored here reloads.
  roles.forEach((r, i) => {
    checkRoleName(r, `framework_info.roles[${i}]`);
  });
  const failover = info.failoverTimeoutSeconds;
  if (!Number.isFinite(failover) || failover < 0) {
    throw new ValidationError('framework_info.failover_timeout_seconds', `must be a finite number >= 0, got ${failover}`);
  }
  let fw: FrameworkEntry | undefined;
  if (info.id) {
    if (core.removedFrameworks.has(info.id)) {
      throw new TandemError(Code.PermissionDenied, `framework ${info.id} was removed; subscribe without an id to register anew`, {
        field: 'framework_info.id',
      });
    }
    fw = core.frameworks.get(info.id);
    if (!fw) {
      throw new TandemError(Code.NotFound, `framework ${info.id} is not known to this master; subscribe without an id to register a new framework`, {
        field: 'framework_info.id',
      });
    }
  }
  const principal = subscribePrincipal(fw, info.principal, caller);
  for (const [i, role] of roles.entries()) core.auth.authorize('register_frameworks', principal, role, `framework_info.roles[${i}]`);
  if (fw && fw.principal === undefined && principal !== undefined)
    core.log.info({ frameworkId: fw.id, principal }, 'framework bound to the principal it subscribed with');
  const id = fw?.id ?? newId('fw');
  const fullInfo: FrameworkInfo = { ...info, id, roles, ...(principal !== undefined ? { principal } : {}) };
  await core.registry().put<FrameworkRecord>(`frameworks/${id}`, { info: fullInfo, ...(principal !== undefined ? { principal } : {}) });
  if (fw) {
    fw.failoverTimer?.clear();
    fw.failoverTimer = undefined;
    clearInterval(fw.heartbeatTimer);
    if (fw.stream) {
      fw.stream.send({ error: { message: 'framework failed over to a new subscription', code: 'FAILED_OVER' } });
      fw.stream.end();
    }
    fw.info = fullInfo;
    fw.principal = principal;
  } else {
    fw = newFrameworkEntry(fullInfo, principal);
    core.frameworks.set(id, fw);
  }
  const entry = fw;
  entry.stream = stream;
  entry.streamId = newUuid();
  entry.disconnectedAt = 0;
  core.allocator.addFramework(id, { roles, suppressedRoles: req.suppressedRoles });
  core.allocator.setFrameworkActive(id, true);
  stream.send({
    subscribed: {
      frameworkId: id,
      streamId: entry.streamId,
      heartbeatIntervalSeconds: core.options.frameworkHeartbeatMs / 1000,
      masterId: core.masterId,
    },
  });
  entry.heartbeatTimer = setInterval(() => stream.send({ heartbeat: { timestamp: nowSeconds() } }), core.options.frameworkHeartbeatMs);
  entry.heartbeatTimer.unref();
  onClose(() => frameworkStreamClosed(core, entry, stream));
  core.log.info({ frameworkId: id, name: info.name, principal, failover: !!info.id }, 'framework subscribed');
  if (info.id) askAgentsToResend(core, entry);
  core.emit({ frameworkAdded: fullInfo });
  core.scheduleAllocation();
}

/** A framework is back: the agents with its tasks send its unacknowledged updates now. */
function askAgentsToResend(core: MasterCore, fw: FrameworkEntry): void {
  const agentIds = new Set<string>();
  for (const key of fw.taskKeys) {
    const agentId = core.tasks.get(key)?.agentId;
    if (agentId) agentIds.add(agentId);
  }
  for (const agentId of agentIds) core.agents.get(agentId)?.link?.send({ frameworkResubscribed: { frameworkId: fw.id } });
}

function frameworkStreamClosed(core: MasterCore, fw: FrameworkEntry, stream: FrameworkStream): void {
  if (fw.stream !== stream || !core.running()) return;
  fw.stream = undefined;
  fw.disconnectedAt = nowSeconds();
  clearInterval(fw.heartbeatTimer);
  for (const offerId of [...fw.offerIds]) core.rescindOffer(offerId, true);
  core.allocator.setFrameworkActive(fw.id, false);
  core.log.warn({ frameworkId: fw.id, failoverTimeoutSeconds: fw.info.failoverTimeoutSeconds }, 'framework disconnected');
  startFailoverTimer(core, fw);
}

export function startFailoverTimer(core: MasterCore, fw: FrameworkEntry): void {
  fw.failoverTimer?.clear();
  fw.failoverTimer = setLongTimeout(() => {
    core.log.warn({ frameworkId: fw.id }, 'framework failover timeout expired; removing it and killing its tasks');
    void removeFramework(core, fw, 'failover timeout expired');
  }, fw.info.failoverTimeoutSeconds * 1000);
}

export async function removeFramework(core: MasterCore, fw: FrameworkEntry, why: string): Promise<void> {
  if (!core.frameworks.has(fw.id)) return;
  fw.failoverTimer?.clear();
  clearInterval(fw.heartbeatTimer);
  for (const offerId of [...fw.offerIds]) core.rescindOffer(offerId, true);
  core.frameworks.delete(fw.id);
  core.removedFrameworks.add(fw.id);
  core.allocator.removeFramework(fw.id);
  const kills = new Map<string, { taskId: string; frameworkId: string; reason: StatusReason }[]>();
  for (const key of fw.taskKeys) {
    const task = core.tasks.get(key);
    if (!task) continue;
    if (isTerminal(task.state)) {
      completeTask(core, task);
      continue;
    }
    const list = kills.get(task.agentId) ?? [];
    list.push({ taskId: task.id, frameworkId: fw.id, reason: 'REASON_FRAMEWORK_REMOVED' });
    kills.set(task.agentId, list);
  }
  for (const [agentId, list] of kills) core.agents.get(agentId)?.link?.send({ killTasks: { kills: list } });
  if (fw.stream) {
    fw.stream.send({ error: { message: `framework removed: ${why}`, code: 'REMOVED' } });
    fw.stream.end();
    fw.stream = undefined;
  }
  core.emit({ frameworkRemoved: fw.id });
  try {
    await core
      .registry()
      .put<FrameworkRecord>(`frameworks/${fw.id}`, { info: fw.info, ...(fw.principal !== undefined ? { principal: fw.principal } : {}), removed: true });
  } catch (err) {
    core.log.error({ frameworkId: fw.id, err }, 'could not record the framework removal in the registry');
  }
}
