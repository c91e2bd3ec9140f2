/** The store stage: durable incidents and the outbox the uplink drains. */
export type { IncidentStore, OutboxEntry, ResendSelector } from './types.js';
export { openStore, DEFAULT_STORE_BUSY_TIMEOUT_MS, DEFAULT_STORE_SYNCHRONOUS } from './sqlite-store.js';
export type { OpenStoreOptions, StoreSynchronous } from './sqlite-store.js';
export { migrate, pendingMigrations, MIGRATIONS, SCHEMA_VERSION } from './migrations.js';
export type { Migration } from './migrations.js';
export { openStoreReader } from './reader.js';
export type { EventSummary, IncidentDetail, IncidentSummary, ListFilter, StoreReader } from './reader.js';
