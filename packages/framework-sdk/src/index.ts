export { SchedulerDriver, type ReconcileTarget } from './scheduler-driver.js';
export {
  driverDefaults,
  DEFAULT_AUTO_ACKNOWLEDGE,
  DEFAULT_CALL_TIMEOUT_MS,
  DEFAULT_MAX_MISSED_HEARTBEATS,
  DEFAULT_RECONNECT,
  DEFAULT_ROLES,
  type DriverOptions,
  type FrameworkOptions,
  type ResolvedDriverOptions,
} from './options.js';
export type { DriverEvent, DriverEventType } from './driver-event.js';
export { DRIVER_TRANSITIONS, canTransitionDriver, type DriverState } from './driver-state.js';
export { AckBatcher, DEFAULT_MAX_ACK_BATCH, type AckBatcherOptions } from './ack-batcher.js';
export { HeldFeed, type HoldHooks } from './held-feed.js';
export { taskInfo, specResources, type TaskSpec, type Placement } from './task-info.js';
export { matchTasks, type MatchResult, type OfferMatch } from './match-tasks.js';
export {
  Resources,
  TandemError,
  ValidationError,
  Code,
  TaskStates,
  isTerminal,
  type Offer,
  type TaskStatus,
  type TaskInfoInit,
  type Subscribed,
  type Range,
  type ResourceSpec,
  type BackoffOptions,
} from '@tandem/protocol';
