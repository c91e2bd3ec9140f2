/**
 * The store keeps three kinds of picture per incident (snapshots.kind): the evidence events refer to, its clean
 * copy and the full-resolution still. Only the evidence is ever what an event without a picture of its own
 * refers to; `incidents show` reads each kind, recovery keeps it; a store written before the kind column migrates its rows.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createLogger } from '../../../agent/core/logger.js';
import { MIGRATIONS, migrate } from '../../../agent/store/migrations.js';
import { openStoreReader } from '../../../agent/store/reader.js';
import { recoverStore } from '../../../agent/store/recover.js';
import { openStore } from '../../../agent/store/sqlite-store.js';
import { fakeJpeg, makeEvent, makeRecord } from '../../fixtures/outbox-data.js';

const logger = createLogger({ level: 'silent' });

describe('snapshot kinds', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'camwatch-kinds-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('an update without a picture refers to the evidence, not to the clean or full still saved after it', () => {
    const path = join(dir, 'camwatch.db');
    const store = openStore({ path, logger });
    const created = { ...makeRecord('k', 1), cleanJpeg: fakeJpeg(2), fullJpeg: fakeJpeg(3, 8_192) };
    store.save(created);
    const update = store.save(makeEvent(created, 'update', 2));
    expect(store.event(update.seq)?.snapshotJpeg?.equals(created.snapshotJpeg!)).toBe(true);
    store.close();
    // `camwatch store recover` copies the kind with the row.
    expect(recoverStore({ path, force: true }).recovered).toBe(true);
    const reader = openStoreReader(path);
    try {
      const shown = reader.show(created.incident.id)!;
      expect(shown.snapshotJpeg?.equals(created.snapshotJpeg!)).toBe(true);
      expect(shown.cleanJpeg?.equals(created.cleanJpeg)).toBe(true);
      expect(shown.fullJpeg?.equals(created.fullJpeg)).toBe(true);
    } finally {
      reader.close();
    }
  });

  it('rows told apart by a content_type parameter (schema 6) get their kind; the reader reads such a file before it migrates', () => {
    const path = join(dir, 'v6.db');
    const record = makeRecord('old', 1);
    const inc = record.incident;
    const db = new Database(path);
    migrate(db, MIGRATIONS.filter((m) => m.version <= 6));
    db.prepare('INSERT INTO incidents (id, camera, type, category, payload, created_at) VALUES (?, ?, ?, ?, ?, 1)').run(inc.id, inc.cameraId, inc.type, inc.category, JSON.stringify(inc));
    const snap = db.prepare('INSERT INTO snapshots (incident_id, content_type, jpeg, bytes, created_at) VALUES (?, ?, ?, 1, 1)');
    snap.run(inc.id, 'image/jpeg', record.snapshotJpeg);
    snap.run(inc.id, 'image/jpeg; still=clean', fakeJpeg(2));
    snap.run(inc.id, 'image/jpeg; still=full', fakeJpeg(3));
    db.close();

    const before = openStoreReader(path);
    try {
      const shown = before.show(inc.id)!;
      expect(shown.snapshotJpeg?.equals(record.snapshotJpeg!)).toBe(true);
      expect(shown.cleanJpeg).toBeUndefined();
    } finally {
      before.close();
    }

    openStore({ path, logger }).close();
    const after = new Database(path, { readonly: true });
    try {
      expect(after.prepare('SELECT kind, content_type FROM snapshots ORDER BY id').all()).toEqual([
        { kind: 'evidence', content_type: 'image/jpeg' },
        { kind: 'clean', content_type: 'image/jpeg' },
        { kind: 'full', content_type: 'image/jpeg' },
      ]);
    } finally {
      after.close();
    }
    const reader = openStoreReader(path);
    try {
      expect(reader.show(inc.id)!.fullJpeg?.equals(fakeJpeg(3))).toBe(true);
    } finally {
      reader.close();
    }
  });
});
