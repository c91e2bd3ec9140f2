import Database from 'better-sqlite3';
import { CamwatchError } from '../core/index.js';
import type { Incident } from '../incidents/index.js';
import { SCHEMA_VERSION } from './migrations.js';
import type { SnapshotKind } from './incident-statements.js';

/**
 * Read-only view of the store for operator tools (`camwatch incidents list|show`). Opens the file with
 * SQLITE_OPEN_READONLY: WAL lets it read a consistent snapshot while the agent keeps writing, and it can
 * never migrate, lock out or alter the agent's database.
 */

/** The first schema with one outbox row per event; older files are migrated by starting the agent once. */
const READER_MIN_SCHEMA = 2;

/** One incident in a listing: its latest state plus delivery bookkeeping. */
export interface IncidentSummary {
  incident: Incident;
  /** When the incident was first stored (epoch ms). */
  createdAtMs: number;
  events: number;
  /** Events not yet acknowledged by the broker (cancelled ones excluded). */
  unsent: number;
  ackedAtMs?: number;
}

/** One outbox row of an incident. */
export interface EventSummary {
  seq: number;
  status: Incident['status'];
  sequence?: number;
  createdAtMs: number;
  sentAtMs?: number;
  attempts: number;
  resendOf?: number;
  cancelledAtMs?: number;
}

export interface IncidentDetail extends IncidentSummary {
  history: EventSummary[];
  /** The latest snapshot's bytes. */
  snapshotJpeg?: Buffer;
  /** The latest evidence picture without its overlay (privacy applied), when one was kept. */
  cleanJpeg?: Buffer;
  /** The full-resolution still of the main stream (stills.fullResolution), when one was taken. */
  fullJpeg?: Buffer;
}

export interface ListFilter {
  sinceMs?: number;
  cameraId?: string;
  type?: string;
  /** Created before this time (epoch ms). */
  untilMs?: number;
  /** The incident's latest status (`new`, `update`, `end`, `summary`), or `open` (not ended) / `acknowledged`. */
  status?: 'new' | 'update' | 'end' | 'summary' | 'open' | 'acknowledged';
  limit: number;
}

export interface StoreReader {
  /** Newest first. */
  list(filter: ListFilter): IncidentSummary[];
  show(incidentId: string): IncidentDetail | undefined;
  /** Incidents stored since `sinceMs` per camera (summaries of folded incidents not counted). */
  countByCamera(sinceMs: number): Map<string, number>;
  close(): void;
}

interface SummaryRow {
  payload: string;
  created_at: number;
  acked_at: number | null;
  events: number;
  unsent: number;
}

const SUMMARY_SELECT = `SELECT i.payload, i.created_at, i.acked_at,
    (SELECT count(*) FROM outbox o WHERE o.incident_id = i.id) AS events,
    (SELECT count(*) FROM outbox o WHERE o.incident_id = i.id AND o.sent_at IS NULL AND o.cancelled_at IS NULL) AS unsent
  FROM incidents i`;

/** Opens `path` read-only; STORE_OPEN when it is missing, not a store, or from an older/newer schema. */
export function openStoreReader(path: string): StoreReader {
  let db: Database.Database;
  try {
    db = new Database(path, { readonly: true, fileMustExist: true });
  } catch (err) {
    throw openError(path, err instanceof Error ? err.message : String(err), err);
  }
  try {
    const version = db.pragma('user_version', { simple: true }) as number;
    if (version > SCHEMA_VERSION) throw new Error(`schema version ${version} is newer than this camwatch build supports (${SCHEMA_VERSION})`);
    if (version < READER_MIN_SCHEMA) throw new Error(`schema version ${version} is older than ${READER_MIN_SCHEMA}: start the agent once to migrate it`);
  } catch (err) {
    db.close();
    throw openError(path, err instanceof Error ? err.message : String(err), err);
  }

  const summary = (r: SummaryRow): IncidentSummary => ({
    incident: JSON.parse(r.payload) as Incident,
    createdAtMs: r.created_at,
    events: r.events,
    unsent: r.unsent,
    ...(r.acked_at === null ? {} : { ackedAtMs: r.acked_at }),
  });
  const selectOne = db.prepare<[string], SummaryRow>(`${SUMMARY_SELECT} WHERE i.id = ?`);
  const selectHistory = db.prepare<[string], {
    seq: number; status: string | null; event: string | null; created_at: number; sent_at: number | null;
    attempts: number; resend_of: number | null; cancelled_at: number | null;
  }>(
    `SELECT seq, status, event, created_at, sent_at, attempts, resend_of, cancelled_at FROM outbox
     WHERE incident_id = ? ORDER BY seq`,
  );
  // A store the agent has not migrated to schema 7 yet (upgraded code, agent not restarted) has no kind column:
  // its evidence rows are the plain image/jpeg ones.
  const hasKind = (db.pragma('table_info(snapshots)') as Array<{ name: string }>).some((c) => c.name === 'kind');
  const selectSnapshot = db.prepare<[string, SnapshotKind], { jpeg: Buffer | null }>(
    `SELECT jpeg FROM snapshots WHERE incident_id = ? AND ${hasKind ? 'kind = ?' : "content_type = 'image/jpeg' AND ? = 'evidence'"} ORDER BY id DESC LIMIT 1`,
  );

  const selectCounts = db.prepare<[number], { camera: string; n: number }>(
    `SELECT camera, count(*) AS n FROM incidents WHERE created_at >= ? AND json_extract(payload, '$.status') <> 'summary' GROUP BY camera`,
  );

  return {
    list(filter) {
      const where: string[] = [];
      const args: (string | number)[] = [];
      if (filter.sinceMs !== undefined) {
        where.push('i.created_at >= ?');
        args.push(filter.sinceMs);
      }
      if (filter.cameraId !== undefined) {
        where.push('i.camera = ?');
        args.push(filter.cameraId);
      }
      if (filter.type !== undefined) {
        where.push('i.type = ?');
        args.push(filter.type);
      }
      if (filter.untilMs !== undefined) {
        where.push('i.created_at < ?');
        args.push(filter.untilMs);
      }
      if (filter.status === 'acknowledged') where.push('i.acked_at IS NOT NULL');
      else if (filter.status === 'open') where.push("json_extract(i.payload, '$.status') IN ('new', 'update')");
      else if (filter.status !== undefined) {
        where.push("json_extract(i.payload, '$.status') = ?");
        args.push(filter.status);
      }
      const sql = `${SUMMARY_SELECT} ${where.length ? `WHERE ${where.join(' AND ')}` : ''}
        ORDER BY i.created_at DESC, i.id DESC LIMIT ?`;
      return db.prepare<(string | number)[], SummaryRow>(sql).all(...args, filter.limit).map(summary);
    },
    show(incidentId) {
      const row = selectOne.get(incidentId);
      if (row === undefined) return undefined;
      const history = selectHistory.all(incidentId).map((h): EventSummary => {
        const sequence = h.event === null ? undefined : (JSON.parse(h.event) as Incident).sequence;
        return {
          seq: h.seq,
          status: h.status === 'update' || h.status === 'end' ? h.status : 'new',
          ...(sequence === undefined ? {} : { sequence }),
          createdAtMs: h.created_at,
          ...(h.sent_at === null ? {} : { sentAtMs: h.sent_at }),
          attempts: h.attempts,
          ...(h.resend_of === null ? {} : { resendOf: h.resend_of }),
          ...(h.cancelled_at === null ? {} : { cancelledAtMs: h.cancelled_at }),
        };
      });
      const jpeg = selectSnapshot.get(incidentId, 'evidence')?.jpeg ?? null;
      const clean = selectSnapshot.get(incidentId, 'clean')?.jpeg ?? null;
      const full = selectSnapshot.get(incidentId, 'full')?.jpeg ?? null;
      return { ...summary(row), history, ...(jpeg === null ? {} : { snapshotJpeg: jpeg }), ...(clean === null ? {} : { cleanJpeg: clean }), ...(full === null ? {} : { fullJpeg: full }) };
    },
    countByCamera(sinceMs) {
      const rows = selectCounts.all(sinceMs);
      return new Map(rows.map((r) => [r.camera, r.n]));
    },
    close() {
      if (db.open) db.close();
    },
  };
}

function openError(path: string, reason: string, cause: unknown): CamwatchError {
  return new CamwatchError('STORE_OPEN', `cannot read incident store ${path}: ${reason}`, { cause, details: { path } });
}
