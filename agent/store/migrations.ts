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
