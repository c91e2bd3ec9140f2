import type { CountBinPayload } from '../counts/index.js';
import type { IncidentRecord } from '../incidents/index.js';
import type { OutboxEntry, ResendSelector } from './outbox-entry.js';
import type { StoreUsage } from './store-admin.js';

/**
 * The store as the uplink drains it (port): unsent rows in seq order, per lane; what each row carries; the
 * delivery bookkeeping; the IOC's acknowledge and resend commands; the store's usage for its stats.
 */
export interface Outbox {
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
  /** Sizes against the quotas and what pruning and a full disk cost since open (published with the stats). */
  usage(): StoreUsage;
  /** Count bins: the payload an outbox row of kind `counts` carries. Absent on stores without them. */
  readonly counts?: CountBinEvents;
}

/** The outbox side of the count bins: what a `counts` row carries. */
export interface CountBinEvents {
  /** The payload an outbox row of kind `counts` carries. */
  event(seq: number): CountBinPayload | undefined;
}
