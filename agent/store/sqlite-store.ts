import { dirname, join } from 'node:path';
import Database from 'better-sqlite3';
import { type Logger, CamwatchError } from '../core/index.js';
import type { IncidentStore } from './types.js';
import { migrate } from './migrations.js';
import { StoreMaintenance } from './maintenance.js';
import { DEFAULT_STORE_QUOTAS, type StoreQuotas } from './quotas.js';
import { countBinStore } from './count-bins.js';
import { clipStore } from './clips.js';
import { checkStore, storeCorruptError } from './check.js';
import { incidentStatements } from './incident-statements.js';
import { outboxStatements } from './outbox-statements.js';
import { DEFAULT_STORE_HELD_MAX, HeldEvents } from './held-events.js';
import { DEFAULT_STORE_DISK_RESERVE_BYTES, DEFAULT_STORE_WAL_CHECKPOINT_PAGES, DEFAULT_STORE_WAL_SIZE_LIMIT_BYTES, StoreSpace } from './store-space.js';
import { pressureSaves } from './pressure-saves.js';
import { maintainStore } from './maintain-pass.js';
import { storeOpenError } from './write-errors.js';

export { DEFAULT_STORE_HELD_MAX } from './held-events.js';
export { DEFAULT_STORE_DISK_RESERVE_BYTES, DEFAULT_STORE_WAL_CHECKPOINT_PAGES, DEFAULT_STORE_WAL_SIZE_LIMIT_BYTES } from './store-space.js';
export { mapWriteError } from './write-errors.js';

/**
 * How long a statement waits for another connection's write lock (ms). Only a second process on the
 * same file (a CLI inspecting the store, a restarted agent overlapping the old one) ever contends.
 */
export const DEFAULT_STORE_BUSY_TIMEOUT_MS = 5_000;

/**
 * FULL: every save() is fsynced to the WAL before it returns, so an incident the agent accepted survives a
 * power cut, not just a process crash; NORMAL (in WAL mode) can lose the last commits on power loss.
 * Measured here (ext4 VM disk, 2 busy cores, 20 kB snapshot, 2,000 saves): FULL 1,500–3,300 saves/s,
 * NORMAL 5,400–7,700 saves/s. Incidents arrive at a few per second at most, so FULL costs nothing that
 * matters, while losing the incident a street camera just caught because the cabinet lost power would.
 */
export const DEFAULT_STORE_SYNCHRONOUS: StoreSynchronous = 'FULL';

export type StoreSynchronous = 'FULL' | 'NORMAL';

export interface OpenStoreOptions {
  /** SQLite file; its directory must exist. */
  path: string;
  logger: Logger;
  /** Overrides DEFAULT_STORE_SYNCHRONOUS (benchmarks, tests of throughput). */
  synchronous?: StoreSynchronous;
  /** Overrides Date.now for created_at / sent_at (tests). */
  now?: () => number;
  /** Quotas and retention (config `store`); defaults DEFAULT_STORE_QUOTAS. */
  quotas?: Partial<StoreQuotas>;
  /** Overrides DEFAULT_STORE_HELD_MAX (tests). */
  heldMax?: number;
  /** Overrides DEFAULT_STORE_DISK_RESERVE_BYTES (tests). */
  diskReserveBytes?: number;
  /** The exact command a STORE_CORRUPT error tells the operator to run (the agent names its config file). */
  recoverCommand?: string;
  /** Folder of the evidence clip files; default `clips/store` beside the database. */
  clipsDir?: string;
}

/**
 * Opens (creating and migrating if needed) the incident store at `path`: the SQLite implementation of the
 * three ports (IncidentSink, Outbox, StoreAdmin), assembled from its parts. Throws STORE_CORRUPT (with the
 * recovery command) when the file is damaged, checked before anything is written to it (see check.ts),
 * and STORE_OPEN naming the path for anything else.
 */
export function openStore(options: OpenStoreOptions): IncidentStore {
  const log = options.logger.child({ component: 'store' });
  const now = options.now ?? Date.now;
  const synchronous = options.synchronous ?? DEFAULT_STORE_SYNCHRONOUS;
  const { path } = options;
  const { db, version } = openDatabase(path, synchronous, options.recoverCommand);

  const quotas: StoreQuotas = { ...DEFAULT_STORE_QUOTAS, ...options.quotas };
  const incidents = incidentStatements(db, log);
  const outbox = outboxStatements(db, { path, now, synchronous, log, ...(options.recoverCommand === undefined ? {} : { recoverCommand: options.recoverCommand }) });
  const counts = countBinStore(db, now);
  const clips = clipStore(db, options.clipsDir ?? join(dirname(path), 'clips', 'store'), now, log);
  const maintenance = new StoreMaintenance(db);
  const space = new StoreSpace(db, maintenance, { path, dataDir: dirname(path), reserveBytes: options.diskReserveBytes ?? DEFAULT_STORE_DISK_RESERVE_BYTES, quotas, now, log });
  const held = new HeldEvents({ path, max: options.heldMax ?? DEFAULT_STORE_HELD_MAX, now, log });
  const saves = pressureSaves({ statements: incidents, space, held, path, now });

  let closed = false;
  log.info({ path, schemaVersion: version, synchronous, pending: outbox.pendingCount() }, 'store opened');

  return {
    counts,
    clips,
    // The pipeline's port.
    save: saves.save,
    saveMany: saves.saveMany,
    openIncidents: incidents.openIncidents,
    openIncidentCameras: incidents.openIncidentCameras,
    // The uplink's port.
    ...outbox,
    // The operator's port.
    get: incidents.get,
    maintain: (nowMs) => maintainStore({ maintenance, space, held, counts, flushHeld: saves.flushHeld, quotas, path, log }, nowMs),
    held: () => held.count,
    usage() {
      const diskFreeBytes = space.diskFreeBytes();
      const fullSinceMs = held.fullSince;
      return {
        snapshotBytes: space.snapshotBytes,
        maxSnapshotBytes: quotas.maxSnapshotBytes,
        databaseBytes: maintenance.databaseBytes(),
        maxDatabaseBytes: quotas.maxDatabaseBytes,
        ...(diskFreeBytes === undefined ? {} : { diskFreeBytes }),
        pending: outbox.pendingCount(),
        held: held.count,
        ...(fullSinceMs === undefined ? {} : { fullSinceMs }),
        prunedSnapshots: space.counters.prunedSnapshots,
        prunedUnsentSnapshots: space.counters.prunedUnsentSnapshots,
        droppedEvents: held.droppedEvents,
        expiredIncidents: space.counters.expiredIncidents,
        prunedIncidents: space.counters.prunedIncidents,
      };
    },
    close() {
      if (closed) return;
      closed = true;
      db.close();
      log.info({ path }, 'store closed');
    },
  };
}

/** Opens the file after checking it is not damaged, in WAL mode with the store's pragmas, migrated. */
function openDatabase(path: string, synchronous: StoreSynchronous, recoverCommand: string | undefined): { db: Database.Database; version: number } {
  let db: Database.Database;
  try {
    const damage = checkStore(path);
    if (damage !== undefined) throw storeCorruptError(path, damage, recoverCommand);
    db = new Database(path, { timeout: DEFAULT_STORE_BUSY_TIMEOUT_MS });
  } catch (err) {
    if (err instanceof CamwatchError) throw err;
    throw storeOpenError(path, err, recoverCommand);
  }
  try {
    // WAL: the uplink reads the outbox while the incident stage writes, without blocking each other.
    const mode = db.pragma('journal_mode = WAL', { simple: true });
    if (mode !== 'wal') throw new Error(`journal_mode is ${String(mode)}, WAL unavailable`);
    db.pragma(`synchronous = ${synchronous}`);
    db.pragma(`wal_autocheckpoint = ${DEFAULT_STORE_WAL_CHECKPOINT_PAGES}`);
    db.pragma(`journal_size_limit = ${DEFAULT_STORE_WAL_SIZE_LIMIT_BYTES}`);
    db.pragma('foreign_keys = ON');
    return { db, version: migrate(db) };
  } catch (err) {
    db.close();
    throw storeOpenError(path, err, recoverCommand);
  }
}
