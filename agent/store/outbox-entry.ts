import type { Incident } from '../incidents/index.js';

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
