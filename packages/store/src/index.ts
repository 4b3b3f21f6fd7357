export { FileStore, type FileStoreOptions } from './file-store.js';
export { MemoryStore } from './memory-store.js';
export type { Store, StoreEntry } from './store.js';
export { type Startable, type StoreBackedService, startOnFileStore } from './with-file-store.js';
