import type { AppDefinition } from '../app/app-definition.js';
import type { AppsScheduler } from '../core/apps-scheduler.js';
import { appJson, definitionJson } from './app-json.js';
import { taskStatsJson } from './task-stats.js';

/** What an app may carry beside its definition (Marathon's AppInfo.Embed). */
export type AppEmbed = 'counts' | 'deployments' | 'readiness' | 'tasks' | 'lastTaskFailure' | 'taskStats';

const APP_PREFIXES = ['group.apps.', 'apps.', 'app.'] as const;

/**
 * `embed=` values as Marathon reads them for apps: `app.`, `apps.`, `group.apps.` or no
 * prefix; `tasks` brings `deployments` too and the deprecated `failures` brings tasks,
 * lastTaskFailure and deployments. Values it does not know are left out, as Marathon
 * does (`tandem`, a group's embeds).
 */
export function resolveAppEmbeds(values: Iterable<string>): Set<AppEmbed> {
  const out = new Set<AppEmbed>();
  for (const value of values) {
    const prefix = APP_PREFIXES.find((p) => value.startsWith(p)) ?? '';
    switch (value.slice(prefix.length)) {
      case 'tasks':
        out.add('tasks').add('deployments');
        break;
      case 'failures':
        out.add('tasks').add('lastTaskFailure').add('deployments');
        break;
      case 'deployments':
      case 'readiness':
      case 'lastTaskFailure':
      case 'counts':
      case 'taskStats':
        out.add(value.slice(prefix.length) as AppEmbed);
        break;
    }
  }
  return out;
}

/** What a group shows (Marathon's GroupInfo.Embed), and what each of its apps carries. */
export interface GroupEmbeds {
  apps: boolean;
  groups: boolean;
  pods: boolean;
  app: Set<AppEmbed>;
}

/**
 * A group's `embed=` values as Marathon reads them: `group.apps`, `group.groups`,
 * `group.pods`, and `group.apps.<x>` for what each app carries (tasks, counts,
 * deployments, readiness, lastTaskFailure, taskStats). With none of them, the apps, groups
 * and pods are shown and each app is its definition alone; once any is given, only what
 * is named is shown (`embed=group.apps.counts` alone shows no apps, as in Marathon).
 */
export function resolveGroupEmbeds(values: readonly string[]): GroupEmbeds {
  const known = values.filter((v) => v === 'group.apps' || v === 'group.groups' || v === 'group.pods' || v.startsWith('group.apps.'));
  if (known.length === 0) return { apps: true, groups: true, pods: true, app: new Set() };
  return {
    apps: known.includes('group.apps'),
    groups: known.includes('group.groups'),
    pods: known.includes('group.pods'),
    app: resolveAppEmbeds(known.filter((v) => v.startsWith('group.apps.'))),
  };
}

/**
 * An app with what `embeds` asks beside its definition, as Marathon's AppInfo: counts
 * (tasksStaged, tasksRunning, tasksHealthy, tasksUnhealthy), deployments, tasks,
 * lastTaskFailure, readinessCheckResults and taskStats. `tandem` adds Tandem's fields.
 */
export function appInfoJson(scheduler: AppsScheduler, app: AppDefinition, embeds: ReadonlySet<AppEmbed>, tandem = false): Record<string, unknown> {
  if (embeds.size === 0 && !tandem) return definitionJson(app);
  const { tasksStaged, tasksRunning, tasksHealthy, tasksUnhealthy, deployments, ...rest } = appJson(scheduler, app, {
    tasks: embeds.has('tasks'),
    lastTaskFailure: embeds.has('lastTaskFailure'),
    readiness: embeds.has('readiness'),
    tandem,
  });
  return {
    ...rest,
    ...(embeds.has('counts') ? { tasksStaged, tasksRunning, tasksHealthy, tasksUnhealthy } : {}),
    ...(embeds.has('deployments') ? { deployments } : {}),
    ...(embeds.has('taskStats') ? { taskStats: taskStatsJson(app, scheduler.repo.instancesOf(app.id)) } : {}),
  };
}

/**
 * The apps API's embeds: `GET /v2/apps` always carries counts and deployments, and
 * `GET /v2/apps/{id}` tasks and lastTaskFailure too (Marathon adds them for compatibility);
 * `embed=` adds readiness, taskStats and the rest.
 */
export function appsApiEmbeds(values: readonly string[], single: boolean): Set<AppEmbed> {
  const out = resolveAppEmbeds(values).add('counts').add('deployments');
  if (single) out.add('tasks').add('lastTaskFailure');
  return out;
}

/** A group tree (`{id, apps, groups, pods, ...}`) without what `embeds` leaves out, at every depth (key order kept). */
export function pruneGroup(group: Record<string, unknown>, embeds: GroupEmbeds): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(group)) {
    if ((key === 'apps' && !embeds.apps) || (key === 'groups' && !embeds.groups) || (key === 'pods' && !embeds.pods)) continue;
    out[key] = key === 'groups' && Array.isArray(value) ? value.map((g: Record<string, unknown>) => pruneGroup(g, embeds)) : value;
  }
  return out;
}
