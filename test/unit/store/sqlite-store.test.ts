import { readFileSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createLogger } from '../../../agent/core/logger.js';
import { isCamwatchError } from '../../../agent/core/errors.js';
import { mapWriteError, openStore } from '../../../agent/store/sqlite-store.js';
import { MIGRATIONS, SCHEMA_VERSION, migrate } from '../../../agent/store/migrations.js';
import type { IncidentStore } from '../../../agent/store/types.js';
import { fakeJpeg, makeEvent, makeRecord } from '../../fixtures/outbox-data.js';

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

  it('a save of an existing id (incident update) replaces the latest state and queues another publish', () => {
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

  it('each outbox row keeps its own event: new, update and end of one id read back as they were saved', () => {
    const created = makeRecord('r', 1);
    const rows = [
      store.save(created),
      store.save(makeEvent(created, 'update', 2)),
      store.save(makeEvent(created, 'end', 3)),
    ];
    expect(rows.map((r) => r.status)).toEqual(['new', 'update', 'end']);
    expect(store.pending(10).map((e) => [e.incidentId, e.status])).toEqual([
      ['r-000001', 'new'],
      ['r-000001', 'update'],
      ['r-000001', 'end'],
    ]);
    const events = rows.map((r) => store.event(r.seq)!.incident);
    expect(events.map((e) => e.status)).toEqual(['new', 'update', 'end']);
    expect(events.map((e) => e.sequence)).toEqual([1, 2, 3]);
    expect(events[0]).toEqual(created.incident);
    expect(events[0]!.updatedAt).toBeUndefined();
    expect(events[2]!.endedAt).toBeDefined();
    // The incident itself holds the latest state.
    expect(store.get('r-000001')?.incident).toEqual(events[2]);
    expect(store.event(999_999)).toBeUndefined();
  });

  it('stores each snapshot once: an update without one refers to the previous, a better one is its own', () => {
    const created = makeRecord('r', 1);
    const better = fakeJpeg(99, 4_096);
    const a = store.save(created);
    const b = store.save(makeEvent(created, 'update', 2));
    const c = store.save(makeEvent(created, 'update', 3, { jpeg: better }));
    const d = store.save(makeEvent(created, 'end', 4));
    const jpegOf = (seq: number) => store.event(seq)?.snapshotJpeg;
    expect(jpegOf(a.seq)?.equals(created.snapshotJpeg!)).toBe(true);
    expect(jpegOf(b.seq)?.equals(created.snapshotJpeg!)).toBe(true);
    expect(jpegOf(c.seq)?.equals(better)).toBe(true);
    expect(jpegOf(d.seq)?.equals(better)).toBe(true);
    expect(store.get('r-000001')?.snapshotJpeg?.equals(better)).toBe(true);
    const db = new Database(path, { readonly: true });
    try {
      expect(db.prepare('SELECT count(*) AS n FROM snapshots').get()).toEqual({ n: 2 });
    } finally {
      db.close();
    }
  });

  it('acknowledge cancels the unsent events of that incident except its end, and those saved later', () => {
    const created = makeRecord('r', 1);
    const other = makeRecord('r', 2);
    const n = store.save(created);
    store.markSent(n.seq);
    store.save(makeEvent(created, 'update', 2));
    store.save(other);
    expect(store.acknowledge('r-000001')).toBe(1);
    expect(store.acknowledge('nope')).toBeUndefined();
    store.save(makeEvent(created, 'update', 3)); // cancelled as it is saved
    const end = store.save(makeEvent(created, 'end', 4)); // the IOC still needs the end to close it
    expect(store.pending(10).map((e) => [e.incidentId, e.status])).toEqual([
      ['r-000002', 'new'],
      ['r-000001', 'end'],
    ]);
    expect(store.pendingCount()).toBe(2);
    expect(store.event(end.seq)?.incident.status).toBe('end');
  });

  it('resend queues copies of sent events with new seqs, once, and never a copy of an unsent row', () => {
    const created = makeRecord('r', 1);
    const rows = [store.save(created), store.save(makeEvent(created, 'update', 2)), store.save(makeRecord('r', 2))];
    store.markSent(rows[0]!.seq);
    store.markSent(rows[1]!.seq);
    // r-000002 is unsent: it goes out anyway, so it is not copied.
    const copies = store.resend({ incidentIds: ['r-000001', 'r-000002'] });
    expect(copies.map((c) => [c.incidentId, c.status, c.resendOf])).toEqual([
      ['r-000001', 'new', rows[0]!.seq],
      ['r-000001', 'update', rows[1]!.seq],
    ]);
    expect(copies.every((c) => c.seq > rows[2]!.seq)).toBe(true);
    expect(store.event(copies[0]!.seq)?.incident).toEqual(created.incident);
    // Asking again while the copies wait adds nothing.
    expect(store.resend({ sinceMs: 0 })).toEqual([]);
    for (const c of copies) store.markSent(c.seq);
    expect(store.resend({ sinceMs: rows[1]!.createdAtMs }).map((c) => c.resendOf)).toEqual([rows[1]!.seq]);
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
    expect(count(`SELECT count(*) AS n FROM snapshots WHERE incident_id = 'r-000002'`)).toBe(0);
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

describe('schema v1 → v2', () => {
  it('a v1 file with unsent rows opens: each row carries the state v1 kept, with its evidence', () => {
    const dir = mkdtempSync(join(tmpdir(), 'camwatch-store-'));
    const path = join(dir, 'v1.db');
    const record = makeRecord('old', 1);
    const db = new Database(path);
    migrate(db, MIGRATIONS.filter((m) => m.version === 1));
    const inc = record.incident;
    db.prepare('INSERT INTO incidents (id, camera, type, category, payload, created_at) VALUES (?, ?, ?, ?, ?, 1)').run(inc.id, inc.cameraId, inc.type, inc.category, JSON.stringify(inc));
    db.prepare(`INSERT INTO evidence (incident_id, content_type, jpeg, bytes, created_at) VALUES (?, 'image/jpeg', ?, ?, 1)`).run(inc.id, record.snapshotJpeg, record.snapshotJpeg!.length);
    db.prepare('INSERT INTO outbox (incident_id, created_at, sent_at) VALUES (?, 1, 2)').run(inc.id);
    db.prepare('INSERT INTO outbox (incident_id, created_at) VALUES (?, 3)').run(inc.id);
    db.close();
    const store = openStore({ path, logger });
    try {
      const [row] = store.pending(10);
      expect(store.pending(10)).toHaveLength(1);
      expect(row).toMatchObject({ seq: 2, incidentId: inc.id, status: 'new', createdAtMs: 3 });
      const event = store.event(row!.seq)!;
      expect(event.incident).toEqual(inc);
      expect(event.snapshotJpeg?.equals(record.snapshotJpeg!)).toBe(true);
      // New seqs continue after the migrated ones.
      expect(store.save(makeRecord('old', 2)).seq).toBe(3);
    } finally {
      store.close();
      rmSync(dir, { recursive: true, force: true });
    }
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

  it('a file that is not a database is STORE_CORRUPT, with the recover command, not a hint about permissions', () => {
    const dir = mkdtempSync(join(tmpdir(), 'camwatch-store-'));
    const path = join(dir, 'garbage.db');
    writeFileSync(path, 'this is not sqlite'.repeat(100));
    try {
      expect(() => openStore({ path, logger, recoverCommand: 'camwatch store recover --config /etc/camwatch/camwatch.yaml' })).toThrow(
        expect.objectContaining({ code: 'STORE_CORRUPT', hint: expect.stringContaining('run `camwatch store recover --config /etc/camwatch/camwatch.yaml`') }),
      );
      expect(readFileSync(path, 'utf8')).toBe('this is not sqlite'.repeat(100)); // untouched
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
