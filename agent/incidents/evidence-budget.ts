import type { IncidentRecord } from './types.js';

/**
 * Evidence budget (pure): JPEG bytes a camera may store per rolling hour. Over it, events keep their
 * metadata but lose the picture, and `snapshot.omitted` says why, so a busy scene cannot fill the store's
 * snapshot quota (store.maxSnapshotBytes) on its own. Camera health incidents keep their picture: it is
 * the proof the camera was covered or dark, and they are rare.
 */

/** Default budget (bytes/hour per camera): 10 MiB ≈ 200 snapshots of 50 kB, 240 MiB a day, so the 2 GiB default quota lasts over a week per camera. */
export const DEFAULT_EVIDENCE_BYTES_PER_HOUR = 10 * 1024 * 1024;
const HOUR_MS = 3_600_000;

/** The reason an event carries in snapshot.omitted when the budget took its picture. */
export const EVIDENCE_BUDGET_OMITTED = 'over the camera\'s evidence budget (flood.evidenceBytesPerHour); the incident is sent without a picture';

export class EvidenceBudget {
  private readonly spent: Array<{ atMs: number; bytes: number }> = [];
  private total = 0;
  /** Pictures left out since the start. */
  omitted = 0;

  constructor(readonly bytesPerHour: number = DEFAULT_EVIDENCE_BYTES_PER_HOUR) {
    if (!Number.isFinite(bytesPerHour) || bytesPerHour < 0) throw new Error(`flood.evidenceBytesPerHour must be >= 0, got ${bytesPerHour}`);
  }

  /** Bytes spent in the hour before `nowMs`. */
  spentBytes(nowMs: number): number {
    this.expire(nowMs);
    return this.total;
  }

  /** The record as it may be stored: unchanged within budget (the bytes are charged), else without its JPEG. */
  apply(record: IncidentRecord, nowMs: number): IncidentRecord {
    const jpeg = record.snapshotJpeg;
    if (jpeg === undefined || record.incident.category === 'health') return record;
    this.expire(nowMs);
    // The clean copy is stored too: it costs the store as much as the picture itself.
    const bytes = jpeg.length + (record.cleanJpeg?.length ?? 0);
    if (this.total + bytes <= this.bytesPerHour) {
      this.spent.push({ atMs: nowMs, bytes });
      this.total += bytes;
      return record;
    }
    this.omitted += 1;
    const { snapshot } = record.incident;
    return {
      incident: {
        ...record.incident,
        snapshot: {
          contentType: 'image/jpeg',
          ...(snapshot !== undefined && { width: snapshot.width, height: snapshot.height }),
          bytes: 0,
          omitted: EVIDENCE_BUDGET_OMITTED,
        },
      },
    };
  }

  private expire(nowMs: number): void {
    while (this.spent.length > 0 && this.spent[0]!.atMs <= nowMs - HOUR_MS) {
      this.total -= this.spent.shift()!.bytes;
    }
  }
}
