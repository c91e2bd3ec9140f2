/** The store stage: durable incidents and the outbox the uplink drains. */
/** The store's file name inside agent.dataDir (the agent and every CLI command open this one). */
export const STORE_FILE = 'camwatch.db';
export type { IncidentStore, CountBinStore, OutboxEntry, ResendSelector, StoreUsage } from './types.js';
/** The three ports: what the pipeline saves through, what the uplink drains, what the CLI administers. */
export type { IncidentSink } from './incident-sink.js';
export type { Outbox, CountBinEvents } from './outbox.js';
export type { StoreAdmin } from './store-admin.js';
export { openStore, DEFAULT_STORE_BUSY_TIMEOUT_MS, DEFAULT_STORE_SYNCHRONOUS, DEFAULT_STORE_HELD_MAX } from './sqlite-store.js';
export type { MaintenanceReport } from './maintenance.js';
export { DEFAULT_STORE_QUOTAS, DEFAULT_STORE_MAINTAIN_INTERVAL_MS, DEFAULT_STORE_MAX_SNAPSHOT_BYTES, DEFAULT_STORE_MAX_DATABASE_BYTES, DEFAULT_STORE_RETENTION_DAYS, planSnapshotPrune, retentionCutoffMs } from './quotas.js';
export type { StoreQuotas, SnapshotCandidate, SnapshotPrunePlan } from './quotas.js';
export type { OpenStoreOptions, StoreSynchronous } from './sqlite-store.js';
export { migrate, pendingMigrations, MIGRATIONS, SCHEMA_VERSION } from './migrations.js';
export type { Migration } from './migrations.js';
export { createStoreWriter, DEFAULT_STORE_BATCH_WINDOW_MS, DEFAULT_STORE_BATCH_MAX } from './writer.js';
export type { StoreWriter, StoreWriterOptions, StoreWriterStats } from './writer.js';
export { openStoreReader } from './reader.js';
export type { EventSummary, IncidentDetail, IncidentSummary, ListFilter, StoreReader } from './reader.js';
export { checkStore, checkStoreFiles, quickCheck, storeCorruptError, isCorruption, STARTUP_CHECKED_TABLES } from './check.js';
export type { StoreDamage } from './check.js';
export { recoverStore } from './recover.js';
export type { RecoverOptions, RecoverOutcome, RecoveryReport } from './recover.js';
export { storeHolders } from './holders.js';
export { lockDataDir, probeDataDirLock, readDataDirOwner, currentOwner, describeOwner, DATA_DIR_LOCK_FILE, DATA_DIR_OWNER_FILE } from './data-dir-lock.js';
export type { DataDirLock, DataDirOwner } from './data-dir-lock.js';
export { readCounts, type CountFilter, type CountRow } from './count-reader.js';
