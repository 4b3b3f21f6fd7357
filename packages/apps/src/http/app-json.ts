import type { AppDefinition } from '../app/app-definition.js';
import type { AppsScheduler } from '../core/apps-scheduler.js';
import type { Instance } from '../core/instance.js';
import type { UnusedOffer } from '../core/offer-stats.js';

const TASK_STATE: Partial<Record<Instance['condition'], string>> = {
  Provisioned: 'TASK_STAGING',
  Staging: 'TASK_STAGING',
  Starting: 'TASK_STARTING',
  Running: 'TASK_RUNNING',
  Killing: 'TASK_KILLING',
  Unreachable: 'TASK_UNREACHABLE',
  UnreachableInactive: 'TASK_UNREACHABLE',
};

/**
 * An instance's current task as Marathon shows it (`/v2/apps/{id}/tasks`, `/v2/tasks`):
 * EnrichedTask's fields; `tandem` (`?embed=tandem`) adds instanceId, condition and goal.
 */
export function taskJson(i: Instance, app: AppDefinition | undefined, tandem = false): Record<string, unknown> | undefined {
  const state = TASK_STATE[i.condition];
  if (!i.taskId || !state) return undefined;
  const checked = i.healthChecked ?? false;
  return {
    id: i.taskId,
    appId: i.appId,
    host: i.hostname ?? '',
    ports: i.ports,
    servicePorts: app?.portDefinitions.map((p) => p.port) ?? [],
    slaveId: i.agentId ?? '',
    state,
    stagedAt: i.stagedAt ?? null,
    startedAt: i.startedAt ?? null,
    version: i.appVersion,
    ipAddresses: [],
    localVolumes: [],
    ...(tandem ? { instanceId: i.instanceId, condition: i.condition, goal: i.goal } : {}),
    healthCheckResults:
      checked && i.healthy !== undefined
        ? [
            {
              alive: i.healthy,
              // The agent reports changes, not every check: at least one failure when unhealthy.
              consecutiveFailures: i.healthy ? 0 : 1,
              firstSuccess: i.health?.firstSuccess ?? null,
              lastFailure: i.health?.lastFailure ?? null,
              lastSuccess: i.health?.lastSuccess ?? null,
              lastFailureCause: i.health?.lastFailureCause ?? null,
              instanceId: i.instanceId,
            },
          ]
        : [],
  };
}

export function tasksOf(scheduler: AppsScheduler, appId: string, tandem = false): Record<string, unknown>[] {
  const app = scheduler.repo.apps.get(appId);
  return scheduler.repo
    .instancesOf(appId)
    .map((i) => taskJson(i, app, tandem))
    .filter((t): t is Record<string, unknown> => t !== undefined);
}

/** tasksStaged / Running / Healthy / Unhealthy, as Marathon counts them. */
export function counts(instances: readonly Instance[]): Record<string, number> {
  let staged = 0;
  let running = 0;
  let healthy = 0;
  let unhealthy = 0;
  for (const i of instances) {
    if (i.condition === 'Provisioned' || i.condition === 'Staging' || i.condition === 'Starting') staged += 1;
    if (i.condition !== 'Running') continue;
    running += 1;
    if (i.healthChecked && i.healthy === true) healthy += 1;
    if (i.healthChecked && i.healthy === false) unhealthy += 1;
  }
  return { tasksStaged: staged, tasksRunning: running, tasksHealthy: healthy, tasksUnhealthy: unhealthy };
}

/**
 * What waits in the launch queue for an app, and why ("why is my app waiting?"): Marathon's
 * QueueObject fields (count, delay, since, processedOffersSummary, lastUnusedOffers);
 * `tandem` adds each unused offer's `details` and the waiting `instances`.
 */
export function waitingJson(scheduler: AppsScheduler, app: AppDefinition, tandem = false): Record<string, unknown> | undefined {
  const waiting = scheduler.repo.instancesOf(app.id).filter((i) => i.condition === 'Scheduled' && i.goal === 'Running');
  if (waiting.length === 0) return undefined;
  const left = scheduler.delayLeftMs(app);
  const lastUnusedOffers = scheduler.offerStats.lastUnusedOffers(app.id).map((u) => unusedOfferJson(u, tandem));
  return {
    count: waiting.length,
    delay: { timeLeftSeconds: Math.ceil(left / 1000), overdue: left === 0 },
    since: waiting.map((w) => w.since).sort()[0],
    processedOffersSummary: scheduler.offerStats.summary(app.id),
    lastUnusedOffers,
    ...(tandem ? { instances: waiting.slice(0, 100).map((w) => ({ instanceId: w.instanceId, since: w.since, lastUnusedOffers })) } : {}),
  };
}

export interface Embed {
  tasks: boolean;
  /** `embed=tandem`: Tandem's fields (`waiting`; the tasks' instanceId, condition, goal). */
  tandem?: boolean;
  lastTaskFailure: boolean;
  /** `embed=app.readiness`: the readiness check results of a deployment in progress. */
  readiness?: boolean;
}

/**
 * An app's definition as Marathon's App type shows it (a queue item's `app`, a group's
 * apps): the stored fields, `ports` beside `portDefinitions`, nulls where unset.
 */
export function definitionJson(app: AppDefinition): Record<string, unknown> {
  return {
    ...app,
    cmd: app.cmd ?? null,
    args: app.args ?? null,
    container: app.container ?? null,
    ports: app.portDefinitions.map((p) => p.port),
  };
}

/** An app as `GET /v2/apps[/{id}]` returns it: the definition plus Marathon's read-only status fields (AppInfo). */
export function appJson(scheduler: AppsScheduler, app: AppDefinition, embed: Embed): Record<string, unknown> {
  const instances = scheduler.repo.instancesOf(app.id);
  const failure = scheduler.lastFailures.get(app.id);
  const waiting = embed.tandem ? waitingJson(scheduler, app, true) : undefined;
  return {
    ...definitionJson(app),
    ...counts(instances),
    deployments: scheduler.lockingDeployments([app.id]).map((d) => ({ id: d.id })),
    ...(embed.tasks ? { tasks: tasksOf(scheduler, app.id, embed.tandem) } : {}),
    ...(embed.lastTaskFailure && failure ? { lastTaskFailure: failure } : {}),
    ...(embed.readiness ? { readinessCheckResults: scheduler.readiness.resultsOf(app.id) } : {}),
    ...(waiting ? { waiting } : {}),
  };
}

/** A deployment as `/v2/deployments` shows it (DeploymentStepInfo); `tandem` adds timeoutAt and rollbackOf. */
export function deploymentJson(scheduler: AppsScheduler, id: string, tandem = false): Record<string, unknown> | undefined {
  const d = scheduler.repo.deployments.get(id);
  if (!d) return undefined;
  const step = d.steps[d.currentStep];
  return {
    id: d.id,
    version: d.version,
    affectedApps: d.affectedApps,
    affectedPods: [],
    steps: d.steps,
    currentActions: (step?.actions ?? []).map((a) => ({ ...a, readinessCheckResults: scheduler.readiness.resultsOf(a.app) })),
    currentStep: Math.min(d.currentStep + 1, d.steps.length),
    totalSteps: d.steps.length,
    ...(tandem && d.timeoutAt ? { timeoutAt: new Date(d.timeoutAt).toISOString() } : {}),
    ...(tandem && d.rollbackOf ? { rollbackOf: d.rollbackOf } : {}),
  };
}

/** The ranges of a `"[31000-31005,31010-31010]"` resource (as `Resources.toJSON` writes them). */
function rangesOf(text: string): { begin: number; end: number }[] | undefined {
  const parts = text
    .replace(/^\[|\]$/g, '')
    .split(',')
    .map((r) => /^\s*(\d+)\s*-\s*(\d+)\s*$/.exec(r));
  if (parts.some((m) => !m)) return undefined;
  return parts.map((m) => ({ begin: Number(m![1]), end: Number(m![2]) }));
}

/** An offer an app could not use, as Marathon's UnusedOffer (resources and attributes as lists); `tandem` adds `details`. */
export function unusedOfferJson(u: UnusedOffer, tandem = false): Record<string, unknown> {
  const resources = Object.entries(u.offer.resources).map(([name, value]) => {
    if (typeof value === 'number') return { name, role: '*', scalar: value };
    const ranges = rangesOf(value);
    return ranges ? { name, role: '*', ranges } : { name, role: '*', set: [value] };
  });
  const attributes = Object.entries(u.offer.attributes).map(([name, value]) => ({ name, set: [value] }));
  return {
    offer: { id: u.offer.id, agentId: u.offer.agentId, hostname: u.offer.hostname, resources, attributes },
    reason: u.reason,
    timestamp: u.timestamp,
    ...(tandem ? { details: u.details } : {}),
  };
}
