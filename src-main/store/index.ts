// The store's public face: open the database, then use its runs, registry and bundles.
export { openStore, type Store } from './open-store'
export type { RunStartInfo, RunStore } from './run-store'
export type { RegistryStore } from './registry-store'
export { StoreOpenError } from './database'
export { MAX_STORED_POINTS } from './downsample'
export { runDirectory } from './run-files'
export { runHandlers } from './handlers'
