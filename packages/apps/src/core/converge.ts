import type { AppDefinition } from '../app/app-definition.js';
import { type Instance, isActive, isHealthy, isOccupying } from './instance.js';

/** What to do for one app to move it toward its target. */
export interface ConvergeDecision {
  /** New instances of the target config to put in the launch queue. */
  schedule: number;
  /** Instances to be rid of (kill, or drop from the queue). */
  decommission: Instance[];
}

function age(i: Instance): string {
  return i.startedAt ?? i.stagedAt ?? i.createdAt;
}

/**
 * Orders instances for killing: ones not launched or not running first, then by
 * killSelection (YOUNGEST_FIRST: latest started first).
 */
export function killOrder(instances: readonly Instance[], selection: AppDefinition['killSelection']): Instance[] {
  const rank = (i: Instance): number => (i.condition === 'Scheduled' ? 0 : i.condition === 'Running' ? 2 : 1);
  return [...instances].sort((a, b) => {
    const r = rank(a) - rank(b);
    if (r !== 0) return r;
    return selection === 'YOUNGEST_FIRST' ? age(b).localeCompare(age(a)) : age(a).localeCompare(age(b));
  });
}

/** ceil/floor that forgive float noise (0.6 * 5 = 3.0000000000000004). */
const ceil = (x: number): number => Math.ceil(x - 1e-9);
const floor = (x: number): number => Math.floor(x + 1e-9);

/**
 * Whether an instance has passed its readiness check, where one applies (new instances
 * of a deployment whose app has readinessChecks); everything else counts as ready.
 */
export type ReadyFn = (i: Instance) => boolean;
const alwaysReady: ReadyFn = () => true;

/**
 * One convergence step for an app, as Marathon's scale and TaskReplaceActor logic:
 * - no old-config instances: schedule or decommission (by killSelection) to reach `instances`;
 * - a rolling replacement otherwise: an old instance is killed only while at least
 *   ceil(minimumHealthCapacity x n) stay healthy; new ones are started while the instances
 *   holding resources stay within floor((1 + maximumOverCapacity) x n); when neither can move
 *   and everything is healthy (maximumOverCapacity 0, minimumHealthCapacity 1) one old
 *   instance is killed to make room, as Marathon does.
 * `app` undefined means the app is gone: everything is decommissioned. An instance counts
 * as healthy only once `ready` too (readiness checks during deployments).
 */
export function converge(
  app: AppDefinition | undefined,
  instances: readonly Instance[],
  healthChecked: boolean,
  ready: ReadyFn = alwaysReady,
): ConvergeDecision {
  const active = instances.filter(isActive);
  const n = app?.instances ?? 0;
  if (!app || n === 0) return { schedule: 0, decommission: active };
  const config = app.versionInfo.lastConfigChangeAt;
  const healthy = (i: Instance): boolean => isHealthy(i, i.healthChecked ?? healthChecked) && ready(i);
  let fresh = active.filter((i) => i.configVersion === config);
  const old = active.filter((i) => i.configVersion !== config);
  const decommission: Instance[] = [];
  if (fresh.length > n) {
    const extra = killOrder(fresh, app.killSelection).slice(0, fresh.length - n);
    decommission.push(...extra);
    fresh = fresh.filter((i) => !extra.includes(i));
  }
  if (old.length === 0) return { schedule: Math.max(0, n - fresh.length), decommission };

  const minHealthy = ceil(n * app.upgradeStrategy.minimumHealthCapacity);
  const maxCapacity = Math.max(n, floor(n * (1 + app.upgradeStrategy.maximumOverCapacity)));
  const healthyNew = fresh.filter(healthy).length;
  let healthyOld = old.filter(healthy).length;
  const unhealthyFirst = [
    ...killOrder(
      old.filter((i) => !healthy(i)),
      app.killSelection,
    ),
    ...killOrder(old.filter(healthy), app.killSelection),
  ];
  for (const o of unhealthyFirst) {
    if (!healthy(o)) decommission.push(o);
    else if (healthyNew + healthyOld - 1 >= minHealthy) {
      decommission.push(o);
      healthyOld -= 1;
    } else break;
  }
  const dropped = new Set(decommission.filter((i) => i.condition === 'Scheduled'));
  const occupying = instances.filter((i) => isOccupying(i) && !dropped.has(i)).length;
  const schedule = Math.max(0, Math.min(n - fresh.length, maxCapacity - occupying));
  if (schedule === 0 && decommission.length === 0 && fresh.length < n) {
    const settled = instances.every((i) => !isOccupying(i) || (i.goal === 'Running' && healthy(i)));
    const oldHealthy = killOrder(old.filter(healthy), app.killSelection)[0];
    if (settled && oldHealthy) decommission.push(oldHealthy);
  }
  return { schedule, decommission };
}

/** True when the app's instances match its target: the count, the config, all healthy and ready, nothing being killed. */
export function isConverged(app: AppDefinition | undefined, instances: readonly Instance[], healthChecked: boolean, ready: ReadyFn = alwaysReady): boolean {
  if (!app || app.instances === 0) return instances.every((i) => !isOccupying(i) && i.goal !== 'Running');
  if (instances.some((i) => i.goal === 'Decommissioned')) return false;
  const active = instances.filter(isActive);
  return (
    active.length === app.instances &&
    active.every((i) => i.configVersion === app.versionInfo.lastConfigChangeAt && isHealthy(i, i.healthChecked ?? healthChecked) && ready(i))
  );
}
