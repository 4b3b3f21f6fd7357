import type { AppDefinition } from '../app/app-definition.js';
import type { ReadinessCheckDefinition } from '../app/app-schema.js';
import type { Deployment } from './deployment.js';
import type { Instance } from './instance.js';
import type { ReadinessTarget } from './readiness-probe.js';

/**
 * The definition an app moves to in `step` of a running deployment, when that step
 * starts instances of it (start, scale, restart) and it has readiness checks; else
 * undefined (no readiness gate).
 */
export function readinessTargetOf(d: Deployment, appId: string, step = d.currentStep): AppDefinition | undefined {
  if (d.state !== 'running') return undefined;
  const action = d.steps[step]?.actions.find((a) => a.app === appId);
  if (!action || action.action === 'StopApplication') return undefined;
  const target = d.target[appId];
  return target && target.readinessChecks.length > 0 ? target : undefined;
}

/**
 * Whether the deployment to `target` started this instance: launched for its version
 * and config (instances that ran before a scale, or of the old config, are not checked).
 */
export function needsReadiness(i: Instance, target: AppDefinition): boolean {
  return i.goal === 'Running' && i.appVersion === target.version && i.configVersion === target.versionInfo.lastConfigChangeAt;
}

/** `http(s)://<task host>:<host port of portName><path>`; undefined while the task has no host or port. */
export function readinessUrl(i: Instance, app: AppDefinition, check: ReadinessCheckDefinition): string | undefined {
  const index = app.portDefinitions.findIndex((p) => p.name === check.portName);
  const port = index >= 0 ? i.ports[index] : undefined;
  if (port === undefined || !i.hostname) return undefined;
  const host = i.hostname.includes(':') ? `[${i.hostname}]` : i.hostname;
  return `${check.protocol === 'HTTPS' ? 'https' : 'http'}://${host}:${port}${check.path}`;
}

/** The deployment target of every app whose current step waits on readiness. */
export function readinessTargets(deployments: Iterable<Deployment>): Map<string, AppDefinition> {
  const out = new Map<string, AppDefinition>();
  for (const d of deployments) {
    for (const a of d.steps[d.currentStep]?.actions ?? []) {
      const target = readinessTargetOf(d, a.app);
      if (target) out.set(a.app, target);
    }
  }
  return out;
}

/** The tasks to check now: the RUNNING new instances of the apps in `targets` (Marathon checks from RUNNING on). */
export function tasksToCheck(targets: ReadonlyMap<string, AppDefinition>, instancesOf: (appId: string) => readonly Instance[]): Map<string, ReadinessTarget> {
  const out = new Map<string, ReadinessTarget>();
  for (const [appId, target] of targets) {
    const check = target.readinessChecks[0];
    if (!check) continue;
    for (const i of instancesOf(appId)) {
      if (!i.taskId || i.condition !== 'Running' || !needsReadiness(i, target)) continue;
      const url = readinessUrl(i, target, check);
      if (url) out.set(i.taskId, { taskId: i.taskId, appId, url, check });
    }
  }
  return out;
}
