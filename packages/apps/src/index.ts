/** @deprecated the one validation error is `ValidationError` of @tandem/protocol; the old name stays for existing callers. */
export { type FieldErrors, ValidationError as AppValidationError } from '@tandem/protocol';
export { type AppDefinition, isConfigChange, type VersionInfo } from './app/app-definition.js';
export { appSchema, CONSTRAINT_OPERATORS, type Constraint, type HealthCheckDefinition, type PortDefinition } from './app/app-schema.js';
export { agentHealthChecks } from './app/health-check-mapping.js';
export { canonicalPathId, pathIdProblem } from './app/path-id.js';
export { type AppLimits, validateApp } from './app/validate-app.js';
export { AppsFramework } from './apps-framework.js';
export { type RunningApps, startAppsService } from './apps-service.js';
export { AppLockedError } from './core/app-locked-error.js';
export { AppsScheduler } from './core/apps-scheduler.js';
export { converge, isConverged } from './core/converge.js';
export { DEPLOYMENT_TRANSITIONS, type Deployment, type DeploymentState } from './core/deployment.js';
export { planSteps } from './core/deployment-plan.js';
export type { GroupChange, GroupRecord } from './core/group-record.js';
export { type Condition, type Goal, INSTANCE_TRANSITIONS, type Instance } from './core/instance.js';
export type { TaskFailure } from './core/task-failure.js';
export { parseTaskId, taskIdOf } from './core/task-ids.js';
export { type AppsEvent, EventBus } from './events/event-bus.js';
export {
  type AppsFrameworkOptions,
  appsDefaults,
  DEFAULT_APPS_HOST,
  DEFAULT_APPS_PORT,
  DEFAULT_APPS_ROLES,
  DEFAULT_DECLINE_SECONDS,
  DEFAULT_DEPLOYMENT_TIMEOUT_MS,
  DEFAULT_DEPLOYMENT_TIMEOUT_SECONDS,
  DEFAULT_FAILOVER_TIMEOUT_SECONDS,
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
} from './options.js';
