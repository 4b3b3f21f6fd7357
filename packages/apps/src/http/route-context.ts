import { Code, type HttpAclGuard, TandemError } from '@tandem/protocol';
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

/**
 * A boolean query parameter read as Marathon reads it: `true` and `false` in any case
 * (`force=True`, `scale=TRUE`), and also `1`/`0` and a bare `?force` (true). Absent:
 * false. Anything else is a 400 naming the parameter, not a silent false.
 */
export function flagOf(q: Query, name: string): boolean {
  const v = q[name];
  const s = Array.isArray(v) ? v[0] : v;
  if (s === undefined) return false;
  const word = s.trim().toLowerCase();
  if (word === 'true' || word === '1' || word === '') return true;
  if (word === 'false' || word === '0') return false;
  throw new TandemError(Code.InvalidArgument, `${name}: ${JSON.stringify(s)} is not a boolean (true or false, in any case)`, { field: name });
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
