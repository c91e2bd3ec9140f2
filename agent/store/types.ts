import type { Incident, IncidentRecord } from '../incidents/types.js';
import type { MaintenanceReport } from './maintenance.js';

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
}

/** Which earlier events `resend` queues again: every event of these incidents, or every event since a time. */
export type ResendSelector = { incidentIds: readonly string[] } | { sinceMs: number };

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
   * Retention and quotas (config `store`): deletes sent incidents past retentionDays, prunes evidence (sent
   * events first) above the quotas, retries incidents held after a full disk. Call from a timer.
   */
  maintain(nowMs: number): MaintenanceReport;
  /** Incidents held in memory because the disk was full. */
  held(): number;
  /** The latest state of an incident, with its latest snapshot. */
  get(incidentId: string): IncidentRecord | undefined;
  /** The event an outbox row carries: the Incident at that event, with the snapshot it references. */
  event(seq: number): IncidentRecord | undefined;
  /** Oldest unsent (and not cancelled) entries after `afterSeq`, in seq order. */
  pending(limit: number, afterSeq?: number): OutboxEntry[];
  markSent(seq: number): void;
  markAttempt(seq: number): void;
  pendingCount(): number;
  /**
   * The IOC acknowledged an incident: its unsent events other than `end` are cancelled (never published),
   * and so are later ones saved for it. Returns the number of rows cancelled, or undefined for an unknown id.
   */
  acknowledge(incidentId: string): number | undefined;
  /** Queues copies of earlier, already sent events (new seqs, so order stays monotonic). Returns the new entries. */
  resend(selector: ResendSelector): OutboxEntry[];
  close(): void;
}
