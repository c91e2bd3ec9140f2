import type { Database } from 'better-sqlite3';
import { planSnapshotPrune, retentionCutoffMs, snapshotExcessBytes, type SnapshotCandidate, type StoreQuotas } from './quotas.js';

/** What one maintenance pass did, for the log and for the caller's timer. */
export interface MaintenanceReport {
  /** Sent incidents deleted by retention (with their events and evidence). */
  expiredIncidents: number;
  /** Snapshots deleted for the quotas, and their bytes. */
  prunedSnapshots: number;
  prunedSnapshotBytes: number;
  /** Of those, snapshots unsent events still referred to (sent later without a picture). */
  prunedUnsentSnapshots: number;
  /** Oldest sent incidents deleted because the database quota was still exceeded without evidence. */
  prunedIncidents: number;
  /** Incidents held in memory after a full disk, saved by this pass / still held. */
  savedHeld: number;
  held: number;
  /** Usage after the pass. */
  snapshotBytes: number;
  databaseBytes: number;
}

/** Incidents deleted per statement when the database quota needs them: short transactions, the agent keeps saving. */
const INCIDENT_PRUNE_BATCH = 100;

/** SQL behind quota and retention decisions; the decisions themselves are in quotas.ts. */
export class StoreMaintenance {
  private readonly sumSnapshots;
  private readonly candidates;
  private readonly deleteSnapshot;
  private readonly expire;
  private readonly oldestSent;
  private readonly deleteIncident;

  constructor(private readonly db: Database) {
    this.sumSnapshots = db.prepare<[], { n: number | null }>('SELECT sum(bytes) AS n FROM snapshots INDEXED BY snapshots_bytes');
    // Oldest first; `sent` when no event using the snapshot is still waiting to go out.
    this.candidates = db.prepare<[], { id: number; bytes: number; unsent: number }>(
      `SELECT s.id, s.bytes,
         EXISTS (SELECT 1 FROM outbox o WHERE o.snapshot_id = s.id AND o.sent_at IS NULL AND o.cancelled_at IS NULL) AS unsent
       FROM snapshots s INDEXED BY snapshots_bytes ORDER BY s.id`,
    );
    this.deleteSnapshot = db.prepare<[number]>('DELETE FROM snapshots WHERE id = ?');
    const fullySentBefore = `NOT EXISTS (SELECT 1 FROM outbox o WHERE o.incident_id = i.id
         AND ((o.sent_at IS NULL AND o.cancelled_at IS NULL) OR o.created_at >= ?))`;
    // An open incident (open_state set) is never deleted: its `end` is still to come.
    this.expire = db.prepare<[number, number]>(`DELETE FROM incidents AS i WHERE i.created_at < ? AND i.open_state IS NULL AND ${fullySentBefore}`);
    this.oldestSent = db.prepare<[number], { id: string }>(
      `SELECT i.id FROM incidents i WHERE i.open_state IS NULL AND NOT EXISTS (SELECT 1 FROM outbox o WHERE o.incident_id = i.id AND o.sent_at IS NULL AND o.cancelled_at IS NULL)
       ORDER BY i.created_at LIMIT ?`,
    );
    this.deleteIncident = db.prepare<[string]>('DELETE FROM incidents WHERE id = ?');
  }

  snapshotBytes(): number {
    return this.sumSnapshots.get()?.n ?? 0;
  }

  /** Pages in use × page size: free pages are reused by SQLite, so they do not count against the quota. */
  databaseBytes(): number {
    const pages = this.db.pragma('page_count', { simple: true }) as number;
    const free = this.db.pragma('freelist_count', { simple: true }) as number;
    const size = this.db.pragma('page_size', { simple: true }) as number;
    return (pages - free) * size;
  }

  /** Bytes of free pages in the file: reused by the next writes before the file grows. */
  freeBytes(): number {
    return (this.db.pragma('freelist_count', { simple: true }) as number) * (this.db.pragma('page_size', { simple: true }) as number);
  }

  /** Deletes sent incidents older than the retention (cascade: their events and snapshots). */
  expireOld(nowMs: number, quotas: StoreQuotas): number {
    const cutoff = retentionCutoffMs(nowMs, quotas.retentionDays);
    return this.expire.run(cutoff, cutoff).changes;
  }

  /** Frees `excessBytes` of evidence (see planSnapshotPrune), in one transaction. */
  pruneSnapshots(excessBytes: number): { count: number; bytes: number; unsent: number } {
    if (excessBytes <= 0) return { count: 0, bytes: 0, unsent: 0 };
    const rows: SnapshotCandidate[] = this.candidates.all().map((r) => ({ id: r.id, bytes: r.bytes, sent: r.unsent === 0 }));
    const plan = planSnapshotPrune(rows, excessBytes);
    this.db.transaction(() => {
      for (const id of plan.ids) this.deleteSnapshot.run(id);
    })();
    return { count: plan.ids.length, bytes: plan.bytes, unsent: plan.unsent };
  }

  /** Still over the database quota with no evidence left to prune: the oldest fully sent incidents go. */
  pruneIncidents(quotas: StoreQuotas): number {
    let deleted = 0;
    while (this.databaseBytes() > quotas.maxDatabaseBytes) {
      const ids = this.oldestSent.all(INCIDENT_PRUNE_BATCH);
      if (ids.length === 0) break;
      this.db.transaction(() => {
        for (const { id } of ids) this.deleteIncident.run(id);
      })();
      deleted += ids.length;
    }
    return deleted;
  }

  /** Quota pass: evidence first, then (database quota only) old sent incidents. */
  enforce(quotas: StoreQuotas): Pick<MaintenanceReport, 'prunedSnapshots' | 'prunedSnapshotBytes' | 'prunedUnsentSnapshots' | 'prunedIncidents'> {
    const excess = snapshotExcessBytes({ snapshotBytes: this.snapshotBytes(), databaseBytes: this.databaseBytes() }, quotas);
    const pruned = this.pruneSnapshots(excess);
    const prunedIncidents = this.pruneIncidents(quotas);
    return { prunedSnapshots: pruned.count, prunedSnapshotBytes: pruned.bytes, prunedUnsentSnapshots: pruned.unsent, prunedIncidents };
  }
}
