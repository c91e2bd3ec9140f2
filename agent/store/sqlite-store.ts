import { statfsSync } from 'node:fs';
import { dirname } from 'node:path';
import Database from 'better-sqlite3';
import { type Logger, CamwatchError } from '../core/index.js';
import type { Incident, IncidentRecord, OpenIncidentState, SuspendedIncident } from '../incidents/index.js';
import type { IncidentStore, OutboxEntry, ResendSelector } from './types.js';
import { migrate } from './migrations.js';
import { StoreMaintenance, type MaintenanceReport } from './maintenance.js';
import { DEFAULT_STORE_QUOTAS, retentionCutoffMs, type StoreQuotas } from './quotas.js';
import { countBinStore } from './count-bins.js';
import { checkStore, isCorruption, storeCorruptError } from './check.js';

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

/**
 * WAL pages before an automatic checkpoint (SQLite's default 1,000 ≈ 4 MB), and the size (bytes) the WAL
 * is truncated back to afterwards (default: never truncated). The WAL and the pages it is checkpointed into
 * both need disk: with the defaults a nearly full disk is filled by the WAL, and evidence pruned to make
 * room cannot be reused until a checkpoint that itself needs room (seen on a 4 MB tmpfs: a 4 MB WAL and a
 * 4 kB database). 1 MB keeps that reserve small; at a few incidents per second the extra checkpoints cost nothing.
 */
export const DEFAULT_STORE_WAL_CHECKPOINT_PAGES = 256;
export const DEFAULT_STORE_WAL_SIZE_LIMIT_BYTES = 1024 * 1024;
/**
 * Free space (bytes; disk plus SQLite's free pages) kept before each save by pruning evidence: the WAL and
 * the checkpoint need room, and once the disk is really full even the DELETE that would free it fails.
 * Twice the WAL limit.
 */
export const DEFAULT_STORE_DISK_RESERVE_BYTES = 2 * DEFAULT_STORE_WAL_SIZE_LIMIT_BYTES;

/**
 * Incidents kept in memory while the disk is full (saved, in order, by the next save() or maintain()).
 * A day-long outage of a busy camera is thousands; memory on a 2 GB box is not, so beyond this new ones
 * are dropped, each logged with its id.
 */
export const DEFAULT_STORE_HELD_MAX = 500;
/** Pruning is logged at info/warn at most this often per reason (ms); every prune is at debug. */
const PRUNE_LOG_INTERVAL_MS = 60_000;

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
}

interface OutboxRow {
  seq: number;
  incident_id: string;
  status: string | null;
  created_at: number;
  attempts: number;
  resend_of: number | null;
  kind: string;
}

// A counts row has no incident: its bin id (in its event) stands in for incidentId.
const OUTBOX_COLUMNS = `seq, coalesce(incident_id, json_extract(event, '$.id')) AS incident_id, status, created_at, attempts, resend_of, kind`;

/**
 * Opens (creating and migrating if needed) the incident store at `path`. Throws STORE_CORRUPT (with the
 * recovery command) when the file is damaged, checked before anything is written to it (see check.ts),
 * and STORE_OPEN naming the path for anything else.
 */
export function openStore(options: OpenStoreOptions): IncidentStore {
  const log = options.logger.child({ component: 'store' });
  const now = options.now ?? Date.now;
  const synchronous = options.synchronous ?? DEFAULT_STORE_SYNCHRONOUS;
  let db: Database.Database;
  let version: number;
  try {
    const damage = checkStore(options.path);
    if (damage !== undefined) throw storeCorruptError(options.path, damage, options.recoverCommand);
    db = new Database(options.path, { timeout: DEFAULT_STORE_BUSY_TIMEOUT_MS });
  } catch (err) {
    if (err instanceof CamwatchError) throw err;
    throw storeOpenError(options.path, err, options.recoverCommand);
  }
  try {
    // WAL: the uplink reads the outbox while the incident stage writes, without blocking each other.
    const mode = db.pragma('journal_mode = WAL', { simple: true });
    if (mode !== 'wal') throw new Error(`journal_mode is ${String(mode)}, WAL unavailable`);
    db.pragma(`synchronous = ${synchronous}`);
    db.pragma(`wal_autocheckpoint = ${DEFAULT_STORE_WAL_CHECKPOINT_PAGES}`);
    db.pragma(`journal_size_limit = ${DEFAULT_STORE_WAL_SIZE_LIMIT_BYTES}`);
    db.pragma('foreign_keys = ON');
    version = migrate(db);
  } catch (err) {
    db.close();
    throw storeOpenError(options.path, err, options.recoverCommand);
  }

  // Prepared once: save() sits on the incident path and markSent() on every PUBACK.
  const insertIncident = db.prepare<[string, string, string, string, string, number, string | null]>(
    `INSERT INTO incidents (id, camera, type, category, payload, created_at, open_state) VALUES (?, ?, ?, ?, ?, ?, ?)
     ON CONFLICT(id) DO UPDATE SET camera = excluded.camera, type = excluded.type,
       category = excluded.category, payload = excluded.payload, open_state = excluded.open_state`,
  );
  const selectOpen = db.prepare<[string], { payload: string; open_state: string; acked_at: number | null }>(
    'SELECT payload, open_state, acked_at FROM incidents WHERE camera = ? AND open_state IS NOT NULL ORDER BY created_at, id',
  );
  const selectOpenCameras = db.prepare<[], { camera: string }>('SELECT DISTINCT camera FROM incidents WHERE open_state IS NOT NULL');
  const insertSnapshot = db.prepare<[string, string, Buffer, number, number]>(
    `INSERT INTO snapshots (incident_id, content_type, jpeg, path, bytes, created_at) VALUES (?, ?, ?, NULL, ?, ?)
     RETURNING id`,
  );
  const latestSnapshot = db.prepare<[string], { id: number; jpeg: Buffer | null }>(
    'SELECT id, jpeg FROM snapshots WHERE incident_id = ? ORDER BY id DESC LIMIT 1',
  );
  const selectAcked = db.prepare<[string], { acked_at: number | null }>('SELECT acked_at FROM incidents WHERE id = ?');
  const insertOutbox = db.prepare<[string, number, string, string, number | null, number | null]>(
    `INSERT INTO outbox (incident_id, created_at, event, status, snapshot_id, cancelled_at) VALUES (?, ?, ?, ?, ?, ?)
     RETURNING seq`,
  );
  const selectIncident = db.prepare<[string], { payload: string }>('SELECT payload FROM incidents WHERE id = ?');
  const selectEvent = db.prepare<[number], { event: string | null; payload: string; jpeg: Buffer | null }>(
    `SELECT o.event AS event, i.payload AS payload, s.jpeg AS jpeg FROM outbox o
     JOIN incidents i ON i.id = o.incident_id
     LEFT JOIN snapshots s ON s.id = o.snapshot_id WHERE o.seq = ?`,
  );
  const selectPending = db.prepare<[number, number], OutboxRow>(
    `SELECT ${OUTBOX_COLUMNS} FROM outbox
     WHERE sent_at IS NULL AND cancelled_at IS NULL AND seq > ? ORDER BY seq LIMIT ?`,
  );
  // Lanes for the uplink (see DrainWindow): live = stored after the connection's boundary and not a resend
  // copy; history = the rest. Both walk the outbox_due index in seq order from the lane's cursor.
  const selectLive = db.prepare<[number, number], OutboxRow>(
    `SELECT ${OUTBOX_COLUMNS} FROM outbox
     WHERE sent_at IS NULL AND cancelled_at IS NULL AND seq > ? AND resend_of IS NULL ORDER BY seq LIMIT ?`,
  );
  const selectHistory = db.prepare<[number, number, number], OutboxRow>(
    `SELECT ${OUTBOX_COLUMNS} FROM outbox
     WHERE sent_at IS NULL AND cancelled_at IS NULL AND seq > ? AND (seq <= ? OR resend_of IS NOT NULL) ORDER BY seq LIMIT ?`,
  );
  const selectLastSeq = db.prepare<[], { seq: number | null }>('SELECT max(seq) AS seq FROM outbox');
  const countPending = db.prepare<[], { n: number }>(
    'SELECT count(*) AS n FROM outbox WHERE sent_at IS NULL AND cancelled_at IS NULL',
  );
  const updateSent = db.prepare<[number, number]>('UPDATE outbox SET sent_at = ? WHERE seq = ? AND sent_at IS NULL');
  const updateAttempt = db.prepare<[number]>('UPDATE outbox SET attempts = attempts + 1 WHERE seq = ?');
  const updateAcked = db.prepare<[number, string]>('UPDATE incidents SET acked_at = coalesce(acked_at, ?) WHERE id = ?');
  const cancelUnsent = db.prepare<[number, string]>(
    `UPDATE outbox SET cancelled_at = ? WHERE incident_id = ? AND sent_at IS NULL AND cancelled_at IS NULL
       AND status IS NOT 'end'`,
  );
  // Copies of sent originals (not copies of copies), skipping any that already has a copy waiting.
  const resendWhere = `o.resend_of IS NULL AND o.sent_at IS NOT NULL AND o.cancelled_at IS NULL
       AND NOT EXISTS (SELECT 1 FROM outbox c WHERE c.resend_of = o.seq AND c.sent_at IS NULL AND c.cancelled_at IS NULL)`;
  const resendCopy = `INSERT INTO outbox (incident_id, created_at, event, status, snapshot_id, resend_of, kind)
     SELECT o.incident_id, ?, o.event, o.status, o.snapshot_id, o.seq, o.kind FROM outbox o`;
  const resendSince = db.prepare<[number, number], OutboxRow>(
    `${resendCopy} WHERE o.created_at >= ? AND ${resendWhere} ORDER BY o.seq RETURNING ${OUTBOX_COLUMNS}`,
  );
  const resendIncident = db.prepare<[number, string], OutboxRow>(
    `${resendCopy} WHERE o.incident_id = ? AND ${resendWhere} ORDER BY o.seq RETURNING ${OUTBOX_COLUMNS}`,
  );

  const writeEvent = (record: IncidentRecord, at: number): OutboxEntry => {
    const inc = record.incident;
    // Serialised once: the latest state and this event's row hold the same JSON.
    const json = JSON.stringify(inc);
    // The open state goes with the event that produced it; an `end` (or a one-shot) clears it.
    const openState = inc.status !== 'end' && record.open !== undefined ? JSON.stringify(record.open) : null;
    insertIncident.run(inc.id, inc.cameraId, inc.type, inc.category, json, at, openState);
    // A new snapshot is stored once; an event without one refers to the incident's latest.
    const snapshotId =
      record.snapshotJpeg !== undefined
        ? (insertSnapshot.get(inc.id, 'image/jpeg', record.snapshotJpeg, record.snapshotJpeg.length, at) as { id: number }).id
        : (latestSnapshot.get(inc.id)?.id ?? null);
    const acked = selectAcked.get(inc.id)?.acked_at != null;
    const cancelledAt = acked && inc.status !== 'end' ? at : null;
    const { seq } = insertOutbox.get(inc.id, at, json, inc.status, snapshotId, cancelledAt) as { seq: number };
    return { seq, incidentId: inc.id, status: inc.status, createdAtMs: at, attempts: 0 };
  };
  const saveTx = db.transaction(writeEvent);
  // Group commit: one fsync for many events (see saveMany).
  const saveManyTx = db.transaction((records: readonly IncidentRecord[], at: number): OutboxEntry[] => records.map((r) => writeEvent(r, at)));
  const ackTx = db.transaction((incidentId: string, at: number): number | undefined => {
    if (updateAcked.run(at, incidentId).changes === 0) return undefined;
    return cancelUnsent.run(at, incidentId).changes;
  });
  const resendTx = db.transaction((selector: ResendSelector, at: number): OutboxRow[] => {
    if ('sinceMs' in selector) return resendSince.all(at, selector.sinceMs);
    return selector.incidentIds.flatMap((id) => resendIncident.all(at, id));
  });

  // Outbox bookkeeping (attempts, sent_at) commits without its own fsync: losing it to a power cut only
  // means a row is published again under the same incident id, which the IOC tolerates, and the next
  // save()'s fsync makes it durable anyway (the WAL is synced as a whole). Measured: draining a backlog of
  // 5,000 × 20 kB incidents to a local mosquitto went from ~870 to ~2,000 rows/s without the two fsyncs per row.
  const relaxDurability = db.prepare('PRAGMA synchronous = NORMAL');
  const restoreDurability = db.prepare(`PRAGMA synchronous = ${synchronous}`);
  // Many rows per transaction: each autocommitted UPDATE appends its pages to the WAL, so one per PUBACK
  // wrote ~10 kB of WAL per row sent; the uplink hands over every ack of an event-loop turn at once.
  const markSentTx = db.transaction((seqs: readonly number[], at: number) => {
    for (const seq of seqs) updateSent.run(at, seq);
  });
  const markAttemptTx = db.transaction((seqs: readonly number[]) => {
    for (const seq of seqs) updateAttempt.run(seq);
  });
  const bookkeeping = (run: () => void): void => {
    relaxDurability.run();
    try {
      run();
    } finally {
      restoreDurability.run();
    }
  };

  const quotas: StoreQuotas = { ...DEFAULT_STORE_QUOTAS, ...options.quotas };
  const heldMax = options.heldMax ?? DEFAULT_STORE_HELD_MAX;
  const maintenance = new StoreMaintenance(db);
  // Tracked, not summed per save: the snapshot quota is checked on every save that adds one.
  let snapshotBytes = maintenance.snapshotBytes();
  const held: IncidentRecord[] = [];
  let fullSince: number | undefined;
  /** Since open, for usage() and the stats the IOC sees. */
  const counters = { prunedSnapshots: 0, prunedUnsentSnapshots: 0, droppedEvents: 0, expiredIncidents: 0, prunedIncidents: 0 };

  const isFull = (err: unknown): err is CamwatchError => err instanceof CamwatchError && err.code === 'STORE_FULL';
  const writeOne = (record: IncidentRecord): OutboxEntry => {
    try {
      const entry = saveTx(record, now());
      snapshotBytes += record.snapshotJpeg?.length ?? 0;
      return entry;
    } catch (err) {
      throw mapWriteError(options.path, err);
    }
  };
  const writeMany = (records: readonly IncidentRecord[]): OutboxEntry[] => {
    try {
      const entries = saveManyTx(records, now());
      for (const r of records) snapshotBytes += r.snapshotJpeg?.length ?? 0;
      return entries;
    } catch (err) {
      throw mapWriteError(options.path, err);
    }
  };
  const lastPruneLog = new Map<string, number>();
  /** Evidence of sent events, oldest first, for the quota (or for room on a full disk). */
  const pruneFor = (excess: number, why: string): void => {
    let pruned: { count: number; bytes: number; unsent: number };
    try {
      pruned = maintenance.pruneSnapshots(excess);
    } catch (err) {
      log.warn({ err: mapWriteError(options.path, err) }, `${why}: cannot prune evidence`);
      return;
    }
    if (pruned.count === 0) return;
    snapshotBytes = Math.max(0, snapshotBytes - pruned.bytes);
    counters.prunedSnapshots += pruned.count;
    counters.prunedUnsentSnapshots += pruned.unsent;
    const fields = { pruned: pruned.count, bytes: pruned.bytes, unsent: pruned.unsent, snapshotBytes, maxSnapshotBytes: quotas.maxSnapshotBytes };
    // At the quota, every save prunes a little: one line per reason a minute, the rest at debug.
    const at = now();
    const loud = at - (lastPruneLog.get(why) ?? Number.NEGATIVE_INFINITY) >= PRUNE_LOG_INTERVAL_MS;
    if (loud) lastPruneLog.set(why, at);
    if (pruned.unsent > 0) log[loud ? 'warn' : 'debug'](fields, `${why}: pruned snapshots, including ${pruned.unsent} of events not sent yet (they go out without a picture)`);
    else log[loud ? 'info' : 'debug'](fields, `${why}: pruned the oldest snapshots of sent events`);
  };
  const diskReserve = options.diskReserveBytes ?? DEFAULT_STORE_DISK_RESERVE_BYTES;
  const dataDir = dirname(options.path);
  /** Room for a save of `bytes`: free disk plus free pages inside the file, minus the reserve. */
  const roomFor = (bytes: number): number => {
    let diskFree: number;
    try {
      const fs = statfsSync(dataDir);
      diskFree = fs.bavail * fs.bsize;
    } catch {
      return Number.POSITIVE_INFINITY; // cannot tell: let SQLite decide
    }
    return diskFree + maintenance.freeBytes() - diskReserve - bytes;
  };
  const checkpoint = (): void => {
    try {
      db.pragma('wal_checkpoint(TRUNCATE)');
    } catch (err) {
      log.debug({ err }, 'WAL checkpoint failed');
    }
  };
  /** Saves the held incidents in order; stops (leaving the rest held) at the first that still does not fit. */
  const flushHeld = (): number => {
    let saved = 0;
    while (held.length > 0) {
      writeOne(held[0]!);
      held.shift();
      saved += 1;
    }
    if (fullSince !== undefined) {
      log.info({ savedHeld: saved, fullForMs: now() - fullSince }, 'incident store writable again; held incidents saved');
      fullSince = undefined;
    }
    return saved;
  };
  const hold = (record: IncidentRecord, err: CamwatchError): CamwatchError => {
    const id = record.incident.id;
    if (fullSince === undefined) {
      fullSince = now();
      log.error({ code: err.code, hint: err.hint, path: options.path }, `${err.message}; incidents are held in memory (up to ${heldMax}) and saved when space is freed`);
    }
    if (held.length >= heldMax) {
      counters.droppedEvents += 1;
      log.error({ code: err.code, incidentId: id, status: record.incident.status, held: held.length }, 'incident store full and memory hold full: incident event dropped');
      return new CamwatchError('STORE_FULL', `incident store ${options.path} is full and ${held.length} incidents already wait in memory: ${id} was dropped`, { cause: err, details: { path: options.path, incidentId: id, held: held.length } });
    }
    held.push(record);
    return new CamwatchError('STORE_FULL', `incident store ${options.path} is full: ${id} is held in memory (${held.length} waiting) and saved when space is freed`, {
      cause: err,
      details: { path: options.path, incidentId: id, held: held.length },
    });
  };

  let closed = false;
  log.info({ path: options.path, schemaVersion: version, synchronous, pending: countPending.get()?.n }, 'store opened');

  const enforceSnapshotQuota = (): void => {
    if (snapshotBytes <= quotas.maxSnapshotBytes) return;
    try {
      pruneFor(snapshotBytes - quotas.maxSnapshotBytes, 'snapshot quota exceeded');
    } catch (err) {
      log.warn({ err }, 'snapshot pruning failed; retried by the next save or maintain()');
    }
  };

  const counts = countBinStore(db, now);
  const store: IncidentStore = {
    counts,
    save(record) {
      // A full disk must not lose the incident nor stop the camera: make room from evidence of sent events,
      // try again, and failing that hold it in memory; the thrown STORE_FULL says so (the caller logs it).
      let entry: OutboxEntry;
      const room = roomFor(record.snapshotJpeg?.length ?? 0);
      if (room < 0) pruneFor(-room, 'disk nearly full');
      try {
        flushHeld();
        entry = writeOne(record);
      } catch (err) {
        if (!isFull(err)) throw err;
        // The WAL holds recent pages until a checkpoint (auto at 1,000 pages ≈ 4 MB): on a small or nearly
        // full disk it is the WAL that fills it, and pages freed by pruning are reusable only once checkpointed.
        checkpoint();
        pruneFor(Math.max(4 * (record.snapshotJpeg?.length ?? 0), 1024 * 1024), 'disk full');
        checkpoint();
        try {
          flushHeld();
          entry = writeOne(record);
        } catch (again) {
          if (!isFull(again)) throw again;
          throw hold(record, again);
        }
      }
      enforceSnapshotQuota();
      return entry;
    },
    saveMany(records) {
      if (records.length === 0) return { entries: [] };
      const bytes = records.reduce((n, r) => n + (r.snapshotJpeg?.length ?? 0), 0);
      const room = roomFor(bytes);
      if (room < 0) pruneFor(-room, 'disk nearly full');
      let entries: OutboxEntry[];
      try {
        flushHeld();
        entries = writeMany(records);
      } catch (err) {
        if (!isFull(err)) throw err;
        // Full: one by one through save(), which prunes, retries and holds what still does not fit, in order.
        entries = [];
        let full: CamwatchError | undefined;
        for (const record of records) {
          try {
            entries.push(store.save(record));
          } catch (one) {
            if (!isFull(one)) throw one;
            full = one;
          }
        }
        return full === undefined ? { entries } : { entries, full };
      }
      enforceSnapshotQuota();
      return { entries };
    },
    maintain(nowMs) {
      const expiredIncidents = maintenance.expireOld(nowMs, quotas);
      try {
        counts.prune(retentionCutoffMs(nowMs, quotas.retentionDays));
      } catch (err) {
        log.warn({ err: mapWriteError(options.path, err) }, 'cannot prune old count bins; retried by the next maintenance');
      }
      const room = roomFor(held.reduce((n, r) => n + (r.snapshotJpeg?.length ?? 0), 0));
      if (room < 0) pruneFor(-room, 'disk nearly full');
      const enforced = maintenance.enforce(quotas);
      let savedHeld = 0;
      const heldBefore = held.length;
      try {
        savedHeld = flushHeld();
      } catch (err) {
        if (!isFull(err)) throw err;
        savedHeld = heldBefore - held.length;
      }
      snapshotBytes = maintenance.snapshotBytes();
      counters.prunedSnapshots += enforced.prunedSnapshots;
      counters.prunedUnsentSnapshots += enforced.prunedUnsentSnapshots;
      counters.expiredIncidents += expiredIncidents;
      counters.prunedIncidents += enforced.prunedIncidents;
      const report: MaintenanceReport = { expiredIncidents, ...enforced, savedHeld, held: held.length, snapshotBytes, databaseBytes: maintenance.databaseBytes() };
      const acted = expiredIncidents + enforced.prunedSnapshots + enforced.prunedIncidents + savedHeld > 0;
      if (acted) log.info(report, 'store maintenance');
      else log.debug(report, 'store maintenance: nothing to do');
      return report;
    },
    held() {
      return held.length;
    },
    usage() {
      let diskFreeBytes: number | undefined;
      try {
        const fs = statfsSync(dataDir);
        diskFreeBytes = fs.bavail * fs.bsize;
      } catch {
        diskFreeBytes = undefined;
      }
      return {
        snapshotBytes,
        maxSnapshotBytes: quotas.maxSnapshotBytes,
        databaseBytes: maintenance.databaseBytes(),
        maxDatabaseBytes: quotas.maxDatabaseBytes,
        ...(diskFreeBytes === undefined ? {} : { diskFreeBytes }),
        pending: countPending.get()?.n ?? 0,
        held: held.length,
        ...(fullSince === undefined ? {} : { fullSinceMs: fullSince }),
        ...counters,
      };
    },
    openIncidents(cameraId) {
      return selectOpen.all(cameraId).flatMap((row): SuspendedIncident[] => {
        try {
          const state = JSON.parse(row.open_state) as OpenIncidentState;
          if (row.acked_at !== null) state.acked = true;
          return [{ state, incident: JSON.parse(row.payload) as Incident }];
        } catch (err) {
          log.warn({ err, cameraId }, 'unreadable open-incident state skipped');
          return [];
        }
      });
    },
    openIncidentCameras() {
      return selectOpenCameras.all().map((r) => r.camera);
    },
    get(incidentId) {
      const row = selectIncident.get(incidentId);
      if (row === undefined) return undefined;
      const incident = JSON.parse(row.payload) as Incident;
      const jpeg = latestSnapshot.get(incidentId)?.jpeg ?? null;
      return jpeg === null ? { incident } : { incident, snapshotJpeg: jpeg };
    },
    event(seq) {
      const row = selectEvent.get(seq);
      if (row === undefined) return undefined;
      const incident = JSON.parse(row.event ?? row.payload) as Incident;
      return row.jpeg === null ? { incident } : { incident, snapshotJpeg: row.jpeg };
    },
    pending(limit, afterSeq = 0) {
      return selectPending.all(afterSeq, limit).map(toEntry);
    },
    pendingIn(lane, boundarySeq, afterSeq, limit) {
      const rows = lane === 'live' ? selectLive.all(Math.max(afterSeq, boundarySeq), limit) : selectHistory.all(afterSeq, boundarySeq, limit);
      return rows.map(toEntry);
    },
    lastSeq() {
      return selectLastSeq.get()?.seq ?? 0;
    },
    markSent(seq) {
      bookkeeping(() => updateSent.run(now(), seq));
    },
    markAttempt(seq) {
      bookkeeping(() => updateAttempt.run(seq));
    },
    markSentMany(seqs) {
      if (seqs.length > 0) bookkeeping(() => markSentTx(seqs, now()));
    },
    markAttemptMany(seqs) {
      if (seqs.length > 0) bookkeeping(() => markAttemptTx(seqs));
    },
    pendingCount() {
      return countPending.get()?.n ?? 0;
    },
    acknowledge(incidentId) {
      try {
        return ackTx(incidentId, now());
      } catch (err) {
        throw mapWriteError(options.path, err);
      }
    },
    resend(selector) {
      try {
        return resendTx(selector, now()).map(toEntry).sort((a, b) => a.seq - b.seq);
      } catch (err) {
        throw mapWriteError(options.path, err);
      }
    },
    close() {
      if (closed) return;
      closed = true;
      db.close();
      log.info({ path: options.path }, 'store closed');
    },
  };
  return store;
}

function toEntry(r: OutboxRow): OutboxEntry {
  const entry: OutboxEntry = {
    seq: r.seq,
    incidentId: r.incident_id,
    // Rows migrated from v1 without a readable status are treated as the first event.
    status: r.status === 'update' || r.status === 'end' || r.status === 'summary' ? r.status : 'new',
    createdAtMs: r.created_at,
    attempts: r.attempts,
  };
  if (r.resend_of !== null) entry.resendOf = r.resend_of;
  if (r.kind === 'counts') entry.kind = 'counts';
  return entry;
}

function storeOpenError(path: string, cause: unknown, recoverCommand: string | undefined): CamwatchError {
  const reason = cause instanceof Error ? cause.message : String(cause);
  // "file is not a database", "database disk image is malformed": the file is damaged, not its permissions.
  if (isCorruption(cause)) return storeCorruptError(path, { problems: [reason] }, recoverCommand, cause);
  return new CamwatchError('STORE_OPEN', `cannot open incident store ${path}: ${reason}`, {
    cause,
    details: { path },
  });
}

/**
 * SQLITE_FULL (and an I/O error that is ENOSPC underneath) is the operator's problem (disk): STORE_FULL.
 * A page found damaged while running: STORE_CORRUPT, saying how to recover. Anything else is returned as is.
 */
export function mapWriteError(path: string, err: unknown): unknown {
  const code = (err as { code?: unknown } | null)?.code;
  const message = err instanceof Error ? err.message : '';
  if (isCorruption(err)) return storeCorruptError(path, { problems: [message] }, undefined, err);
  if (code === 'SQLITE_FULL' || /ENOSPC|disk is full/i.test(message)) {
    return new CamwatchError('STORE_FULL', `incident store ${path} is full: the incident was not saved`, {
      cause: err,
      details: { path },
    });
  }
  return err;
}
