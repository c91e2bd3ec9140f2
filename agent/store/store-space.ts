import type Database from 'better-sqlite3';
import { diskFreeBytes, type Logger } from '../core/index.js';
import { decideSnapshotQuota, isLoudPrune, type PruneReason, type SaveDecision, type SaveSituation } from './disk-pressure.js';
import type { HeldEvents } from './held-events.js';
import type { StoreMaintenance } from './maintenance.js';
import type { StoreQuotas } from './quotas.js';
import { mapWriteError } from './write-errors.js';

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

/** What keeping within the quotas has cost since open (StoreUsage). */
export interface SpaceCounters {
  prunedSnapshots: number;
  prunedUnsentSnapshots: number;
  expiredIncidents: number;
  prunedIncidents: number;
}

/**
 * The I/O around the disk-pressure policy (disk-pressure.ts): reads free space for it, carries out its
 * prunes (logged), checkpoints the WAL, and tracks the snapshot bytes against their quota.
 */
export class StoreSpace {
  /** Tracked, not summed per save: the snapshot quota is checked on every save that adds one. */
  snapshotBytes: number;
  readonly counters: SpaceCounters = { prunedSnapshots: 0, prunedUnsentSnapshots: 0, expiredIncidents: 0, prunedIncidents: 0 };
  private readonly lastLoudPrune = new Map<PruneReason, number>();

  constructor(
    private readonly db: Database.Database,
    private readonly maintenance: StoreMaintenance,
    private readonly options: { path: string; dataDir: string; reserveBytes: number; quotas: StoreQuotas; now: () => number; log: Logger },
  ) {
    this.snapshotBytes = maintenance.snapshotBytes();
  }

  /** Free bytes of the data directory's file system, or undefined when it cannot be read. */
  diskFreeBytes(): number | undefined {
    return diskFreeBytes(this.options.dataDir);
  }

  /** The policy's inputs for a write of `writeBytes` after `fullFailures` failed attempts. */
  situation(writeBytes: number, fullFailures: number, held: HeldEvents): SaveSituation {
    const diskFreeBytes = this.diskFreeBytes();
    return {
      diskFreeBytes,
      // Unread when the disk cannot be read: the policy then lets SQLite decide.
      freePageBytes: diskFreeBytes === undefined ? 0 : this.maintenance.freeBytes(),
      reserveBytes: this.options.reserveBytes,
      writeBytes,
      fullFailures,
      held: held.count,
      heldMax: held.max,
    };
  }

  /** Carries out a `prune-first` decision (others need no room made). */
  makeRoom(decision: SaveDecision): void {
    if (decision.action !== 'prune-first') return;
    if (decision.checkpoint) this.checkpoint();
    this.prune(decision.pruneBytes, decision.reason);
    if (decision.checkpoint) this.checkpoint();
  }

  /** A save added these snapshot bytes. */
  added(bytes: number): void {
    this.snapshotBytes += bytes;
  }

  /** Re-reads the snapshot bytes (after maintenance deleted some by SQL). */
  resync(): void {
    this.snapshotBytes = this.maintenance.snapshotBytes();
  }

  /** After a save: evidence above the snapshot quota is pruned now, not at the next maintenance. */
  enforceSnapshotQuota(): void {
    const over = decideSnapshotQuota(this.snapshotBytes, this.options.quotas.maxSnapshotBytes);
    if (over === undefined) return;
    try {
      this.prune(over.pruneBytes, over.reason);
    } catch (err) {
      this.options.log.warn({ err }, 'snapshot pruning failed; retried by the next save or maintain()');
    }
  }

  /** Prunes `excessBytes` of evidence, sent events first, oldest first (for the quota, or for room on a full disk). */
  prune(excessBytes: number, why: PruneReason): void {
    const { log, quotas } = this.options;
    let pruned: { count: number; bytes: number; unsent: number };
    try {
      pruned = this.maintenance.pruneSnapshots(excessBytes);
    } catch (err) {
      log.warn({ err: mapWriteError(this.options.path, err) }, `${why}: cannot prune evidence`);
      return;
    }
    if (pruned.count === 0) return;
    this.snapshotBytes = Math.max(0, this.snapshotBytes - pruned.bytes);
    this.counters.prunedSnapshots += pruned.count;
    this.counters.prunedUnsentSnapshots += pruned.unsent;
    const fields = { pruned: pruned.count, bytes: pruned.bytes, unsent: pruned.unsent, snapshotBytes: this.snapshotBytes, maxSnapshotBytes: quotas.maxSnapshotBytes };
    // At the quota, every save prunes a little: one line per reason a minute, the rest at debug.
    const at = this.options.now();
    const loud = isLoudPrune(this.lastLoudPrune.get(why), at);
    if (loud) this.lastLoudPrune.set(why, at);
    if (pruned.unsent > 0) log[loud ? 'warn' : 'debug'](fields, `${why}: pruned snapshots, including ${pruned.unsent} of events not sent yet (they go out without a picture)`);
    else log[loud ? 'info' : 'debug'](fields, `${why}: pruned the oldest snapshots of sent events`);
  }

  private checkpoint(): void {
    try {
      this.db.pragma('wal_checkpoint(TRUNCATE)');
    } catch (err) {
      this.options.log.debug({ err }, 'WAL checkpoint failed');
    }
  }
}
