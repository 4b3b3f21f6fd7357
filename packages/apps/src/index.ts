// @tandem/apps: the Marathon-compatible framework for long-running services. Its public
// face: the framework and the services that run it (on a file store, or in high
// availability on a NATS store), its options and defaults, the app definition (Marathon's
// JSON, as validated), and the events it emits.
export type { AppDefinition, VersionInfo } from './app/app-definition.js';
export { appSchema, CONSTRAINT_OPERATORS, type Constraint, type HealthCheckDefinition, type PortDefinition } from './app/app-schema.js';
export { type AppLimits, validateApp } from './app/validate-app.js';
export { AppsFramework } from './apps-framework.js';
export { APPS_BUCKET, type AppsHaServiceOptions, type RunningAppsHa, startAppsHaService } from './apps-ha-service.js';
export { type RunningApps, startAppsService } from './apps-service.js';
export type { Deployment, DeploymentState } from './core/deployment.js';
export type { Condition, Goal, Instance } from './core/instance.js';
export type { AppsEvent } from './events/event-bus.js';
export {
  type AppsFrameworkOptions,
  appsDefaults,
  DEFAULT_APPS_PORT,
  DEFAULT_APPS_ROLES,
  DEFAULT_DEPLOYMENT_TIMEOUT_MS,
  DEFAULT_FRAMEWORK_NAME,
  DEFAULT_KILL_RETRY_MS,
  DEFAULT_LOCAL_PORT_MAX,
  DEFAULT_LOCAL_PORT_MIN,
  DEFAULT_MAX_INSTANCES_PER_APP,
  DEFAULT_MAX_VERSIONS,
  DEFAULT_MIN_REVIVE_INTERVAL_MS,
  DEFAULT_TICK_MS,
  DEFAULT_WAITING_DECLINE_MS,
  type ResolvedAppsOptions,
  resolveAppsOptions,
  resolveAppsSettings,
} from './options.js';
