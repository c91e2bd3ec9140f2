import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { addCrossings, binPayload, emptyBin } from '../../../agent/counts/bins.js';
import { createLogger } from '../../../agent/core/logger.js';
import { MIGRATIONS, migrate } from '../../../agent/store/migrations.js';
import { recoverStore } from '../../../agent/store/recover.js';
import { openStore } from '../../../agent/store/sqlite-store.js';
import type { IncidentStore } from '../../../agent/store/types.js';
import { makeRecord } from '../../fixtures/outbox-data.js';

const logger = createLogger({ level: 'silent' });
const T0 = Date.UTC(2026, 11, 7, 8, 0, 0);

function bin(startMs: number, cars: number, periodSeconds = 60) {
  const state = emptyBin('cam-a', periodSeconds, startMs);
  addCrossings(state, [{ ruleId: 'r', lineId: 'l', className: 'car', direction: 'in', count: cars }]);
  return { state, payload: binPayload(state, 'edge') };
}

describe('count bins in the store (schema v5)', () => {
  let dir: string;
  let path: string;
  let store: IncidentStore | undefined;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'camwatch-bins-'));
    path = join(dir, 'camwatch.db');
  });
  afterEach(() => {
    store?.close();
    store = undefined;
    rmSync(dir, { recursive: true, force: true });
  });

  it('v3 → v4 keeps every outbox row and its seq; seq never goes back even when the newest rows were deleted', () => {
    const db = new Database(path);
    db.pragma('foreign_keys = ON');
    migrate(db, MIGRATIONS.filter((m) => m.version <= 3));
    db.prepare(`INSERT INTO incidents (id, camera, type, category, payload, created_at) VALUES ('i1', 'cam-a', 't', 'c', '{}', 1)`).run();
    for (let i = 0; i < 5; i++) db.prepare(`INSERT INTO outbox (incident_id, created_at, event, status, sent_at) VALUES ('i1', ?, '{}', 'new', ?)`).run(i, i < 2 ? 10 : null);
    db.prepare('DELETE FROM outbox WHERE seq >= 4').run(); // retention took the newest: AUTOINCREMENT still remembers 5
    db.close();

    store = openStore({ path, logger });
    expect(store.pending(10).map((e) => [e.seq, e.incidentId, e.kind])).toEqual([[3, 'i1', undefined]]);
    const [entry] = store.counts!.close([bin(T0, 2)]);
    expect(entry!.seq).toBe(6);
    expect(entry).toMatchObject({ kind: 'counts', incidentId: `cam-a:60:${T0}` });
  });

  it('closed bins go into the same outbox, in seq order with incidents, and are marked sent by the same acks', () => {
    store = openStore({ path, logger });
    const a = store.save(makeRecord('run', 1));
    const [b1, b2] = store.counts!.close([bin(T0, 3), bin(T0 + 60_000, 4)]);
    const c = store.save(makeRecord('run', 2));
    expect(store.pending(10).map((e) => [e.seq, e.kind ?? 'incident'])).toEqual([[a.seq, 'incident'], [b1!.seq, 'counts'], [b2!.seq, 'counts'], [c.seq, 'incident']]);
    expect(store.counts!.event(b1!.seq)).toMatchObject({ id: `cam-a:60:${T0}`, lines: [{ classes: { car: { in: 3, out: 0 } } }] });
    expect(store.event(b1!.seq)).toBeUndefined(); // not an incident event
    expect(store.pendingIn('history', store.lastSeq(), 0, 10).map((e) => e.seq)).toEqual([a.seq, b1!.seq, b2!.seq, c.seq]);
    store.markSentMany([a.seq, b1!.seq]);
    expect(store.pending(10).map((e) => e.seq)).toEqual([b2!.seq, c.seq]);
    // resend --since copies count rows as count rows
    const copies = store.resend({ sinceMs: 0 });
    expect(copies.map((e) => [e.resendOf, e.kind ?? 'incident'])).toEqual([[a.seq, 'incident'], [b1!.seq, 'counts']]);
    expect(store.counts!.event(copies[1]!.seq)).toEqual(store.counts!.event(b1!.seq));
  });

  it('store recover keeps queued count bins and open bins with incidents, in seq order', () => {
    store = openStore({ path, logger });
    const a = store.save(makeRecord('run', 1));
    const [b1] = store.counts!.close([bin(T0, 3)]);
    const c = store.save(makeRecord('run', 2));
    store.close();
    store = undefined;
    const outcome = recoverStore({ path, force: true, nowMs: T0 });
    expect(outcome).toBeDefined();
    store = openStore({ path, logger });
    expect(store.pending(10).map((e) => [e.seq, e.kind ?? 'incident'])).toEqual([[a.seq, 'incident'], [b1!.seq, 'counts'], [c.seq, 'incident']]);
    expect(store.counts!.event(b1!.seq)).toMatchObject({ id: `cam-a:60:${T0}` });
  });

  it('open bins persist and are read back; closing a bin twice queues it once', () => {
    store = openStore({ path, logger });
    const open = bin(T0, 1).state;
    store.counts!.saveOpen([open]);
    addCrossings(open, [{ ruleId: 'r', lineId: 'l', className: 'car', direction: 'out', count: 2 }]);
    store.counts!.saveOpen([open]);
    store.close();
    store = openStore({ path, logger });
    expect(store.counts!.openBins('cam-a')).toEqual([open]);
    expect(store.counts!.openBins('cam-b')).toEqual([]);
    expect(store.counts!.close([{ state: open, payload: binPayload(open, 'edge') }])).toHaveLength(1);
    expect(store.counts!.close([{ state: open, payload: binPayload(open, 'edge') }])).toHaveLength(0);
    expect(store.counts!.openBins('cam-a')).toEqual([]);
    // saveOpen never reopens a closed bin
    store.counts!.saveOpen([open]);
    expect(store.counts!.openBins('cam-a')).toEqual([]);
  });

  it('retention deletes sent count rows and closed bins past retentionDays, never unsent ones', () => {
    let now = T0;
    store = openStore({ path, logger, now: () => now, quotas: { retentionDays: 1 } });
    const [old, unsent] = store.counts!.close([bin(T0, 1), bin(T0 + 60_000, 1)]);
    store.markSent(old!.seq);
    now = T0 + 2 * 86_400_000;
    store.maintain(now);
    expect(store.counts!.event(old!.seq)).toBeUndefined();
    expect(store.pending(10).map((e) => e.seq)).toEqual([unsent!.seq]);
  });
});
