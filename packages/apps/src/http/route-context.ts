import type { HttpAclGuard } from '@tandem/protocol';
import type { AppDefinition } from '../app/app-definition.js';
import type { AppLimits } from '../app/validate-app.js';
import type { AppsMetrics } from '../core/apps-metrics.js';
import type { AppsScheduler } from '../core/apps-scheduler.js';
import type { EventBus } from '../events/event-bus.js';
import type { ResolvedAppsOptions } from '../options.js';

/** What the HTTP routes work with. */
export interface RouteContext {
  scheduler: AppsScheduler;
  events: EventBus;
  metrics: AppsMetrics;
  options: ResolvedAppsOptions;
  limits: AppLimits;
  /** host:port the API listens on. */
  address(): string;
  /** The ACLs on requests (`deploy_apps` on the app and group ids a change touches). @default none: allowed */
  acl?: HttpAclGuard;
}

export type Query = Record<string, string | string[] | undefined>;

export function flagOf(q: Query, name: string): boolean {
  const v = q[name];
  const s = Array.isArray(v) ? v[0] : v;
  return s === 'true' || s === '1' || s === '';
}

export function listOf(q: Query, name: string): string[] {
  const v = q[name];
  if (v === undefined) return [];
  return (Array.isArray(v) ? v : [v]).flatMap((s) => s.split(',')).filter(Boolean);
}

/** A placeholder stamp for validation; the scheduler stamps the real version. */
export const UNSTAMPED = { version: '', versionInfo: { lastScalingAt: '', lastConfigChangeAt: '' } };

/** The stored app as input again (for PUT/PATCH merges). */
export function asInput(app: AppDefinition): Record<string, unknown> {
  const { version: _v, versionInfo: _vi, ...rest } = app;
  return rest;
}
