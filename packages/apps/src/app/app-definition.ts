import type { Constraint, HealthCheckDefinition, ParsedApp, PortDefinition } from './app-schema.js';

export interface VersionInfo {
  lastScalingAt: string;
  lastConfigChangeAt: string;
}

/**
 * A validated app: Marathon's fields with every default filled, the id canonical
 * (`/group/app`), `ports` folded into `portDefinitions`, dependencies absolute, and the
 * version stamps. This is what the Store keeps.
 */
export interface AppDefinition extends Omit<ParsedApp, 'ports' | 'portDefinitions' | 'constraints' | 'healthChecks'> {
  portDefinitions: PortDefinition[];
  constraints: Constraint[];
  healthChecks: HealthCheckDefinition[];
  version: string;
  versionInfo: VersionInfo;
}

/**
 * The fields that make a change a config change (a restart); everything but instances and
 * the stamps. No secrets and `secrets: {}` are the same config: apps stored before the
 * field existed have none.
 */
export function configOf(
  app: AppDefinition,
): Omit<AppDefinition, 'instances' | 'version' | 'versionInfo' | 'secrets'> & { secrets?: AppDefinition['secrets'] } {
  const { instances: _i, version: _v, versionInfo: _vi, ...config } = app;
  if (Object.keys(config.secrets ?? {}).length > 0) return config;
  const { secrets: _s, ...rest } = config;
  return rest;
}

/** True when `next` differs from `prev` in more than the instance count. */
export function isConfigChange(prev: AppDefinition, next: AppDefinition): boolean {
  return JSON.stringify(configOf(prev)) !== JSON.stringify(configOf(next));
}

/** The number of host ports an instance takes. */
export function portCount(app: AppDefinition): number {
  return app.portDefinitions.length;
}

/** The app's Docker image, if it runs in a container. */
export function imageOf(app: AppDefinition): string | undefined {
  return app.container?.docker?.image;
}
