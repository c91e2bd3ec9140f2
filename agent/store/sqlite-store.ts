import Database from 'better-sqlite3';
import type { Logger } from '../ops/logger.js';
import { CamwatchError } from '../ops/errors.js';
import type { Incident, IncidentRecord } from '../incidents/types.js';
import type { IncidentStore, OutboxEntry } from './types.js';
import { migrate } from './migrations.js';

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
}

interface OutboxRow {
  seq: number;
  incident_id: string;
  created_at: number;
  attempts: number;
}

/** Opens (creating and migrating if needed) the incident store at `path`. Throws STORE_OPEN naming the path. */
export function openStore(options: OpenStoreOptions): IncidentStore {
  const log = options.logger.child({ component: 'store' });
  const now = options.now ?? Date.now;
  const synchronous = options.synchronous ?? DEFAULT_STORE_SYNCHRONOUS;
  let db: Database.Database;
  let version: number;
  try {
    db = new Database(options.path, { timeout: DEFAULT_STORE_BUSY_TIMEOUT_MS });
  } catch (err) {
    throw storeOpenError(options.path, err);
  }
  try {
    // WAL: the uplink reads the outbox while the incident stage writes, without blocking each other.
    const mode = db.pragma('journal_mode = WAL', { simple: true });
    if (mode !== 'wal') throw new Error(`journal_mode is ${String(mode)}, WAL unavailable`);
    db.pragma(`synchronous = ${synchronous}`);
    db.pragma('foreign_keys = ON');
    version = migrate(db);
  } catch (err) {
    db.close();
    throw storeOpenError(options.path, err);
  }

  // Prepared once: save() sits on the incident path and markSent() on every PUBACK.
  const insertIncident = db.prepare<[string, string, string, string, string, number]>(
    `INSERT INTO incidents (id, camera, type, category, payload, created_at) VALUES (?, ?, ?, ?, ?, ?)
     ON CONFLICT(id) DO UPDATE SET camera = excluded.camera, type = excluded.type,
       category = excluded.category, payload = excluded.payload`,
  );
  const upsertEvidence = db.prepare<[string, string, Buffer, number, number]>(
    `INSERT INTO evidence (incident_id, content_type, jpeg, path, bytes, created_at) VALUES (?, ?, ?, NULL, ?, ?)
     ON CONFLICT(incident_id) DO UPDATE SET content_type = excluded.content_type, jpeg = excluded.jpeg,
       path = NULL, bytes = excluded.bytes`,
  );
  const insertOutbox = db.prepare<[string, number]>(
    'INSERT INTO outbox (incident_id, created_at) VALUES (?, ?) RETURNING seq',
  );
  const selectIncident = db.prepare<[string], { payload: string; jpeg: Buffer | null }>(
    `SELECT i.payload AS payload, e.jpeg AS jpeg FROM incidents i
     LEFT JOIN evidence e ON e.incident_id = i.id WHERE i.id = ?`,
  );
  const selectPending = db.prepare<[number, number], OutboxRow>(
    `SELECT seq, incident_id, created_at, attempts FROM outbox
     WHERE sent_at IS NULL AND seq > ? ORDER BY seq LIMIT ?`,
  );
  const countPending = db.prepare<[], { n: number }>('SELECT count(*) AS n FROM outbox WHERE sent_at IS NULL');
  const updateSent = db.prepare<[number, number]>('UPDATE outbox SET sent_at = ? WHERE seq = ? AND sent_at IS NULL');
  const updateAttempt = db.prepare<[number]>('UPDATE outbox SET attempts = attempts + 1 WHERE seq = ?');

  const saveTx = db.transaction((record: IncidentRecord, at: number): OutboxEntry => {
    const inc = record.incident;
    insertIncident.run(inc.id, inc.cameraId, inc.type, inc.category, JSON.stringify(inc), at);
    if (record.snapshotJpeg !== undefined) {
      upsertEvidence.run(inc.id, 'image/jpeg', record.snapshotJpeg, record.snapshotJpeg.length, at);
    }
    const { seq } = insertOutbox.get(inc.id, at) as { seq: number };
    return { seq, incidentId: inc.id, createdAtMs: at, attempts: 0 };
  });

  // Outbox bookkeeping (attempts, sent_at) commits without its own fsync: losing it to a power cut only
  // means a row is published again under the same incident id, which the IOC tolerates, and the next
  // save()'s fsync makes it durable anyway (the WAL is synced as a whole). Measured: draining a backlog of
  // 5,000 × 20 kB incidents to a local mosquitto went from ~870 to ~2,000 rows/s without the two fsyncs per row.
  const relaxDurability = db.prepare('PRAGMA synchronous = NORMAL');
  const restoreDurability = db.prepare(`PRAGMA synchronous = ${synchronous}`);
  const bookkeeping = (run: () => void): void => {
    relaxDurability.run();
    try {
      run();
    } finally {
      restoreDurability.run();
    }
  };

  let closed = false;
  log.info({ path: options.path, schemaVersion: version, synchronous, pending: countPending.get()?.n }, 'store opened');

  return {
    save(record) {
      try {
        return saveTx(record, now());
      } catch (err) {
        throw mapWriteError(options.path, err);
      }
    },
    get(incidentId) {
      const row = selectIncident.get(incidentId);
      if (row === undefined) return undefined;
      const incident = JSON.parse(row.payload) as Incident;
      return row.jpeg === null ? { incident } : { incident, snapshotJpeg: row.jpeg };
    },
    pending(limit, afterSeq = 0) {
      return selectPending.all(afterSeq, limit).map((r) => ({
        seq: r.seq,
        incidentId: r.incident_id,
        createdAtMs: r.created_at,
        attempts: r.attempts,
      }));
    },
    markSent(seq) {
      bookkeeping(() => updateSent.run(now(), seq));
    },
    markAttempt(seq) {
      bookkeeping(() => updateAttempt.run(seq));
    },
    pendingCount() {
      return countPending.get()?.n ?? 0;
    },
    close() {
      if (closed) return;
      closed = true;
      db.close();
      log.info({ path: options.path }, 'store closed');
    },
  };
}

function storeOpenError(path: string, cause: unknown): CamwatchError {
  const reason = cause instanceof Error ? cause.message : String(cause);
  return new CamwatchError('STORE_OPEN', `cannot open incident store ${path}: ${reason}`, {
    cause,
    details: { path },
  });
}

/** SQLITE_FULL is the operator's problem (disk): STORE_FULL. Anything else is ours and is returned as is. */
export function mapWriteError(path: string, err: unknown): unknown {
  const code = (err as { code?: unknown } | null)?.code;
  if (code === 'SQLITE_FULL') {
    return new CamwatchError('STORE_FULL', `incident store ${path} is full: the incident was not saved`, {
      cause: err,
      details: { path },
    });
  }
  return err;
}
