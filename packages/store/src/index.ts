export { DirLock, type LockHolder, lockHolder } from './dir-lock.js';
export { DEFAULT_MAX_RECORD_BYTES, FileStore, type FileStoreOptions } from './file-store.js';
export { DEFAULT_LEASE_TTL_MS, LEASE_KEY, type LeaderIdentity, LeaderLease, type LeaderLeaseOptions, type LeasePhase } from './leader-lease.js';
export { findMembers, MemberRoster, ROSTER_TTL_MS, RosterMembership, type RosterOptions, rosterBucket } from './member-roster.js';
export { MemoryStore } from './memory-store.js';
export {
  explainNatsConnectError,
  type NatsAccess,
  type NatsAuth,
  type NatsTls,
  natsConnectOptions,
  natsServerInfo,
  parseNatsCredentials,
} from './nats-access.js';
export { decodeKey as decodeNatsKey, encodeKey as encodeNatsKey } from './nats-key.js';
export { DEFAULT_NATS_TIMEOUT_MS, NatsKvStore, type NatsKvStoreOptions } from './nats-kv-store.js';
export { type NatsPublisher, type NatsPublisherOptions, openNatsPublisher } from './nats-publisher.js';
export { observedStore, type StoreWriteObserver, type StoreWriteOp } from './observed-store.js';
export type { Store, StoreEntry } from './store.js';
export { checkStore, type RepairResult, repairStore, type StoreReport } from './store-doctor.js';
export { parseStoreUrl, redactStoreUrl, type StoreLocation } from './store-url.js';
export { type Startable, type StoreBackedService, startOnFileStore } from './with-file-store.js';
