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
  /** Open incidents with a picture stored, and those whose picture the budget took (until their end). */
  private readonly withPicture = new Set<string>();
  private readonly withoutPicture = new Set<string>();

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
    const { id, status } = record.incident;
    const out = this.decide(record, nowMs);
    if (status === 'end' || status === 'summary') {
      this.withPicture.delete(id);
      this.withoutPicture.delete(id);
    }
    return out;
  }

  private decide(record: IncidentRecord, nowMs: number): IncidentRecord {
    const jpeg = record.snapshotJpeg;
    const { id } = record.incident;
    if (record.incident.category === 'health') return record;
    if (jpeg === undefined) {
      // An update or end without a new picture repeats its incident's last one (docs/mqtt.md). When the budget
      // took every picture of the incident there is none to repeat: say why, rather than let the IOC read
      // the picture's metadata as one the store quota pruned.
      const repeats = (record.incident.snapshot?.bytes ?? 0) > 0;
      return repeats && this.withoutPicture.has(id) && !this.withPicture.has(id) ? this.withoutItsPicture(record) : record;
    }
    this.expire(nowMs);
    // The clean copy is stored too: it costs the store as much as the picture itself.
    const bytes = jpeg.length + (record.cleanJpeg?.length ?? 0);
    if (this.total + bytes <= this.bytesPerHour) {
      this.spent.push({ atMs: nowMs, bytes });
      this.total += bytes;
      this.withPicture.add(id);
      return record;
    }
    this.omitted += 1;
    this.withoutPicture.add(id);
    return this.withoutItsPicture(record);
  }

  /**
   * An open incident handed to the camera's next run (a reload), as the store holds it: without the picture
   * metadata when the budget took every picture, so its later events say why they have none (as after a restart).
   */
  handedOver<T extends { incident: IncidentRecord['incident'] }>(open: T): T {
    const { id } = open.incident;
    if (!this.withoutPicture.has(id) || this.withPicture.has(id)) return open;
    return { ...open, incident: this.withoutItsPicture({ incident: open.incident }).incident };
  }

  private withoutItsPicture(record: IncidentRecord): IncidentRecord {
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
