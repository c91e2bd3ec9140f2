import type Database from 'better-sqlite3';
import type { Logger } from '../core/index.js';
import type { Incident, IncidentRecord, OpenIncidentState, SuspendedIncident } from '../incidents/index.js';
import type { OutboxEntry } from './outbox-entry.js';

/**
 * What a snapshot row holds (snapshots.kind): `evidence` is the picture events refer to (box drawn); `clean` the
 * same picture with nothing drawn and `full` a `new` event's main-stream still (box drawn), both privacy applied,
 * kept on the box and never sent.
 */
export type SnapshotKind = 'evidence' | 'clean' | 'full';

/** The incident, snapshot and event-row statements: one event written, open incidents and latest states read. */
export interface IncidentStatements {
  /** Writes one event in one transaction (one fsync at synchronous = FULL). */
  saveOne(record: IncidentRecord, atMs: number): OutboxEntry;
  /** Writes several events in one transaction: group commit, one fsync for all. */
  saveMany(records: readonly IncidentRecord[], atMs: number): OutboxEntry[];
  openIncidents(cameraId: string): SuspendedIncident[];
  openIncidentCameras(): string[];
  get(incidentId: string): IncidentRecord | undefined;
}

/** Prepares the statements once over an open, migrated database: save() sits on the incident path. */
export function incidentStatements(db: Database.Database, log: Logger): IncidentStatements {
  const insertIncident = db.prepare<[string, string, string, string, string, number, string | null]>(
    `INSERT INTO incidents (id, camera, type, category, payload, created_at, open_state) VALUES (?, ?, ?, ?, ?, ?, ?)
     ON CONFLICT(id) DO UPDATE SET camera = excluded.camera, type = excluded.type,
       category = excluded.category, payload = excluded.payload, open_state = excluded.open_state`,
  );
  const selectOpen = db.prepare<[string], { payload: string; open_state: string; acked_at: number | null }>(
    'SELECT payload, open_state, acked_at FROM incidents WHERE camera = ? AND open_state IS NOT NULL ORDER BY created_at, id',
  );
  const selectOpenCameras = db.prepare<[], { camera: string }>('SELECT DISTINCT camera FROM incidents WHERE open_state IS NOT NULL');
  const insertSnapshot = db.prepare<[string, SnapshotKind, Buffer, number, number]>(
    `INSERT INTO snapshots (incident_id, kind, content_type, jpeg, path, bytes, created_at) VALUES (?, ?, 'image/jpeg', ?, NULL, ?, ?)
     RETURNING id`,
  );
  const latestSnapshot = db.prepare<[string], { id: number; jpeg: Buffer | null }>(
    `SELECT id, jpeg FROM snapshots WHERE incident_id = ? AND kind = 'evidence' ORDER BY id DESC LIMIT 1`,
  );
  const selectAcked = db.prepare<[string], { acked_at: number | null }>('SELECT acked_at FROM incidents WHERE id = ?');
  const insertOutbox = db.prepare<[string, number, string, string, number | null, number | null]>(
    `INSERT INTO outbox (incident_id, created_at, event, status, snapshot_id, cancelled_at) VALUES (?, ?, ?, ?, ?, ?)
     RETURNING seq`,
  );
  const selectIncident = db.prepare<[string], { payload: string }>('SELECT payload FROM incidents WHERE id = ?');

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
        ? (insertSnapshot.get(inc.id, 'evidence', record.snapshotJpeg, record.snapshotJpeg.length, at) as { id: number }).id
        : (latestSnapshot.get(inc.id)?.id ?? null);
    // The clean copy beside it: no event names it, so the quota prunes it as evidence of a sent event (first).
    if (record.snapshotJpeg !== undefined && record.cleanJpeg !== undefined) insertSnapshot.get(inc.id, 'clean', record.cleanJpeg, record.cleanJpeg.length, at);
    if (record.fullJpeg !== undefined) insertSnapshot.get(inc.id, 'full', record.fullJpeg, record.fullJpeg.length, at);
    const acked = selectAcked.get(inc.id)?.acked_at != null;
    const cancelledAt = acked && inc.status !== 'end' ? at : null;
    const { seq } = insertOutbox.get(inc.id, at, json, inc.status, snapshotId, cancelledAt) as { seq: number };
    return { seq, incidentId: inc.id, status: inc.status, createdAtMs: at, attempts: 0 };
  };

  return {
    saveOne: db.transaction(writeEvent),
    saveMany: db.transaction((records: readonly IncidentRecord[], at: number): OutboxEntry[] => records.map((r) => writeEvent(r, at))),
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
  };
}
