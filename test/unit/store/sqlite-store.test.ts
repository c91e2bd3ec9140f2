import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createLogger } from '../../../agent/ops/logger.js';
import { isCamwatchError } from '../../../agent/ops/errors.js';
import { mapWriteError, openStore } from '../../../agent/store/sqlite-store.js';
import { SCHEMA_VERSION } from '../../../agent/store/migrations.js';
import type { IncidentStore } from '../../../agent/store/types.js';
import { makeRecord } from '../../fixtures/outbox-data.js';

const logger = createLogger({ level: 'silent' });

describe('sqlite store', () => {
  let dir: string;
  let path: string;
  let store: IncidentStore;
  let clock: number;

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'camwatch-store-'));
    path = join(dir, 'camwatch.db');
    clock = 1_000;
    store = openStore({ path, logger, now: () => clock++ });
  });

  afterEach(() => {
    store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('opens in WAL mode at the current schema version', () => {
    const db = new Database(path, { readonly: true });
    try {
      expect(db.pragma('journal_mode', { simple: true })).toBe('wal');
      expect(db.pragma('user_version', { simple: true })).toBe(SCHEMA_VERSION);
      expect(SCHEMA_VERSION).toBeGreaterThanOrEqual(1);
    } finally {
      db.close();
    }
  });

  it('save → pending in seq order → markSent removes exactly that row', () => {
    const entries = [1, 2, 3].map((i) => store.save(makeRecord('r', i)));
    expect(entries.map((e) => e.seq)).toEqual([...entries.map((e) => e.seq)].sort((a, b) => a - b));
    expect(new Set(entries.map((e) => e.seq)).size).toBe(3);
    expect(store.pending(10).map((e) => e.incidentId)).toEqual(['r-000001', 'r-000002', 'r-000003']);
    expect(store.pendingCount()).toBe(3);

    store.markSent(entries[1]!.seq);
    expect(store.pending(10).map((e) => e.incidentId)).toEqual(['r-000001', 'r-000003']);
    expect(store.pendingCount()).toBe(2);
    // afterSeq skips what the caller already has in flight; limit bounds the batch.
    expect(store.pending(10, entries[0]!.seq).map((e) => e.incidentId)).toEqual(['r-000003']);
    expect(store.pending(1).map((e) => e.incidentId)).toEqual(['r-000001']);
  });

  it('counts attempts and keeps a row pending until markSent', () => {
    const { seq } = store.save(makeRecord('r', 1));
    store.markAttempt(seq);
    store.markAttempt(seq);
    expect(store.pending(1)[0]).toMatchObject({ seq, attempts: 2 });
    store.markSent(seq);
    store.markSent(seq); // a second PUBACK path (duplicate) must not move sent_at or fail
    expect(store.pending(10)).toEqual([]);
  });

  it('get returns the incident and its snapshot bytes', () => {
    const record = makeRecord('r', 5);
    store.save(record);
    const back = store.get('r-000005');
    expect(back?.incident).toEqual(record.incident);
    expect(back?.snapshotJpeg?.equals(record.snapshotJpeg!)).toBe(true);
    expect(store.get('nope')).toBeUndefined();
  });

  it('a save of an existing id (incident update) replaces the incident and queues another publish', () => {
    const first = store.save(makeRecord('r', 1));
    const update = makeRecord('r', 1);
    update.incident.status = 'end';
    delete update.snapshotJpeg;
    const second = store.save(update);
    expect(second.seq).toBeGreaterThan(first.seq);
    expect(store.get('r-000001')?.incident.status).toBe('end');
    expect(store.get('r-000001')?.snapshotJpeg).toBeDefined(); // earlier evidence kept
    expect(store.pendingCount()).toBe(2);
  });

  it('a save that fails at its last step leaves neither incident, evidence nor outbox row', () => {
    store.save(makeRecord('r', 1));
    // Make the outbox insert (the last statement of save) fail, from a second connection.
    const db = new Database(path);
    db.exec(`CREATE TRIGGER outbox_boom BEFORE INSERT ON outbox WHEN NEW.incident_id = 'r-000002'
             BEGIN SELECT RAISE(ABORT, 'boom'); END`);
    expect(() => store.save(makeRecord('r', 2))).toThrow(/boom/);
    const count = (sql: string) => (db.prepare(sql).get() as { n: number }).n;
    expect(count(`SELECT count(*) AS n FROM incidents WHERE id = 'r-000002'`)).toBe(0);
    expect(count(`SELECT count(*) AS n FROM evidence WHERE incident_id = 'r-000002'`)).toBe(0);
    expect(count('SELECT count(*) AS n FROM outbox')).toBe(1);
    db.close();
    expect(store.get('r-000002')).toBeUndefined();
    // The store stays usable after a failed save.
    store.save(makeRecord('r', 3));
    expect(store.pending(10).map((e) => e.incidentId)).toEqual(['r-000001', 'r-000003']);
  });

  it('keeps everything across close and reopen (crash-free restart)', () => {
    const { seq } = store.save(makeRecord('r', 1));
    store.save(makeRecord('r', 2));
    store.markSent(seq);
    store.close();
    store = openStore({ path, logger });
    expect(store.pending(10).map((e) => e.incidentId)).toEqual(['r-000002']);
    expect(store.get('r-000001')?.incident.id).toBe('r-000001');
  });

  it('never reuses a seq, so publish order survives deletes', () => {
    const a = store.save(makeRecord('r', 1));
    const db = new Database(path);
    db.prepare('DELETE FROM outbox WHERE seq = ?').run(a.seq);
    db.close();
    expect(store.save(makeRecord('r', 2)).seq).toBeGreaterThan(a.seq);
  });
});

describe('openStore errors', () => {
  it('an unopenable path is STORE_OPEN naming the path', () => {
    const path = join(tmpdir(), 'camwatch-no-such-dir', 'deeper', 'camwatch.db');
    let caught: unknown;
    try {
      openStore({ path, logger });
    } catch (err) {
      caught = err;
    }
    expect(isCamwatchError(caught, 'STORE_OPEN')).toBe(true);
    expect((caught as Error).message).toContain(path);
  });

  it('a file that is not a database is STORE_OPEN', () => {
    const dir = mkdtempSync(join(tmpdir(), 'camwatch-store-'));
    const path = join(dir, 'garbage.db');
    writeFileSync(path, 'this is not sqlite'.repeat(100));
    try {
      expect(() => openStore({ path, logger })).toThrow(expect.objectContaining({ code: 'STORE_OPEN' }));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('a database from a newer camwatch is refused, not downgraded', () => {
    const dir = mkdtempSync(join(tmpdir(), 'camwatch-store-'));
    const path = join(dir, 'newer.db');
    const db = new Database(path);
    db.pragma(`user_version = ${SCHEMA_VERSION + 1}`);
    db.close();
    try {
      expect(() => openStore({ path, logger })).toThrow(/newer than this camwatch build/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('write errors', () => {
  it('a full disk (SQLITE_FULL) becomes STORE_FULL naming the file; other errors pass through', () => {
    const full = Object.assign(new Error('database or disk is full'), { code: 'SQLITE_FULL' });
    const mapped = mapWriteError('/data/camwatch.db', full);
    expect(isCamwatchError(mapped, 'STORE_FULL')).toBe(true);
    expect((mapped as Error).message).toContain('/data/camwatch.db');
    const other = Object.assign(new Error('constraint'), { code: 'SQLITE_CONSTRAINT' });
    expect(mapWriteError('/data/camwatch.db', other)).toBe(other);
  });
});
