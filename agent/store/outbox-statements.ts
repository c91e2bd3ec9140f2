import type Database from 'better-sqlite3';
import type { Logger } from '../core/index.js';
import type { Incident } from '../incidents/index.js';
import type { Outbox } from './outbox.js';
import type { OutboxEntry, ResendSelector } from './outbox-entry.js';
import { isCorruption, storeCorruptError } from './check.js';
import { mapWriteError } from './write-errors.js';

/** The outbox statements: what the uplink drains, its bookkeeping, acknowledge and resend. */
export type OutboxStatements = Omit<Outbox, 'usage' | 'counts'>;

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

/** Prepares the statements once over an open, migrated database: markSent() runs on every PUBACK. */
export function outboxStatements(db: Database.Database, options: { path: string; now: () => number; synchronous: string; log: Logger; recoverCommand?: string }): OutboxStatements {
  const { path, now, log } = options;
  const selectEvent = db.prepare<[number], { event: string | null; payload: string; jpeg: Buffer | null }>(
    `SELECT o.event AS event, i.payload AS payload, s.jpeg AS jpeg FROM outbox o
     JOIN incidents i ON i.id = o.incident_id
     LEFT JOIN snapshots s ON s.id = o.snapshot_id WHERE o.seq = ?`,
  );
  const selectEventOnly = db.prepare<[number], { event: string | null; payload: string }>(
    `SELECT o.event AS event, i.payload AS payload FROM outbox o JOIN incidents i ON i.id = o.incident_id WHERE o.seq = ?`,
  );
  /**
   * The start-up check leaves the snapshots table to `store check --full` (check.ts: most of the file). A
   * damaged snapshot page found while draining must not hold every later incident back for ever (the
   * drain retried the same row every 5 s with a bare "database disk image is malformed"): the event goes
   * without its picture, as `store recover` would send it, and the log names the damage and the command.
   */
  const readEvent = (seq: number): { event: string | null; payload: string; jpeg: Buffer | null } | undefined => {
    try {
      return selectEvent.get(seq);
    } catch (err) {
      if (!isCorruption(err)) throw err;
      const row = selectEventOnly.get(seq);
      const damage = storeCorruptError(path, { problems: [`${(err as Error).message} (reading the snapshot of outbox row ${seq})`] }, options.recoverCommand, err);
      log.error({ err: damage, seq }, 'a snapshot in the store is damaged: the event is sent without its picture');
      return row === undefined ? undefined : { ...row, jpeg: null };
    }
  };
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
  const restoreDurability = db.prepare(`PRAGMA synchronous = ${options.synchronous}`);
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

  return {
    event(seq) {
      const row = readEvent(seq);
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
        throw mapWriteError(path, err);
      }
    },
    resend(selector) {
      try {
        return resendTx(selector, now()).map(toEntry).sort((a, b) => a.seq - b.seq);
      } catch (err) {
        throw mapWriteError(path, err);
      }
    },
  };
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
