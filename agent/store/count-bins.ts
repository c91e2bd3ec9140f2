import type { Database } from 'better-sqlite3';
import type { CountBinPayload, CountBinState } from '../counts/index.js';
import type { OutboxEntry } from './outbox-entry.js';
import type { CountBinStore } from './types.js';

/** The count-bin statements (see CountBinStore), prepared over an open, migrated database. */
export function countBinStore(db: Database, now: () => number): CountBinStore {
  const upsertOpen = db.prepare<[string, number, number, string, number]>(
    `INSERT INTO count_bins (camera, period_s, start_ms, state, updated_at) VALUES (?, ?, ?, ?, ?)
     ON CONFLICT (camera, period_s, start_ms) DO UPDATE SET state = excluded.state, updated_at = excluded.updated_at
     WHERE count_bins.closed_at IS NULL`,
  );
  const closeRow = db.prepare<[string, number, number, string, number, number]>(
    `INSERT INTO count_bins (camera, period_s, start_ms, state, updated_at, closed_at) VALUES (?, ?, ?, ?, ?, ?)
     ON CONFLICT (camera, period_s, start_ms) DO UPDATE SET state = excluded.state, updated_at = excluded.updated_at,
       closed_at = excluded.closed_at WHERE count_bins.closed_at IS NULL`,
  );
  const insertOutbox = db.prepare<[number, string]>(
    `INSERT INTO outbox (kind, incident_id, created_at, event, status) VALUES ('counts', NULL, ?, ?, NULL) RETURNING seq`,
  );
  const selectOpen = db.prepare<[string], { state: string }>(
    'SELECT state FROM count_bins WHERE camera = ? AND closed_at IS NULL ORDER BY start_ms, period_s',
  );
  const selectOpenCameras = db.prepare<[], { camera: string }>('SELECT DISTINCT camera FROM count_bins WHERE closed_at IS NULL ORDER BY camera');
  const selectEvent = db.prepare<[number], { event: string | null }>(`SELECT event FROM outbox WHERE seq = ? AND kind = 'counts'`);
  const deleteSent = db.prepare<[number]>(`DELETE FROM outbox WHERE kind = 'counts' AND sent_at IS NOT NULL AND created_at < ?`);
  const deleteBins = db.prepare<[number]>('DELETE FROM count_bins WHERE closed_at IS NOT NULL AND start_ms < ?');

  const saveOpenTx = db.transaction((bins: readonly CountBinState[], at: number) => {
    for (const b of bins) upsertOpen.run(b.cameraId, b.periodSeconds, b.startMs, JSON.stringify(b), at);
  });
  const closeTx = db.transaction((closed: ReadonlyArray<{ state: CountBinState; payload: CountBinPayload }>, at: number): OutboxEntry[] => {
    const entries: OutboxEntry[] = [];
    for (const { state, payload } of closed) {
      const changed = closeRow.run(state.cameraId, state.periodSeconds, state.startMs, JSON.stringify(state), at, at).changes;
      if (changed === 0) continue; // closed before (a second close after a crash): already queued once
      const { seq } = insertOutbox.get(at, JSON.stringify(payload)) as { seq: number };
      entries.push({ seq, incidentId: payload.id, status: 'new', createdAtMs: at, attempts: 0, kind: 'counts' });
    }
    return entries;
  });
  const pruneTx = db.transaction((cutoffMs: number): number => {
    deleteSent.run(cutoffMs);
    return deleteBins.run(cutoffMs).changes;
  });

  return {
    saveOpen(bins) {
      if (bins.length > 0) saveOpenTx(bins, now());
    },
    close(closed) {
      return closed.length === 0 ? [] : closeTx(closed, now());
    },
    openBins(cameraId) {
      return selectOpen.all(cameraId).map((r) => JSON.parse(r.state) as CountBinState);
    },
    camerasWithOpenBins() {
      return selectOpenCameras.all().map((r) => r.camera);
    },
    event(seq) {
      const row = selectEvent.get(seq);
      return row?.event == null ? undefined : (JSON.parse(row.event) as CountBinPayload);
    },
    prune(cutoffMs) {
      return pruneTx(cutoffMs);
    },
  };
}
