import type { TaskStatus } from '@tandem/protocol';
import type { AppDefinition } from '../app/app-definition.js';
import { type Instance, isActive, isHealthy, isOccupying } from './instance.js';

/*
 * Replacing instances that fail their health checks, starting the replacement first
 * (Marathon #3318, "start new before killing"). The apps framework sends its checks as
 * report_only: the agent never kills, it reports when a check has failed
 * maxConsecutiveFailures times in a row (`healthFailedAt`). Then, per failed instance:
 *
 * - no replacement yet: one is scheduled (`replaces` names the failed instance). It is an
 *   extra on top of the app's `instances`, like Marathon's over-capacity, and goes through
 *   the launch queue like any instance (offers, constraints, launch delay);
 * - the replacement is RUNNING and healthy: the failed instance is killed;
 * - no healthy replacement within `unhealthyKillTimeoutMs(app)` of the report: the failed
 *   instance is killed anyway (the replacement, if placed, stays as an ordinary instance);
 * - the failed instance reports healthy again: a replacement not launched yet is dropped
 *   from the queue; one already launched stays and the surplus goes by killSelection;
 * - the app has more instances of the failed one's config than it wants (a scale-down):
 *   the failed instance is the one killed, without a replacement.
 *
 * All of it is computed from the stored instances (`healthFailedAt`, `replaces`, goal and
 * condition), so a restarted framework carries on where it stopped.
 */

/** What to do about the instances that failed their health checks, for one app. */
export interface ReplacementPlan {
  /** Failed instances with no replacement yet: schedule one for each. */
  replace: Instance[];
  /** Failed instances to kill now, with the reason for `unhealthy_instance_kill_event`. */
  kill: { instance: Instance; reason: string }[];
  /** Replacements no longer needed and not launched yet: drop them from the queue. */
  drop: Instance[];
  /** Replacements whose failed instance is gone or recovered: ordinary instances from now on. */
  release: Instance[];
}

/**
 * How long a failed instance keeps running without a healthy replacement: the longest a
 * new instance can take to prove itself, i.e. the largest gracePeriodSeconds +
 * intervalSeconds x maxConsecutiveFailures over the app's checks (after that long a
 * replacement that never passed would count as failed itself). Checks with
 * maxConsecutiveFailures 0 never fail an instance and do not count.
 */
export function unhealthyKillTimeoutMs(app: AppDefinition): number {
  let seconds = 0;
  for (const h of app.healthChecks) {
    if (h.maxConsecutiveFailures > 0) seconds = Math.max(seconds, h.gracePeriodSeconds + h.intervalSeconds * h.maxConsecutiveFailures);
  }
  return seconds * 1000;
}

/** Folds a health report into the instance about to be stored: a failure streak is remembered until the instance is healthy again. */
export function noteHealthReport(next: Instance, status: TaskStatus, now: number): void {
  if (!status.hasHealthy) return;
  if (status.healthy) delete next.healthFailedAt;
  else if (status.state === 'TASK_RUNNING' && status.reason === 'REASON_TASK_HEALTH_CHECK_FAILED') next.healthFailedAt ??= now;
}

/** An instance that failed its health checks and is still meant to run. */
function failed(i: Instance | undefined): i is Instance & { healthFailedAt: number } {
  return i !== undefined && i.goal === 'Running' && i.healthFailedAt !== undefined && isOccupying(i);
}

/** Failed instances that have a replacement under way: their replacement counts in their place. */
function replacedIds(instances: readonly Instance[]): Set<string> {
  const byId = new Map(instances.map((i) => [i.instanceId, i]));
  const out = new Set<string>();
  for (const r of instances) {
    if (r.replaces === undefined || r.goal !== 'Running') continue;
    if (failed(byId.get(r.replaces))) out.add(r.replaces);
  }
  return out;
}

/** The instances convergence counts: a failed instance being replaced is left out (its replacement is counted instead). */
export function countable(instances: readonly Instance[]): Instance[] {
  if (!instances.some((i) => i.replaces !== undefined)) return [...instances];
  const replaced = replacedIds(instances);
  return replaced.size === 0 ? [...instances] : instances.filter((i) => !replaced.has(i.instanceId));
}

/** The plan for one app's instances at `now`. */
export function planReplacements(app: AppDefinition, instances: readonly Instance[], now: number): ReplacementPlan {
  const plan: ReplacementPlan = { replace: [], kill: [], drop: [], release: [] };
  // The common case, every tick: nothing failed, nothing replaces anything.
  if (!instances.some((i) => i.replaces !== undefined || i.healthFailedAt !== undefined)) return plan;
  const byId = new Map(instances.map((i) => [i.instanceId, i]));
  const replacementOf = new Map<string, Instance>();
  for (const r of instances) {
    if (r.replaces === undefined || r.goal !== 'Running') continue;
    const original = byId.get(r.replaces);
    if (failed(original)) {
      replacementOf.set(original.instanceId, r);
      continue;
    }
    // Its instance recovered (then a replacement not launched yet is dropped), or is gone or being killed.
    if (r.condition === 'Scheduled' && original?.goal === 'Running' && original.healthFailedAt === undefined) plan.drop.push(r);
    else plan.release.push(r);
  }
  const timeoutMs = unhealthyKillTimeoutMs(app);
  const config = app.versionInfo.lastConfigChangeAt;
  let current = countable(instances).filter((i) => isActive(i) && i.configVersion === config).length;
  for (const x of instances) {
    if (!failed(x) || x.condition !== 'Running') continue;
    const r = replacementOf.get(x.instanceId);
    const cause = x.health?.lastFailureCause ?? 'its health checks failed';
    if (!r && x.configVersion === config && current > app.instances) {
      current -= 1;
      plan.kill.push({ instance: x, reason: `${cause}; the app has more instances than it wants` });
    } else if (r && isHealthy(r, true)) {
      plan.kill.push({ instance: x, reason: `${cause}; replaced by the healthy instance ${r.instanceId}` });
    } else if (now - x.healthFailedAt >= timeoutMs) {
      plan.kill.push({ instance: x, reason: `${cause}; no healthy replacement within ${timeoutMs / 1000} s` });
    } else if (!r) {
      plan.replace.push(x);
    }
  }
  return plan;
}
