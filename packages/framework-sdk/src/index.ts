export {
  type BackoffOptions,
  Code,
  type InverseOffer,
  isTerminal,
  type Offer,
  type Range,
  type ResourceSpec,
  Resources,
  type Subscribed,
  TandemError,
  type TaskInfoInit,
  TaskStates,
  type TaskStatus,
  ValidationError,
} from '@tandem/protocol';
export { AckBatcher, type AckBatcherOptions, DEFAULT_MAX_ACK_BATCH } from './ack-batcher.js';
export type { DriverEvent, DriverEventType } from './driver-event.js';
export { canTransitionDriver, DRIVER_TRANSITIONS, type DriverState } from './driver-state.js';
export { HeldFeed, type HoldHooks } from './held-feed.js';
export { DOCKER_PARAMETER_KEYS, type MarathonContainer, marathonDockerHostAccess } from './marathon-docker.js';
export { type MatchResult, matchTasks, type OfferMatch } from './match-tasks.js';
export {
  DEFAULT_AUTO_ACKNOWLEDGE,
  DEFAULT_CALL_TIMEOUT_MS,
  DEFAULT_DROP_STALE_UPDATES,
  DEFAULT_FAILOVER_TIMEOUT_MS,
  DEFAULT_MAX_MISSED_HEARTBEATS,
  DEFAULT_RECONNECT,
  DEFAULT_ROLES,
  type DriverOptions,
  driverDefaults,
  type FrameworkOptions,
  type ResolvedDriverOptions,
  resolveDriverOptions,
} from './options.js';
export { type ReconcileTarget, SchedulerDriver } from './scheduler-driver.js';
export {
  DEFAULT_DECLINE_MS,
  DEFAULT_RECONCILE_INTERVAL_MS,
  DEFAULT_SERVICE_FAILOVER_TIMEOUT_MS,
  DEFAULT_SERVICE_HOST,
  type ResolvedServiceFrameworkOptions,
  resolveServiceFrameworkOptions,
  type ServiceFrameworkOptions,
} from './service-options.js';
export { servicePrincipal } from './service-principal.js';
export { DEFAULT_STALE_UPDATE_MEMORY, StaleUpdateFilter } from './stale-updates.js';
export { type DockerHostAccess, type Placement, type SecretEnv, specResources, type TaskSpec, taskInfo } from './task-info.js';
