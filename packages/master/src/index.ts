export { Master } from './master.js';
export { DEFAULT_MASTER_OPTIONS, masterDefaults, type MasterOptions } from './options.js';
export type { Allocator, Allocation, FrameworkAllocationOptions, RoleQuota, ScalarQuantities } from './allocator/allocator.js';
export { DrfAllocator, type DrfAllocatorOptions } from './allocator/drf-allocator.js';
export { HierarchicalAllocator, type HierarchicalAllocatorOptions } from './allocator/hierarchical-allocator.js';
