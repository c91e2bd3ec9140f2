import Database from 'better-sqlite3';
import { binPayload, type CountBinState } from '../counts/index.js';
import { CamwatchError } from '../core/index.js';
import { SCHEMA_VERSION } from './migrations.js';

/**
 * Read-only view of the count bins for `camwatch counts` (like reader.ts for incidents): SQLITE_OPEN_READONLY,
 * safe while the agent writes.
 */

/** The first schema with count bins. */
const COUNTS_MIN_SCHEMA = 4;

/** One row of the listing: a line's class in one bin (in/out), or a zone's class (mean/max occupancy). */
export interface CountRow {
  cameraId: string;
  periodSeconds: number;
  start: string;
  end: string;
  /** `closed` bins were queued for the IOC; `open` ones are still counting. */
  state: 'open' | 'closed';
  kind: 'line' | 'zone';
  /** Line id (kind line) or zone id (kind zone). */
  id: string;
  ruleId?: string;
  className: string;
  in?: number;
  out?: number;
  mean?: number;
  max?: number;
}

export interface CountFilter {
  cameraId?: string;
  /** Line or zone id. */
  id?: string;
  className?: string;
  periodSeconds?: number;
  sinceMs?: number;
  untilMs?: number;
}

/** Bins matching the filter, oldest first, flattened to rows (pure SQL read; throws STORE_OPEN naming the path). */
export function readCounts(path: string, filter: CountFilter): CountRow[] {
  let db: Database.Database;
  try {
    db = new Database(path, { readonly: true, fileMustExist: true });
  } catch (err) {
    throw openError(path, err instanceof Error ? err.message : String(err), err);
  }
  try {
    const version = db.pragma('user_version', { simple: true }) as number;
    if (version > SCHEMA_VERSION) throw openError(path, `schema version ${version} is newer than this camwatch build supports (${SCHEMA_VERSION})`);
    if (version < COUNTS_MIN_SCHEMA) throw openError(path, `schema version ${version} has no count bins: start the agent once to migrate it`);
    const rows = db
      .prepare<[{ camera: string | null; period: number | null; since: number | null; until: number | null }], { state: string; closed_at: number | null }>(
        `SELECT state, closed_at FROM count_bins
         WHERE (@camera IS NULL OR camera = @camera) AND (@period IS NULL OR period_s = @period)
           AND (@since IS NULL OR start_ms >= @since) AND (@until IS NULL OR start_ms < @until)
         ORDER BY start_ms, period_s, camera`,
      )
      .all({ camera: filter.cameraId ?? null, period: filter.periodSeconds ?? null, since: filter.sinceMs ?? null, until: filter.untilMs ?? null });
    const out: CountRow[] = [];
    for (const r of rows) {
      const payload = binPayload(JSON.parse(r.state) as CountBinState, '');
      const base = { cameraId: payload.cameraId, periodSeconds: payload.periodSeconds, start: payload.start, end: payload.end, state: r.closed_at === null ? ('open' as const) : ('closed' as const) };
      for (const line of payload.lines) {
        if (filter.id !== undefined && line.lineId !== filter.id) continue;
        for (const [cls, c] of Object.entries(line.classes)) {
          if (filter.className !== undefined && cls !== filter.className) continue;
          out.push({ ...base, kind: 'line', id: line.lineId, ruleId: line.ruleId, className: cls, in: c.in, out: c.out });
        }
      }
      for (const zone of payload.zones) {
        if (filter.id !== undefined && zone.zoneId !== filter.id) continue;
        for (const [cls, c] of Object.entries(zone.classes)) {
          if (filter.className !== undefined && cls !== filter.className) continue;
          out.push({ ...base, kind: 'zone', id: zone.zoneId, className: cls, mean: c.mean, max: c.max });
        }
      }
    }
    return out;
  } catch (err) {
    if (err instanceof CamwatchError) throw err;
    throw openError(path, err instanceof Error ? err.message : String(err), err);
  } finally {
    db.close();
  }
}

function openError(path: string, reason: string, cause?: unknown): CamwatchError {
  return new CamwatchError('STORE_OPEN', `cannot read count bins in ${path}: ${reason}`, { ...(cause !== undefined && { cause }), details: { path } });
}
