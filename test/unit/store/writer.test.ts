import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createLogger } from '../../../agent/core/logger.js';
import { CamwatchError } from '../../../agent/core/errors.js';
import { openStore } from '../../../agent/store/sqlite-store.js';
import type { IncidentStore, OutboxEntry } from '../../../agent/store/types.js';
import { createStoreWriter } from '../../../agent/store/writer.js';
import type { IncidentRecord } from '../../../agent/incidents/types.js';
import { makeEvent, makeRecord } from '../../fixtures/outbox-data.js';

const logger = createLogger({ level: 'silent' });

describe('saveMany, lanes and the store writer', () => {
  let dir: string;
  let path: string;
  let store: IncidentStore;

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'camwatch-writer-'));
    path = join(dir, 'camwatch.db');
    store = openStore({ path, logger });
  });
  afterEach(() => {
    store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('saveMany writes every event in order, in one transaction, each with its own payload', () => {
    const first = makeRecord('many', 1);
    const records = [first, makeEvent(first, 'update', 2), makeEvent(first, 'end', 3), makeRecord('many', 2)];
    const { entries, full } = store.saveMany(records);
    expect(full).toBeUndefined();
    expect(entries.map((e) => e.status)).toEqual(['new', 'update', 'end', 'new']);
    expect(entries.map((e) => e.seq)).toEqual([...entries.map((e) => e.seq)].sort((a, b) => a - b));
    expect(entries.map((e) => store.event(e.seq)?.incident.sequence)).toEqual([1, 2, 3, 1]);
    // The update without a picture refers to the new's snapshot: stored once.
    expect(store.event(entries[1]!.seq)?.snapshotJpeg?.equals(first.snapshotJpeg!)).toBe(true);
    const db = new Database(path, { readonly: true });
    expect((db.prepare('SELECT count(*) AS n FROM snapshots').get() as { n: number }).n).toBe(2);
    db.close();
    expect(store.saveMany([])).toEqual({ entries: [] });
  });

  it('lanes: rows above the boundary are live (resend copies are not), the rest is history', () => {
    const old = [0, 1, 2].map((i) => store.save(makeRecord('old', i)));
    for (const e of old.slice(0, 2)) store.markSent(e.seq);
    const boundary = store.lastSeq();
    expect(boundary).toBe(old[2]!.seq);
    const live = [0, 1].map((i) => store.save(makeRecord('live', i)));
    const copies = store.resend({ incidentIds: ['old-000000'] });
    expect(copies).toHaveLength(1);
    const seqs = (rows: OutboxEntry[]) => rows.map((r) => r.seq);
    expect(seqs(store.pendingIn('live', boundary, 0, 10))).toEqual(seqs(live));
    expect(seqs(store.pendingIn('history', boundary, 0, 10))).toEqual([old[2]!.seq, copies[0]!.seq]);
    // Cursors and limits.
    expect(seqs(store.pendingIn('live', boundary, live[0]!.seq, 10))).toEqual([live[1]!.seq]);
    expect(seqs(store.pendingIn('history', boundary, 0, 1))).toEqual([old[2]!.seq]);
    expect(seqs(store.pendingIn('history', boundary, old[2]!.seq, 10))).toEqual([copies[0]!.seq]);
  });

  it('the writer commits a burst written in one turn as one batch, then calls onSaved with the entries', async () => {
    const saved: OutboxEntry[][] = [];
    const writer = createStoreWriter({ store, logger, onSaved: (entries) => saved.push(entries) });
    for (let i = 0; i < 50; i++) writer.write(makeRecord('burst', i));
    expect(store.pendingCount()).toBe(0); // not committed yet: within the batch window
    expect(writer.stats().queued).toBe(50);
    await new Promise((r) => setTimeout(r, 20));
    expect(saved).toHaveLength(1);
    expect(saved[0]!.map((e) => e.incidentId)).toEqual(Array.from({ length: 50 }, (_, i) => `burst-${String(i).padStart(6, '0')}`));
    expect(writer.stats()).toMatchObject({ queued: 0, committed: 50, batches: 1, full: 0, failed: 0 });
    expect(store.pendingCount()).toBe(50);
    writer.stop();
  });

  it('the writer caps a batch at batchMax and flushes synchronously on stop()', () => {
    const batches: number[] = [];
    const writer = createStoreWriter({ store, logger, batchMax: 20, onSaved: (entries) => batches.push(entries.length) });
    for (let i = 0; i < 45; i++) writer.write(makeRecord('cap', i));
    expect(batches).toEqual([20, 20]); // flushed as each batch filled
    writer.stop();
    expect(batches).toEqual([20, 20, 5]);
    // After stop, a write commits at once (shutdown: no later turn to wait for).
    writer.write(makeRecord('cap', 99));
    expect(batches).toEqual([20, 20, 5, 1]);
    expect(store.pendingCount()).toBe(46);
  });

  it('the writer never throws: a full store is counted, another failure is logged and counted', () => {
    const lines: Array<Record<string, unknown>> = [];
    const capture = createLogger({ level: 'debug', destination: { write: (s: string) => void lines.push(JSON.parse(s) as Record<string, unknown>) } });
    let mode: 'full' | 'broken' = 'full';
    const fake = {
      saveMany(records: readonly IncidentRecord[]) {
        if (mode === 'broken') throw new Error('SQLITE_CORRUPT: database disk image is malformed');
        return { entries: [], full: new CamwatchError('STORE_FULL', `store is full: ${records.length} held`) };
      },
    } as unknown as IncidentStore;
    const writer = createStoreWriter({ store: fake, logger: capture });
    writer.write(makeRecord('f', 1));
    writer.write(makeRecord('f', 2));
    expect(() => writer.flush()).not.toThrow();
    mode = 'broken';
    writer.write(makeRecord('f', 3));
    expect(() => writer.flush()).not.toThrow();
    expect(writer.stats()).toMatchObject({ committed: 0, full: 2, failed: 1 });
    expect(lines.some((l) => l.code === 'STORE_FULL' && l.level === 'warn')).toBe(true);
    expect(lines.some((l) => l.msg === 'incident events could not be saved' && l.level === 'error')).toBe(true);
    writer.stop();
  });
});
