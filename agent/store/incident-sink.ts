import type { CamwatchError } from '../core/index.js';
import type { CountBinSink } from '../counts/index.js';
import type { IncidentRecord, SuspendedIncident } from '../incidents/index.js';
import type { OutboxEntry } from './outbox-entry.js';

/**
 * The store as the pipeline sees it (port): incident events with their evidence, and count bins, saved for
 * the outbox; open incidents read back after a restart. Each save() writes, in one transaction, the
 * incident's latest state, its snapshot (once per snapshot) and one outbox row holding that event as it was.
 */
export interface IncidentSink {
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
   * Incidents of a camera still open at their last saved event (saved with `IncidentRecord.open`), oldest
   * first: after a restart the camera's lifecycle continues or ends them.
   */
  openIncidents(cameraId: string): SuspendedIncident[];
  /** Cameras that have open incidents in the store (those no longer configured must end theirs). */
  openIncidentCameras(): string[];
  /** Count bins (schema v4): open bins kept, closed ones queued in the outbox. Absent on stores without them. */
  readonly counts?: CountBinSink;
}
