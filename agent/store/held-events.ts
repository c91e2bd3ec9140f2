import { CamwatchError, type Logger } from '../core/index.js';
import type { IncidentRecord } from '../incidents/index.js';
import type { SaveDecision } from './disk-pressure.js';

/**
 * Incidents kept in memory while the disk is full (saved, in order, by the next save() or maintain()).
 * A day-long outage of a busy camera is thousands; memory on a 2 GB box is not, so beyond this new ones
 * are dropped, each logged with its id.
 */
export const DEFAULT_STORE_HELD_MAX = 500;

/** Snapshot bytes a record adds to the store. */
export function snapshotBytesOf(record: IncidentRecord): number {
  return record.snapshotJpeg?.length ?? 0;
}

/** The in-memory hold of events the full disk refused, in arrival order, bounded by `max`. */
export class HeldEvents {
  private readonly records: IncidentRecord[] = [];
  /** Since when saves fail for lack of space (epoch ms); undefined while they do not. */
  private fullSinceMs: number | undefined;
  /** Events lost: the disk was full and the hold too. */
  private dropped = 0;

  constructor(private readonly options: { path: string; max: number; now: () => number; log: Logger }) {}

  get count(): number {
    return this.records.length;
  }

  get max(): number {
    return this.options.max;
  }

  get fullSince(): number | undefined {
    return this.fullSinceMs;
  }

  get droppedEvents(): number {
    return this.dropped;
  }

  /** Snapshot bytes of the held events (the room their save will need). */
  bytes(): number {
    return this.records.reduce((n, r) => n + snapshotBytesOf(r), 0);
  }

  /**
   * Saves the held events in order through `write`; stops (leaving the rest held) at the first that throws,
   * and throws that. Returns how many were saved; the first flush after a full disk logs that it is over.
   */
  flush(write: (record: IncidentRecord) => unknown): number {
    let saved = 0;
    while (this.records.length > 0) {
      write(this.records[0]!);
      this.records.shift();
      saved += 1;
    }
    if (this.fullSinceMs !== undefined) {
      this.options.log.info({ savedHeld: saved, fullForMs: this.options.now() - this.fullSinceMs }, 'incident store writable again; held incidents saved');
      this.fullSinceMs = undefined;
    }
    return saved;
  }

  /**
   * The disk stayed full for `record`: holds it, or drops it when the policy decided `refuse` (the hold is
   * full), and returns the STORE_FULL error saying which, for the caller to throw.
   */
  hold(record: IncidentRecord, err: CamwatchError, decision: SaveDecision): CamwatchError {
    const { path, max, log } = this.options;
    const id = record.incident.id;
    const held = this.records.length;
    if (this.fullSinceMs === undefined) {
      this.fullSinceMs = this.options.now();
      log.error({ code: err.code, hint: err.hint, path }, `${err.message}; incidents are held in memory (up to ${max}) and saved when space is freed`);
    }
    if (decision.action === 'refuse') {
      this.dropped += 1;
      log.error({ code: err.code, incidentId: id, status: record.incident.status, held }, 'incident store full and memory hold full: incident event dropped');
      return new CamwatchError('STORE_FULL', `incident store ${path} is full and ${held} incidents already wait in memory: ${id} was dropped`, { cause: err, details: { path, incidentId: id, held } });
    }
    this.records.push(record);
    return new CamwatchError('STORE_FULL', `incident store ${path} is full: ${id} is held in memory (${this.records.length} waiting) and saved when space is freed`, {
      cause: err,
      details: { path, incidentId: id, held: this.records.length },
    });
  }
}
