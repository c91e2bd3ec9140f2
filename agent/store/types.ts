import type { Incident, IncidentRecord, SuspendedIncident } from '../incidents/index.js';
import type { CamwatchError } from '../core/index.js';
import type { MaintenanceReport } from './maintenance.js';
import type { CountBinStore } from './count-bins.js';

/** A pending publish: one incident event. The uplink renders topic and payload from `event(seq)`. */
export interface OutboxEntry {
  /** Monotonic: publish order. */
  seq: number;
  incidentId: string;
  /** Status of the event this row carries. */
  status: Incident['status'];
  createdAtMs: number;
  attempts: number;
  /** Set on a copy queued by `resend`: the seq of the row it repeats. */
  resendOf?: number;
  /** What the row carries: an incident event (absent or `incident`) or a count bin (`counts`, incidentId = the bin id). */
  kind?: 'incident' | 'counts';
}

/** Which earlier events `resend` queues again: every event of these incidents, or every event since a time. */
export type ResendSelector = { incidentIds: readonly string[] } | { sinceMs: number };

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
 * Durable incident store. Each save() writes, in one transaction, the incident's latest state, its
 * snapshot (once per snapshot) and one outbox row holding that event as it was.
 */
export interface IncidentStore {
  /**
   * Throws STORE_FULL when the disk is full even after pruning evidence of sent events; the record is then
   * held in memory (bounded) and saved, in order, by the next save() or maintain().
   */
  save(record: IncidentRecord): OutboxEntry;
  /**
   * Saves several events in one transaction (one fsync instead of one each: the high-rate path, see
   * StoreWriter), in order. On a full disk it falls back to save() per record: the entries saved are
   * returned, the rest are held (or dropped past the hold limit) and `full` says so. Never throws STORE_FULL.
   */
  saveMany(records: readonly IncidentRecord[]): { entries: OutboxEntry[]; full?: CamwatchError };
  /**
   * Retention and quotas (config `store`): deletes sent incidents past retentionDays, prunes evidence (sent
   * events first) above the quotas, retries incidents held after a full disk. Call from a timer.
   */
  maintain(nowMs: number): MaintenanceReport;
  /** Incidents held in memory because the disk was full. */
  held(): number;
  /** Sizes against the quotas and what pruning and a full disk cost since open (for stats and warnings). */
  usage(): StoreUsage;
  /**
   * Incidents of a camera still open at their last saved event (saved with `IncidentRecord.open`), oldest
   * first: after a restart the camera's lifecycle continues or ends them.
   */
  openIncidents(cameraId: string): SuspendedIncident[];
  /** Cameras that have open incidents in the store (those no longer configured must end theirs). */
  openIncidentCameras(): string[];
  /** The latest state of an incident, with its latest snapshot. */
  get(incidentId: string): IncidentRecord | undefined;
  /** The event an outbox row carries: the Incident at that event, with the snapshot it references. */
  event(seq: number): IncidentRecord | undefined;
  /** Oldest unsent (and not cancelled) entries after `afterSeq`, in seq order. */
  pending(limit: number, afterSeq?: number): OutboxEntry[];
  /**
   * Unsent rows of one lane, oldest first, after `afterSeq`: `live` rows are above `boundarySeq` (stored after
   * the uplink's connection started) and not resend copies; `history` is every other row (the backlog).
   */
  pendingIn(lane: 'live' | 'history', boundarySeq: number, afterSeq: number, limit: number): OutboxEntry[];
  /** The highest seq ever written (0 for an empty outbox): the uplink's live/history boundary at connect. */
  lastSeq(): number;
  markSent(seq: number): void;
  markAttempt(seq: number): void;
  /** markSent for many rows in one transaction (the uplink's acks of one event-loop turn). */
  markSentMany(seqs: readonly number[]): void;
  /** markAttempt for many rows in one transaction. */
  markAttemptMany(seqs: readonly number[]): void;
  pendingCount(): number;
  /**
   * The IOC acknowledged an incident: its unsent events other than `end` are cancelled (never published),
   * and so are later ones saved for it. Returns the number of rows cancelled, or undefined for an unknown id.
   */
  acknowledge(incidentId: string): number | undefined;
  /** Queues copies of earlier, already sent events (new seqs, so order stays monotonic). Returns the new entries. */
  resend(selector: ResendSelector): OutboxEntry[];
  /** Count bins (schema v4): open bins and the closed ones queued in this outbox. Absent on stores without them. */
  readonly counts?: CountBinStore;
  close(): void;
}
