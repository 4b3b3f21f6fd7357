export type { Allocation, Allocator, FrameworkAllocationOptions, RoleQuota, ScalarQuantities } from './allocator/allocator.js';
export { DrfAllocator, type DrfAllocatorOptions } from './allocator/drf-allocator.js';
export { HierarchicalAllocator, type HierarchicalAllocatorOptions } from './allocator/hierarchical-allocator.js';
export {
  type CallLimitOptions,
  CallLimits,
  type CallPrincipal,
  DEFAULT_CALL_LIMITS,
  type MasterLimitOptions,
  RETRY_AFTER_TRAILER,
} from './call-limits.js';
export { DEFAULT_EVENT_BUFFER, EVENT_SUBJECT_PREFIX, EventPublisher, type EventPublisherOptions, type EventSink, type EventSource } from './event-publisher.js';
export { Master } from './master.js';
export { DEFAULT_MASTER_OPTIONS, type MasterOptions, masterDefaults, resolveMasterOptions } from './options.js';
export type { UiLinks } from './ui-links.js';
