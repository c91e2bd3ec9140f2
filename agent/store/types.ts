import type { IncidentRecord } from '../incidents/types.js';

/** A pending publish: the uplink renders topic and payload from the stored incident. */
export interface OutboxEntry {
  /** Monotonic: publish order. */
  seq: number;
  incidentId: string;
  createdAtMs: number;
  attempts: number;
}

/** Durable incident store: the incident and its outbox row are written in one transaction. */
export interface IncidentStore {
  save(record: IncidentRecord): OutboxEntry;
  get(incidentId: string): IncidentRecord | undefined;
  /** Oldest unsent entries after `afterSeq`, in seq order. */
  pending(limit: number, afterSeq?: number): OutboxEntry[];
  markSent(seq: number): void;
  markAttempt(seq: number): void;
  pendingCount(): number;
  close(): void;
}
