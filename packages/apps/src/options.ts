import { type ResolvedServiceFrameworkOptions, resolveServiceFrameworkOptions, type ServiceFrameworkOptions } from '@tandem/framework-sdk';
import { Code, TandemError } from '@tandem/protocol';
import type { Store } from '@tandem/store';
import { DEFAULT_MAX_INSTANCES_PER_APP } from './app/validate-app.js';
import * as defaults from './defaults.js';

export { DEFAULT_RECONCILE_INTERVAL_MS } from '@tandem/framework-sdk';
export { DEFAULT_MAX_BODY_BYTES } from '@tandem/protocol';
export { DEFAULT_MAX_INSTANCES_PER_APP };

/** The apps framework's options: the shared ones of a service framework (port @default 8080, frameworkName @default 'tandem-apps') and its own. */
export interface AppsFrameworkOptions extends ServiceFrameworkOptions {
  /** Where apps, versions, deployments and instances live; the framework does not close it. */
  store: Store;
  /** @default DEFAULT_APPS_ROLES (['*']) */
  roles?: string[];
  /** @default DEFAULT_WAITING_DECLINE_MS / 1000 (5) */
  waitingDeclineSeconds?: number;
  /** @default DEFAULT_TICK_MS (500) */
  tickMs?: number;
  /** @default DEFAULT_MIN_REVIVE_INTERVAL_MS (1000) */
  minReviveIntervalMs?: number;
  /** @default DEFAULT_KILL_RETRY_MS (10000) */
  killRetryMs?: number;
  /** @default DEFAULT_MAX_VERSIONS (50) */
  maxVersions?: number;
  /** @default DEFAULT_MAX_INSTANCES_PER_APP (50000) */
  maxInstancesPerApp?: number;
  /** @default DEFAULT_DEPLOYMENT_TIMEOUT_MS / 1000 (0: none) */
  deploymentTimeoutSeconds?: number;
  /** Lowest service port assigned to a `port: 0` (Marathon's --local_port_min). @default DEFAULT_LOCAL_PORT_MIN (10000) */
  localPortMin?: number;
  /** Service ports are assigned below this one (Marathon's --local_port_max). @default DEFAULT_LOCAL_PORT_MAX (20000) */
  localPortMax?: number;
  /**
   * Do not place new instances on an agent whose maintenance window starts within this
   * many seconds or has started (Marathon's --draining_seconds). @default DEFAULT_MAINTENANCE_LEAD_SECONDS (600)
   */
  maintenanceLeadSeconds?: number;
  /** `host:port` clients reach this process at, named by `/v2/info` and `/v2/leader`. @default the API's host and port (127.0.0.1 for 0.0.0.0) */
  advertisedAddress?: string;
  /**
   * Build the REST API without listening: another server hands it requests through
   * `requestHandler()` (the HA front, which listens on `port`). @default false
   */
  embedHttp?: boolean;
}

export type ResolvedAppsOptions = ResolvedServiceFrameworkOptions &
  Required<Omit<AppsFrameworkOptions, keyof ServiceFrameworkOptions | 'advertisedAddress'>> & { advertisedAddress: string | undefined };

function checkPortRange(min: number, max: number): void {
  if (!Number.isInteger(min) || min < 1 || min > 65535)
    throw new TandemError(Code.InvalidArgument, `localPortMin: must be a port from 1 to 65535, got ${min}`, { field: 'localPortMin' });
  if (!Number.isInteger(max) || max > 65536)
    throw new TandemError(Code.InvalidArgument, `localPortMax: must be a whole number up to 65536 (the range excludes it), got ${max}`, {
      field: 'localPortMax',
    });
  if (max <= min)
    throw new TandemError(Code.InvalidArgument, `localPortMax: must be greater than localPortMin (${min}), got ${max}`, { field: 'localPortMax' });
}

/** Fills every option's default; a bad service port range or body limit throws naming the option. */
export function resolveAppsOptions(o: AppsFrameworkOptions): ResolvedAppsOptions {
  return { ...resolveAppsSettings(o), store: o.store };
}

/** Every option but the store, filled and checked as `resolveAppsOptions` does (the HA service checks them before it has a store). */
export function resolveAppsSettings(o: Omit<AppsFrameworkOptions, 'store'>): Omit<ResolvedAppsOptions, 'store'> {
  const localPortMin = o.localPortMin ?? defaults.DEFAULT_LOCAL_PORT_MIN;
  const localPortMax = o.localPortMax ?? defaults.DEFAULT_LOCAL_PORT_MAX;
  checkPortRange(localPortMin, localPortMax);
  const maintenanceLeadSeconds = o.maintenanceLeadSeconds ?? defaults.DEFAULT_MAINTENANCE_LEAD_SECONDS;
  if (!Number.isFinite(maintenanceLeadSeconds) || maintenanceLeadSeconds < 0)
    throw new TandemError(Code.InvalidArgument, `maintenanceLeadSeconds: must be a number of seconds >= 0, got ${maintenanceLeadSeconds}`, {
      field: 'maintenanceLeadSeconds',
    });
  return {
    ...resolveServiceFrameworkOptions(o, { port: defaults.DEFAULT_APPS_PORT, frameworkName: defaults.DEFAULT_FRAMEWORK_NAME }),
    roles: o.roles ?? [...defaults.DEFAULT_APPS_ROLES],
    waitingDeclineSeconds: o.waitingDeclineSeconds ?? defaults.DEFAULT_WAITING_DECLINE_MS / 1000,
    tickMs: o.tickMs ?? defaults.DEFAULT_TICK_MS,
    minReviveIntervalMs: o.minReviveIntervalMs ?? defaults.DEFAULT_MIN_REVIVE_INTERVAL_MS,
    killRetryMs: o.killRetryMs ?? defaults.DEFAULT_KILL_RETRY_MS,
    maxVersions: o.maxVersions ?? defaults.DEFAULT_MAX_VERSIONS,
    maxInstancesPerApp: o.maxInstancesPerApp ?? DEFAULT_MAX_INSTANCES_PER_APP,
    deploymentTimeoutSeconds: o.deploymentTimeoutSeconds ?? defaults.DEFAULT_DEPLOYMENT_TIMEOUT_MS / 1000,
    localPortMin,
    localPortMax,
    maintenanceLeadSeconds,
    advertisedAddress: o.advertisedAddress,
    embedHttp: o.embedHttp ?? false,
  };
}

/** @deprecated the name of `resolveAppsOptions` before every package's resolver was named `resolveXOptions`. */
export const appsDefaults = resolveAppsOptions;

// Every default, from the module that loads nothing (`@tandem/<pkg>/defaults`).
export * from './defaults.js';
