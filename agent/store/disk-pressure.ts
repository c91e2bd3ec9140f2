/**
 * The store's disk-pressure policy, as pure decisions (the SQL and the statfs are in store-space.ts): before a
 * save, make room from evidence when the disk is nearly full; when SQLite says the disk IS full, checkpoint the
 * WAL, prune harder and try once more; failing that, hold the event in memory (bounded) or, past the hold
 * limit, refuse it. A full disk must cost evidence before it costs an incident, and must never stop a camera.
 */

/** Why evidence is pruned; each reason is logged loudly at most once a minute (store-space.ts). */
export type PruneReason = 'disk nearly full' | 'disk full' | 'snapshot quota exceeded';

/** What the store knows before (or after a failed) write. */
export interface SaveSituation {
  /** Free bytes of the data directory's file system; undefined when it cannot be read (SQLite decides). */
  diskFreeBytes: number | undefined;
  /** Bytes of free pages inside the SQLite file: reused by the next writes before the file grows. */
  freePageBytes: number;
  /** Free space kept for the WAL and its checkpoint (DEFAULT_STORE_DISK_RESERVE_BYTES). */
  reserveBytes: number;
  /** Snapshot bytes the write adds. */
  writeBytes: number;
  /** Attempts of this write that already failed with a full disk (SQLITE_FULL): 0 before the first. */
  fullFailures: number;
  /** Events already held in memory, and how many may be. */
  held: number;
  heldMax: number;
}

/** What to do next, and why (the reason goes into the log line or the STORE_FULL error). */
export type SaveDecision =
  | { action: 'write'; reason: string }
  /** Prune `pruneBytes` of evidence (sent events first), then write; `checkpoint`: truncate the WAL before and after. */
  | { action: 'prune-first'; pruneBytes: number; checkpoint: boolean; reason: PruneReason }
  | { action: 'hold'; reason: string }
  | { action: 'refuse'; reason: string };

/**
 * After a write failed for a full disk, at least this much evidence is pruned (bytes), or 4 × the write's own
 * snapshots if larger: freeing only the shortfall would fail again on the next save (the WAL grows by a page
 * set per commit, 4 kB pages, 20 kB snapshots).
 */
export const FULL_DISK_PRUNE_MIN_BYTES = 1024 * 1024;

/** Room for a write: free disk plus free pages in the file, minus the reserve and the write itself (+∞ when unknown). */
export function roomBytes(s: Pick<SaveSituation, 'diskFreeBytes' | 'freePageBytes' | 'reserveBytes' | 'writeBytes'>): number {
  if (s.diskFreeBytes === undefined) return Number.POSITIVE_INFINITY;
  return s.diskFreeBytes + s.freePageBytes - s.reserveBytes - s.writeBytes;
}

/** The next step of a save under disk pressure (see the module note). */
export function decideSave(s: SaveSituation): SaveDecision {
  if (s.fullFailures === 0) {
    const room = roomBytes(s);
    if (room < 0) return { action: 'prune-first', pruneBytes: -room, checkpoint: false, reason: 'disk nearly full' };
    return { action: 'write', reason: 'room for the write' };
  }
  if (s.fullFailures === 1) {
    // The WAL holds recent pages until a checkpoint: on a small or nearly full disk it is the WAL that fills
    // it, and pages freed by pruning are reusable only once checkpointed.
    return { action: 'prune-first', pruneBytes: Math.max(4 * s.writeBytes, FULL_DISK_PRUNE_MIN_BYTES), checkpoint: true, reason: 'disk full' };
  }
  if (s.held >= s.heldMax) return { action: 'refuse', reason: `disk full after pruning and ${s.held} events already held in memory (limit ${s.heldMax})` };
  return { action: 'hold', reason: `disk full after pruning: held in memory (${s.held + 1} of at most ${s.heldMax})` };
}

/** Evidence to prune after a save that took the snapshots over their quota (bytes), or undefined when within it. */
export function decideSnapshotQuota(snapshotBytes: number, maxSnapshotBytes: number): { pruneBytes: number; reason: PruneReason } | undefined {
  if (snapshotBytes <= maxSnapshotBytes) return undefined;
  return { pruneBytes: snapshotBytes - maxSnapshotBytes, reason: 'snapshot quota exceeded' };
}

/** Pruning at the quota happens on every save: one info/warn line per reason this often (ms), the rest at debug. */
export const PRUNE_LOG_INTERVAL_MS = 60_000;

/** Whether a prune for `reason` at `nowMs` is logged loudly, given when that reason was last logged loudly. */
export function isLoudPrune(lastLoudAtMs: number | undefined, nowMs: number): boolean {
  return nowMs - (lastLoudAtMs ?? Number.NEGATIVE_INFINITY) >= PRUNE_LOG_INTERVAL_MS;
}
