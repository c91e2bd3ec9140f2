/** The store stage: durable incidents and the outbox the uplink drains. */
/** The store's file name inside agent.dataDir (the agent and every CLI command open this one). */
export const STORE_FILE = 'camwatch.db';
export type { IncidentStore, OutboxEntry, StoreUsage } from './types.js';
/** The three ports: what the pipeline saves through, what the uplink drains, what the CLI administers. */
export type { IncidentSink } from './incident-sink.js';
export type { Outbox } from './outbox.js';
export type { StoreAdmin } from './store-admin.js';
export { openStore, DEFAULT_STORE_BUSY_TIMEOUT_MS, DEFAULT_STORE_SYNCHRONOUS, DEFAULT_STORE_HELD_MAX, DEFAULT_STORE_DISK_RESERVE_BYTES } from './sqlite-store.js';
export { DEFAULT_STORE_QUOTAS, DEFAULT_STORE_MAINTAIN_INTERVAL_MS, DEFAULT_STORE_MAX_SNAPSHOT_BYTES, DEFAULT_STORE_MAX_DATABASE_BYTES, DEFAULT_STORE_RETENTION_DAYS } from './quotas.js';
export { SCHEMA_VERSION } from './migrations.js';
export { createStoreWriter, DEFAULT_STORE_BATCH_WINDOW_MS, DEFAULT_STORE_BATCH_MAX } from './writer.js';
export type { StoreWriter } from './writer.js';
export { openStoreReader } from './reader.js';
export type { IncidentSummary } from './reader.js';
export { checkStore, isCorruption } from './check.js';
export { recoverStore } from './recover.js';
export type { RecoveryReport } from './recover.js';
export { lockDataDir, probeDataDirLock, currentOwner, describeOwner } from './data-dir-lock.js';
export type { DataDirLock } from './data-dir-lock.js';
export { readCounts, type CountFilter, type CountRow } from './count-reader.js';
export type { ClipStore, StoredClip, NewClip } from './clips.js';
