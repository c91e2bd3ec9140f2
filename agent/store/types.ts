import type { CountBinPayload, CountBinSink, CountBinState } from '../counts/index.js';
import type { IncidentSink } from './incident-sink.js';
import type { CountBinEvents, Outbox } from './outbox.js';
import type { OutboxEntry } from './outbox-entry.js';
import type { StoreAdmin } from './store-admin.js';
import type { ClipStore } from './clips.js';

export type { OutboxEntry, ResendSelector } from './outbox-entry.js';
export type { StoreUsage } from './store-admin.js';

/**
 * Count bins in the store (schema v4): open bins persisted so a restart or a reload continues them, closed
 * bins queued in the same outbox as incidents (kind `counts`, no incident), so they go out at least once,
 * in seq order, through broker outages, by the same drain.
 */
export interface CountBinStore extends CountBinSink, CountBinEvents {
  /** Closes bins and queues their payloads in the outbox, in order, in one transaction. Bins already closed are skipped. */
  close(closed: ReadonlyArray<{ state: CountBinState; payload: CountBinPayload }>): OutboxEntry[];
  /** The payload an outbox row of kind `counts` carries. */
  event(seq: number): CountBinPayload | undefined;
  /** Deletes sent count rows and closed bins that started before `cutoffMs`. Returns bins deleted. */
  prune(cutoffMs: number): number;
}

/**
 * The whole durable incident store, as the composition root (ops/agent) holds it: the three ports together.
 * Consumers take the narrowest: IncidentSink (the pipeline), Outbox (the uplink), StoreAdmin (the CLI).
 */
export interface IncidentStore extends IncidentSink, Outbox, StoreAdmin {
  readonly counts?: CountBinStore;
  /** Evidence clips and their upload queue (schema v6). */
  readonly clips?: ClipStore;
}
