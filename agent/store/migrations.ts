import type { Database } from 'better-sqlite3';

/**
 * Schema migrations, applied in order; `PRAGMA user_version` records how many ran. Append only: a
 * released migration is never edited, because boxes in the field already ran it.
 */
export interface Migration {
  /** The user_version after this migration. */
  version: number;
  description: string;
  sql: string;
}

export const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    description: 'incidents, evidence and outbox',
    sql: `
      CREATE TABLE incidents (
        id          TEXT PRIMARY KEY,
        camera      TEXT NOT NULL,
        type        TEXT NOT NULL,
        category    TEXT NOT NULL,
        payload     TEXT NOT NULL,      -- the Incident as JSON
        created_at  INTEGER NOT NULL    -- epoch ms, first save
      );
      CREATE INDEX incidents_created_at ON incidents(created_at);

      -- One row per incident with a snapshot. jpeg holds the bytes today; path is for evidence moved to
      -- files later (retention/quotas), so exactly one of them is set.
      CREATE TABLE evidence (
        incident_id  TEXT PRIMARY KEY REFERENCES incidents(id) ON DELETE CASCADE,
        content_type TEXT NOT NULL,
        jpeg         BLOB,
        path         TEXT,
        bytes        INTEGER NOT NULL,
        created_at   INTEGER NOT NULL,
        CHECK ((jpeg IS NULL) <> (path IS NULL))
      );

      -- AUTOINCREMENT: seq is never reused, even after the newest rows are deleted, so "publish order"
      -- stays monotonic across retention.
      CREATE TABLE outbox (
        seq          INTEGER PRIMARY KEY AUTOINCREMENT,
        incident_id  TEXT NOT NULL REFERENCES incidents(id) ON DELETE CASCADE,
        created_at   INTEGER NOT NULL,
        attempts     INTEGER NOT NULL DEFAULT 0,
        sent_at      INTEGER
      );
      -- Partial index: the unsent tail stays cheap to find however many sent rows accumulate.
      CREATE INDEX outbox_unsent ON outbox(seq) WHERE sent_at IS NULL;
      CREATE INDEX outbox_incident ON outbox(incident_id);
    `,
  },
  {
    version: 2,
    description: 'one outbox row per incident event; one evidence row per snapshot; acknowledgements',
    // v1 kept one payload per incident and rendered it at send time, so an unsent `new` row went out
    // carrying a later `update`'s state and the earlier event was lost. Each row now holds its own event.
    sql: `
      -- Evidence keyed by snapshot, not by incident: an update with a better picture adds a row; an
      -- update without one points its outbox row at the previous one, so bytes are stored once.
      CREATE TABLE snapshots (
        id           INTEGER PRIMARY KEY AUTOINCREMENT,
        incident_id  TEXT NOT NULL REFERENCES incidents(id) ON DELETE CASCADE,
        content_type TEXT NOT NULL,
        jpeg         BLOB,
        path         TEXT,
        bytes        INTEGER NOT NULL,
        created_at   INTEGER NOT NULL,
        CHECK ((jpeg IS NULL) <> (path IS NULL))
      );
      CREATE INDEX snapshots_incident ON snapshots(incident_id, id);
      INSERT INTO snapshots (incident_id, content_type, jpeg, path, bytes, created_at)
        SELECT incident_id, content_type, jpeg, path, bytes, created_at FROM evidence ORDER BY created_at;
      DROP TABLE evidence;

      -- event: the Incident JSON as it was at this event. Rows written by v1 get the only state v1 kept
      -- (the latest), which is what v1 would have sent for them anyway.
      ALTER TABLE outbox ADD COLUMN event TEXT;
      ALTER TABLE outbox ADD COLUMN status TEXT;
      ALTER TABLE outbox ADD COLUMN snapshot_id INTEGER REFERENCES snapshots(id) ON DELETE SET NULL;
      -- A row queued again by "camwatch incidents resend": the seq of the row it copies.
      ALTER TABLE outbox ADD COLUMN resend_of INTEGER;
      -- Set when the row will never be published (its incident was acknowledged before it went out).
      ALTER TABLE outbox ADD COLUMN cancelled_at INTEGER;
      UPDATE outbox SET
        event = (SELECT payload FROM incidents i WHERE i.id = outbox.incident_id),
        status = (SELECT json_extract(payload, '$.status') FROM incidents i WHERE i.id = outbox.incident_id),
        snapshot_id = (SELECT max(s.id) FROM snapshots s WHERE s.incident_id = outbox.incident_id);
      DROP INDEX outbox_unsent;
      CREATE INDEX outbox_due ON outbox(seq) WHERE sent_at IS NULL AND cancelled_at IS NULL;

      ALTER TABLE incidents ADD COLUMN acked_at INTEGER;
    `,
  },
  {
    version: 3,
    description: 'indexes for quota pruning: outbox rows by snapshot, snapshot sizes',
    // Pruning asks "is every event using this snapshot sent?" and deleting a snapshot sets its outbox
    // rows' snapshot_id to NULL: without an index both scan the whole outbox per snapshot.
    // snapshots_bytes covers SUM(bytes) and the oldest-first walk: `bytes` sits after the JPEG in the row,
    // so reading it from the table would follow every blob's overflow pages.
    sql: `
      CREATE INDEX outbox_snapshot ON outbox(snapshot_id);
      CREATE INDEX snapshots_bytes ON snapshots(id, bytes, incident_id);
    `,
  },
  // ---- issue 12 §2 (branch c2-restart): open-incident state. The lead renumbers if another branch adds a v4.
  {
    version: 4,
    description: 'the lifecycle state of open incidents, so a restart continues or ends them',
    // Written in the same transaction as the incident's event and cleared by its `end`: after a kill -9 or a
    // power cut, every incident with open_state is one the IOC has seen open and not ended.
    sql: `
      ALTER TABLE incidents ADD COLUMN open_state TEXT;
      CREATE INDEX incidents_open ON incidents(camera) WHERE open_state IS NOT NULL;
    `,
  },
  // ---- c1-counts: count telemetry through the outbox (renumbered v5 at merge: c2-restart's open-incident state is v4) ----
  {
    version: 5,
    description: 'count bins; outbox rows of kind counts (no incident)',
    // Count bins go out through the same outbox as incidents (one seq order, one drain, one ack path), so
    // an outbox row no longer always has an incident: incident_id becomes nullable and `kind` says what
    // the row carries. SQLite cannot relax NOT NULL in place, so the table is rebuilt with the same
    // columns in the same order; sqlite_sequence is carried over so seq never goes back (AUTOINCREMENT).
    sql: `
      CREATE TABLE count_bins (
        camera       TEXT NOT NULL,
        period_s     INTEGER NOT NULL,
        start_ms     INTEGER NOT NULL,
        state        TEXT NOT NULL,      -- CountBinState JSON (sums, so a resumed bin continues exactly)
        updated_at   INTEGER NOT NULL,
        closed_at    INTEGER,            -- set when the bin was closed and queued in the outbox
        PRIMARY KEY (camera, period_s, start_ms)
      );
      CREATE INDEX count_bins_open ON count_bins(camera) WHERE closed_at IS NULL;
      CREATE INDEX count_bins_start ON count_bins(start_ms);

      CREATE TABLE outbox_v5 (
        seq          INTEGER PRIMARY KEY AUTOINCREMENT,
        incident_id  TEXT REFERENCES incidents(id) ON DELETE CASCADE,
        created_at   INTEGER NOT NULL,
        attempts     INTEGER NOT NULL DEFAULT 0,
        sent_at      INTEGER,
        event        TEXT,
        status       TEXT,
        snapshot_id  INTEGER REFERENCES snapshots(id) ON DELETE SET NULL,
        resend_of    INTEGER,
        cancelled_at INTEGER,
        kind         TEXT NOT NULL DEFAULT 'incident',
        CHECK ((kind = 'incident') = (incident_id IS NOT NULL))
      );
      INSERT INTO outbox_v5 (seq, incident_id, created_at, attempts, sent_at, event, status, snapshot_id, resend_of, cancelled_at)
        SELECT seq, incident_id, created_at, attempts, sent_at, event, status, snapshot_id, resend_of, cancelled_at FROM outbox ORDER BY seq;
      DELETE FROM sqlite_sequence WHERE name = 'outbox_v5';
      INSERT INTO sqlite_sequence (name, seq) SELECT 'outbox_v5', seq FROM sqlite_sequence WHERE name = 'outbox';
      DROP TABLE outbox;
      ALTER TABLE outbox_v5 RENAME TO outbox;
      CREATE INDEX outbox_due ON outbox(seq) WHERE sent_at IS NULL AND cancelled_at IS NULL;
      CREATE INDEX outbox_incident ON outbox(incident_id);
      CREATE INDEX outbox_snapshot ON outbox(snapshot_id);
      CREATE INDEX outbox_sent_counts ON outbox(sent_at) WHERE kind = 'counts';
    `,
  },
  // ---- end c1-counts ----
  // ---- clips (#17): evidence clips and their upload queue. The lead renumbers if another branch adds a v6. ----
  {
    version: 6,
    description: 'evidence clips (MP4 files in agent.dataDir/clips) and their upload queue',
    // One clip per incident, as a file (clips are megabytes: kept out of the database and its WAL) named by
    // this row; deleting the incident (retention) deletes the row, and the next maintenance the file.
    // upload_due_at: the upload lane's queue (NULL: nothing to upload, or done). A queue of its own rather
    // than outbox rows: an upload takes seconds to minutes and must never hold up the MQTT drain's seq order.
    sql: `
      CREATE TABLE clips (
        incident_id     TEXT PRIMARY KEY REFERENCES incidents(id) ON DELETE CASCADE,
        camera          TEXT NOT NULL,
        file            TEXT NOT NULL,     -- file name inside the clip folder
        bytes           INTEGER NOT NULL,
        sha256          TEXT NOT NULL,
        duration_ms     INTEGER NOT NULL,
        from_ms         INTEGER NOT NULL,  -- wall time of the first and last frame
        to_ms           INTEGER NOT NULL,
        created_at      INTEGER NOT NULL,
        upload_due_at   INTEGER,
        upload_attempts INTEGER NOT NULL DEFAULT 0,
        uploaded_at     INTEGER
      );
      CREATE INDEX clips_upload_due ON clips(upload_due_at) WHERE upload_due_at IS NOT NULL;
      CREATE INDEX clips_created ON clips(created_at);
    `,
  },
  // ---- end clips ----
  // ---- rv-privacy: what a snapshot row is, in a column of its own. The lead renumbers if another branch adds a v7. ----
  {
    version: 7,
    description: 'snapshots.kind: evidence (events refer to it), clean (the same picture, nothing drawn) or full (main-stream still)',
    // The clean and full-resolution stills were told apart by a MIME parameter in content_type
    // ('image/jpeg; still=clean' / '; still=full') that every reader of the table had to filter on.
    sql: `
      ALTER TABLE snapshots ADD COLUMN kind TEXT NOT NULL DEFAULT 'evidence';
      UPDATE snapshots SET kind = 'clean', content_type = 'image/jpeg' WHERE content_type = 'image/jpeg; still=clean';
      UPDATE snapshots SET kind = 'full', content_type = 'image/jpeg' WHERE content_type = 'image/jpeg; still=full';
    `,
  },
  // ---- end rv-privacy ----
];

/** The schema version this build writes. */
export const SCHEMA_VERSION = MIGRATIONS.reduce((v, m) => Math.max(v, m.version), 0);

/** Which migrations a database at `currentVersion` still needs (pure). Throws if the file is newer than this build. */
export function pendingMigrations(currentVersion: number, migrations: readonly Migration[] = MIGRATIONS): Migration[] {
  const latest = migrations.reduce((v, m) => Math.max(v, m.version), 0);
  if (currentVersion > latest) {
    throw new Error(`schema version ${currentVersion} is newer than this camwatch build supports (${latest})`);
  }
  return migrations.filter((m) => m.version > currentVersion).sort((a, b) => a.version - b.version);
}

/** Brings the schema up to date; each migration and its version bump commit together. Returns the final version. */
export function migrate(db: Database, migrations: readonly Migration[] = MIGRATIONS): number {
  const current = db.pragma('user_version', { simple: true }) as number;
  let version = current;
  for (const m of pendingMigrations(current, migrations)) {
    db.transaction(() => {
      db.exec(m.sql);
      // PRAGMA does not take bound parameters; version is an integer from this file, not input.
      db.pragma(`user_version = ${m.version}`);
    })();
    version = m.version;
  }
  return version;
}
