import {
  type AcceptCall,
  type AcceptResultInit,
  type Ack,
  Code,
  isTerminal,
  type KillCall,
  nowSeconds,
  type ReconcileCall,
  Resources,
  type SchedulerCall,
  type StatusReason,
  TandemError,
  type TaskStatusInit,
  ValidationError,
} from '@tandem/protocol';
import { checkFrameworkCaller } from './framework-principal.js';
import { removeFramework } from './framework-registration.js';
import { launchUnauthorized } from './launch-authorization.js';
import { checkLaunch } from './launch-check.js';
import type { MasterCore } from './master-core.js';
import { type FrameworkEntry, newTaskEntry, type OfferEntry, type TaskEntry, taskKey } from './state-records.js';
import { completeTask, forwardUpdates, syntheticStatus } from './status-updates.js';
import { unknownTaskVerdict } from './unknown-task-verdict.js';

/** Checks the caller of a Scheduler call (its principal must be the framework's) and runs it. */
export async function schedulerCall(core: MasterCore, req: SchedulerCall, caller: string | undefined): Promise<{ launched: number }> {
  if (!req.frameworkId) throw new ValidationError('framework_id', 'is required');
  const fw = core.frameworks.get(req.frameworkId);
  if (!fw) {
    if (core.removedFrameworks.has(req.frameworkId)) {
      throw new TandemError(Code.PermissionDenied, `framework ${req.frameworkId} was removed`, { field: 'framework_id' });
    }
    throw new TandemError(Code.NotFound, `framework ${req.frameworkId} is not subscribed`, { field: 'framework_id' });
  }
  checkFrameworkCaller(fw, caller);
  if (!fw.stream) throw new TandemError(Code.PermissionDenied, `framework ${fw.id} is not connected; subscribe first`, { field: 'framework_id' });
  if (req.streamId !== fw.streamId) {
    throw new TandemError(Code.PermissionDenied, "stream_id does not match the framework's current subscription", { field: 'stream_id' });
  }
  switch (req.call) {
    case 'accept':
      return { launched: accept(core, fw, req.accept!) };
    case 'acceptMany':
      return acceptMany(core, fw, req.acceptMany?.accepts ?? []);
    case 'decline': {
      const d = req.decline!;
      const offers = checkOffers(core, fw, d.offerIds, 'decline.offer_ids', false);
      const refuse = refuseSeconds(core, d.filters, 'decline.filters.refuse_seconds');
      for (const offer of offers) {
        core.timings.offerAnswered(offer, 'declined');
        core.useOffer(offer);
      }
      for (const offer of offers) core.allocator.recover(fw.id, offer.agentId, offer.resources, refuse);
      core.scheduleAllocation();
      return { launched: 0 };
    }
    case 'revive':
      core.allocator.revive(fw.id, req.revive?.roles);
      core.scheduleAllocation();
      return { launched: 0 };
    case 'suppress':
      core.allocator.suppress(fw.id, req.suppress?.roles);
      return { launched: 0 };
    case 'kill':
      // A framework acts on its own tasks (checkFrameworkCaller proved it is theirs): no ACL asked, as in Mesos.
      kill(core, fw, req.kill!);
      return { launched: 0 };
    case 'acknowledge':
      acknowledge(core, fw, req.acknowledge?.acks ?? []);
      return { launched: 0 };
    case 'reconcile':
      reconcile(core, fw, req.reconcile!);
      return { launched: 0 };
    case 'teardown':
      await removeFramework(core, fw, 'torn down by the framework');
      return { launched: 0 };
    case 'acceptInverseOffers':
      core.maintenance.answer(fw.id, req.acceptInverseOffers?.inverseOfferIds ?? [], true, 'accept_inverse_offers');
      return { launched: 0 };
    case 'declineInverseOffers':
      core.maintenance.answer(fw.id, req.declineInverseOffers?.inverseOfferIds ?? [], false, 'decline_inverse_offers');
      return { launched: 0 };
    default:
      throw new ValidationError('call', 'no call given (accept, accept_many, decline, revive, suppress, kill, acknowledge, reconcile or teardown)');
  }
}

function refuseSeconds(core: MasterCore, filters: { refuseSeconds?: number; _refuseSeconds?: string } | null | undefined, field: string): number {
  const v = filters && filters._refuseSeconds === 'refuseSeconds' ? filters.refuseSeconds : undefined;
  if (v === undefined) return core.options.defaultRefuseSeconds;
  if (!Number.isFinite(v) || v < 0) throw new ValidationError(field, `must be a finite number >= 0, got ${v}`);
  return Math.min(v, 365 * 24 * 3600);
}

/** Validates offer ids of an ACCEPT (one agent) or DECLINE (any agents, as in Mesos); changes nothing. */
function checkOffers(core: MasterCore, fw: FrameworkEntry, ids: readonly string[], field: string, oneAgent: boolean): OfferEntry[] {
  if (ids.length === 0) throw new ValidationError(field, 'at least one offer id is required');
  const seen = new Set<string>();
  const out: OfferEntry[] = [];
  ids.forEach((id, i) => {
    if (typeof id !== 'string' || id.trim() === '') throw new ValidationError(`${field}[${i}]`, 'must be a non-empty offer id');
    if (seen.has(id)) throw new ValidationError(`${field}[${i}]`, `offer ${id} is listed twice`);
    seen.add(id);
    const offer = core.offers.get(id);
    if (!offer || offer.frameworkId !== fw.id) {
      throw new TandemError(
        Code.NotFound,
        `${field}[${i}]: offer ${id.slice(0, 80)} is unknown or no longer valid (already used, declined, rescinded or timed out)`,
        { field: `${field}[${i}]` },
      );
    }
    out.push(offer);
  });
  const agentId = out[0]?.agentId;
  if (oneAgent && out.some((o) => o.agentId !== agentId)) throw new ValidationError(field, 'all offers of one call must come from the same agent');
  return out;
}

/**
 * ACCEPT_MANY: each accept on its own (a stale offer fails only its accept); the call
 * fails as a whole, changing nothing, only for an empty list or an offer named twice.
 */
function acceptMany(core: MasterCore, fw: FrameworkEntry, accepts: readonly AcceptCall[]): { launched: number; accepts: AcceptResultInit[] } {
  if (accepts.length === 0) throw new ValidationError('accept_many.accepts', 'at least one accept is required');
  const seen = new Set<string>();
  accepts.forEach((a, i) => {
    a.offerIds.forEach((id, j) => {
      if (seen.has(id)) throw new ValidationError(`accept_many.accepts[${i}].offer_ids[${j}]`, `offer ${id.slice(0, 80)} is named by two accepts`);
      seen.add(id);
    });
  });
  let launched = 0;
  const results = accepts.map((a, i): AcceptResultInit => {
    try {
      const n = accept(core, fw, a, `accept_many.accepts[${i}]`);
      launched += n;
      return { launched: n };
    } catch (err) {
      const e = TandemError.from(err);
      if (e.code === Code.Unknown || e.code === Code.Internal) throw err;
      return { launched: 0, errorCode: e.code, errorMessage: e.message, errorField: e.field ?? '' };
    }
  });
  return { launched, accepts: results };
}

function accept(core: MasterCore, fw: FrameworkEntry, call: AcceptCall, prefix = 'accept'): number {
  const offers = checkOffers(core, fw, call.offerIds, `${prefix}.offer_ids`, true);
  const refuse = refuseSeconds(core, call.filters, `${prefix}.filters.refuse_seconds`);
  call.operations.forEach((op, i) => {
    if (op.operation !== 'launch') throw new ValidationError(`${prefix}.operations[${i}]`, 'only LAUNCH operations are supported');
  });
  const agentId = offers[0]!.agentId;
  const agent = core.agents.get(agentId);
  let pool = Resources.EMPTY;
  for (const offer of offers) {
    core.timings.offerAnswered(offer, 'accepted');
    core.useOffer(offer);
    pool = pool.add(offer.resources);
  }
  const launched = [];
  const errors: TaskStatusInit[] = [];
  const inCall = new Set<string>();
  for (const [i, op] of call.operations.entries()) {
    for (const [j, task] of (op.launch?.tasks ?? []).entries()) {
      const field = `${prefix}.operations[${i}].launch.tasks[${j}]`;
      const check = checkLaunch(task, field, {
        pool,
        containerizers: agent?.containerizers ?? new Set(),
        taken: (id) => inCall.has(id) || core.tasks.has(taskKey(fw.id, id)),
      });
      const unauthorized = check.ok ? launchUnauthorized(core, fw, task, field) : undefined;
      if (unauthorized) {
        errors.push({ ...syntheticStatus(task.taskId, fw.id, agentId, 'TASK_ERROR', 'REASON_TASK_UNAUTHORIZED', unauthorized) });
        continue;
      }
      if (!check.ok) {
        errors.push({ ...syntheticStatus(task.taskId, fw.id, agentId, 'TASK_ERROR', check.reason, check.message) });
        continue;
      }
      pool = pool.subtract(check.resources);
      inCall.add(task.taskId);
      const key = taskKey(fw.id, task.taskId);
      const info = { ...task, agentId };
      const entry = newTaskEntry({
        key,
        id: task.taskId,
        frameworkId: fw.id,
        agentId,
        info,
        resources: core.sharedShape(check.resources),
        state: 'TASK_STAGING',
        status: syntheticStatus(task.taskId, fw.id, agentId, 'TASK_STAGING', 'REASON_NONE', ''),
        released: false,
      });
      core.tasks.set(key, entry);
      core.timings.taskLaunched(entry);
      fw.taskKeys.add(key);
      agent?.taskKeys.add(key);
      launched.push(info);
      core.emit({ taskAdded: { info, frameworkId: fw.id, state: 'TASK_STAGING', status: entry.status } });
    }
  }
  if (launched.length > 0) {
    agent?.link?.send({ launchTasks: { framework: fw.info, tasks: launched } });
    core.log.debug({ frameworkId: fw.id, agentId, tasks: launched.length }, 'launching tasks');
  }
  if (!pool.isEmpty()) core.allocator.recover(fw.id, agentId, pool, refuse);
  if (errors.length > 0) {
    core.log.info({ frameworkId: fw.id, errors: errors.map((e) => e.message) }, 'refused tasks of an accept');
    forwardUpdates(core, fw.id, errors);
  }
  core.scheduleAllocation();
  return launched.length;
}

function kill(core: MasterCore, fw: FrameworkEntry, call: KillCall): void {
  call.tasks.forEach((t, i) => {
    if (!t.taskId) throw new ValidationError(`kill.tasks[${i}].task_id`, 'is required');
    const grace = t.killPolicy?.gracePeriodSeconds;
    if (grace !== undefined && (!Number.isFinite(grace) || grace < 0)) {
      throw new ValidationError(`kill.tasks[${i}].kill_policy.grace_period_seconds`, 'must be a finite number >= 0');
    }
  });
  const unknown: TaskStatusInit[] = [];
  const kills = new Map<string, { taskId: string; frameworkId: string; killPolicy?: { gracePeriodSeconds: number } | null; reason: StatusReason }[]>();
  let undecided = 0;
  for (const t of call.tasks) {
    const task = core.tasks.get(taskKey(fw.id, t.taskId));
    if (!task) {
      const done = core.completed.get(taskKey(fw.id, t.taskId));
      const answer = done
        ? { ...done.status, uuid: '', source: 'SOURCE_MASTER' as const, timestamp: nowSeconds() }
        : unknownTaskVerdict(core, t.taskId, fw.id, t.agentId, 'REASON_TASK_UNKNOWN');
      if (answer) unknown.push(answer);
      else undecided++;
      continue;
    }
    if (isTerminal(task.state)) continue;
    task.killRequested = true;
    const list = kills.get(task.agentId) ?? [];
    list.push({ taskId: task.id, frameworkId: fw.id, killPolicy: t.killPolicy, reason: 'REASON_KILLED_BY_FRAMEWORK' });
    kills.set(task.agentId, list);
  }
  for (const [agentId, list] of kills) core.agents.get(agentId)?.link?.send({ killTasks: { kills: list } });
  forwardUpdates(core, fw.id, unknown);
  if (undecided > 0)
    core.log.info(
      { frameworkId: fw.id, tasks: undecided },
      'not answering kills of unknown tasks whose agents have not re-registered since the master started',
    );
}

function acknowledge(core: MasterCore, fw: FrameworkEntry, acks: readonly Ack[]): void {
  acks.forEach((a, i) => {
    if (!a.taskId) throw new ValidationError(`acknowledge.acks[${i}].task_id`, 'is required');
    if (!a.uuid) throw new ValidationError(`acknowledge.acks[${i}].uuid`, 'is required');
    if (!a.agentId) throw new ValidationError(`acknowledge.acks[${i}].agent_id`, 'is required');
    if (!core.agents.has(a.agentId)) {
      throw new TandemError(Code.NotFound, `acknowledge.acks[${i}].agent_id: agent ${a.agentId.slice(0, 80)} is unknown`, {
        field: `acknowledge.acks[${i}].agent_id`,
      });
    }
  });
  const byAgent = new Map<string, Ack[]>();
  for (const a of acks) {
    const list = byAgent.get(a.agentId) ?? [];
    list.push({ ...a, frameworkId: fw.id });
    byAgent.set(a.agentId, list);
    const task = core.tasks.get(taskKey(fw.id, a.taskId));
    if (task && task.status.uuid === a.uuid && isTerminal(task.state)) completeTask(core, task);
  }
  for (const [agentId, list] of byAgent) core.agents.get(agentId)?.link?.send({ acknowledgements: { acks: list } });
}

function reconcile(core: MasterCore, fw: FrameworkEntry, call: ReconcileCall): void {
  const reply = (task: TaskEntry): TaskStatusInit => ({
    ...task.status,
    state: task.state,
    uuid: '',
    source: 'SOURCE_MASTER',
    reason: 'REASON_RECONCILIATION',
    timestamp: nowSeconds(),
  });
  const statuses: TaskStatusInit[] = [];
  if (call.tasks.length === 0) {
    for (const key of fw.taskKeys) {
      const task = core.tasks.get(key);
      if (task) statuses.push(reply(task));
    }
  } else {
    call.tasks.forEach((t, i) => {
      if (!t.taskId) throw new ValidationError(`reconcile.tasks[${i}].task_id`, 'is required');
    });
    let undecided = 0;
    for (const t of call.tasks) {
      const key = taskKey(fw.id, t.taskId);
      const task = core.tasks.get(key) ?? core.completed.get(key);
      const answer = task ? reply(task) : unknownTaskVerdict(core, t.taskId, fw.id, t.agentId, 'REASON_RECONCILIATION');
      if (answer) statuses.push(answer);
      else undecided++;
    }
    if (undecided > 0) {
      core.log.info(
        { frameworkId: fw.id, tasks: undecided, agentsAwaited: core.agentRegistry.recoveredCount },
        'not answering the reconciliation of unknown tasks whose agents have not re-registered since the master started',
      );
    }
  }
  forwardUpdates(core, fw.id, statuses);
}
