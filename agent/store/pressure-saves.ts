import type { CamwatchError } from '../core/index.js';
import type { IncidentRecord } from '../incidents/index.js';
import { decideSave, type SaveDecision } from './disk-pressure.js';
import { snapshotBytesOf, type HeldEvents } from './held-events.js';
import type { IncidentSink } from './incident-sink.js';
import type { IncidentStatements } from './incident-statements.js';
import type { OutboxEntry } from './outbox-entry.js';
import type { StoreSpace } from './store-space.js';
import { isStoreFull, mapWriteError } from './write-errors.js';

/** The pipeline's writes under the disk-pressure policy, and the flush of what a full disk left held. */
export interface PressureSaves extends Pick<IncidentSink, 'save' | 'saveMany'> {
  /** Saves the held events in order; throws (the rest still held) at the first that fails. */
  flushHeld(): number;
}

/**
 * Saves through `statements`, asking the policy (decideSave) before a write and after each full-disk failure:
 * a full disk must lose neither the incident nor the camera; it costs evidence of sent events first, then a
 * place in the memory hold, and only past the hold the event itself (STORE_FULL says which).
 */
export function pressureSaves(parts: { statements: IncidentStatements; space: StoreSpace; held: HeldEvents; path: string; now: () => number }): PressureSaves {
  const { statements, space, held, path, now } = parts;
  const decide = (writeBytes: number, fullFailures: number): SaveDecision => decideSave(space.situation(writeBytes, fullFailures, held));

  const writeOne = (record: IncidentRecord): OutboxEntry => {
    try {
      const entry = statements.saveOne(record, now());
      space.added(snapshotBytesOf(record));
      return entry;
    } catch (err) {
      throw mapWriteError(path, err);
    }
  };
  const writeMany = (records: readonly IncidentRecord[]): OutboxEntry[] => {
    try {
      const entries = statements.saveMany(records, now());
      for (const r of records) space.added(snapshotBytesOf(r));
      return entries;
    } catch (err) {
      throw mapWriteError(path, err);
    }
  };
  const flushHeld = (): number => held.flush(writeOne);

  const save = (record: IncidentRecord): OutboxEntry => {
    const bytes = snapshotBytesOf(record);
    space.makeRoom(decide(bytes, 0));
    let entry: OutboxEntry;
    try {
      flushHeld();
      entry = writeOne(record);
    } catch (err) {
      if (!isStoreFull(err)) throw err;
      space.makeRoom(decide(bytes, 1));
      try {
        flushHeld();
        entry = writeOne(record);
      } catch (again) {
        if (!isStoreFull(again)) throw again;
        throw held.hold(record, again, decide(bytes, 2));
      }
    }
    space.enforceSnapshotQuota();
    return entry;
  };

  return {
    save,
    saveMany(records) {
      if (records.length === 0) return { entries: [] };
      let bytes = 0;
      for (const r of records) bytes += snapshotBytesOf(r);
      space.makeRoom(decide(bytes, 0));
      let entries: OutboxEntry[];
      try {
        flushHeld();
        entries = writeMany(records);
      } catch (err) {
        if (!isStoreFull(err)) throw err;
        // Full: one by one through save(), which prunes, retries and holds what still does not fit, in order.
        entries = [];
        let full: CamwatchError | undefined;
        for (const record of records) {
          try {
            entries.push(save(record));
          } catch (one) {
            if (!isStoreFull(one)) throw one;
            full = one;
          }
        }
        return full === undefined ? { entries } : { entries, full };
      }
      space.enforceSnapshotQuota();
      return { entries };
    },
    flushHeld,
  };
}
