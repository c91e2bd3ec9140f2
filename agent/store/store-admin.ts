import type { IncidentRecord } from '../incidents/index.js';
import type { MaintenanceReport } from './maintenance.js';
import type { OutboxEntry, ResendSelector } from './outbox-entry.js';

/** What the store holds and what keeping it within its quotas has cost since it was opened. */
export interface StoreUsage {
  snapshotBytes: number;
  maxSnapshotBytes: number;
  /** Pages in use × page size. */
  databaseBytes: number;
  maxDatabaseBytes: number;
  /** Free space of the data directory's file system, when it can be read. */
  diskFreeBytes?: number;
  /** Outbox rows not yet sent (nor cancelled). */
  pending: number;
  /** Events held in memory because the disk is full. */
  held: number;
  /** Since when saves fail for lack of space (epoch ms); absent when they do not. */
  fullSinceMs?: number;
  prunedSnapshots: number;
  /** Of those, snapshots of events not yet sent (they went out without a picture). */
  prunedUnsentSnapshots: number;
  /** Events lost: the disk was full and the memory hold too. */
  droppedEvents: number;
  expiredIncidents: number;
  prunedIncidents: number;
}

/**
 * The open store as an operator administers it (port): read an incident, queue it again, keep the store
 * within its quotas and retention, see what that cost, close it. Listings and counts are read without
 * opening the store for writing (openStoreReader, readCounts); check and recover work on the file (checkStore,
 * recoverStore).
 */
export interface StoreAdmin {
  /** The latest state of an incident, with its latest snapshot. */
  get(incidentId: string): IncidentRecord | undefined;
  /** Queues copies of earlier, already sent events (new seqs, so order stays monotonic). Returns the new entries. */
  resend(selector: ResendSelector): OutboxEntry[];
  /**
   * Retention and quotas (config `store`): deletes sent incidents past retentionDays, prunes evidence (sent
   * events first) above the quotas, retries incidents held after a full disk. Call from a timer.
   */
  maintain(nowMs: number): MaintenanceReport;
  /** Incidents held in memory because the disk was full. */
  held(): number;
  /** Sizes against the quotas and what pruning and a full disk cost since open (for stats and warnings). */
  usage(): StoreUsage;
  close(): void;
}
