import { allocatorContract } from '../test-support/allocator-contract.js';
import { DrfAllocator } from './drf-allocator.js';

// The simple reference allocator: plain DRF over frameworks, no roles, quota or weights.
allocatorContract('DrfAllocator', (now) => new DrfAllocator({ now }));
