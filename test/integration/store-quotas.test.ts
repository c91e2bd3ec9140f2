import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, statfsSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, expect, it } from 'vitest';
import { createLogger } from '../../agent/core/logger.js';
import { isCamwatchError } from '../../agent/core/errors.js';
import { openStore } from '../../agent/store/sqlite-store.js';
import type { IncidentStore } from '../../agent/store/types.js';
import { fakeJpeg, makeEvent, makeRecord } from '../fixtures/outbox-data.js';

const dir = mkdtempSync(join(tmpdir(), 'camwatch-quota-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const DAY = 86_400_000;

function capture() {
  const lines: Array<Record<string, unknown>> = [];
  const logger = createLogger({ level: 'debug', destination: { write: (s: string) => void lines.push(JSON.parse(s) as Record<string, unknown>) } });
  return { logger, lines };
}

/** What the uplink does on PUBACK: every pending row up to `count` marked sent. */
function sendAll(store: IncidentStore, count = 1_000_000): void {
  for (const row of store.pending(count)) store.markSent(row.seq);
}

function snapshotIncidents(path: string): { incidents: string[]; withSnapshot: string[] } {
  const db = new Database(path, { readonly: true });
  const incidents = (db.prepare('SELECT id FROM incidents ORDER BY id').all() as Array<{ id: string }>).map((r) => r.id);
  const withSnapshot = (db.prepare('SELECT DISTINCT incident_id AS id FROM snapshots ORDER BY incident_id').all() as Array<{ id: string }>).map((r) => r.id);
  db.close();
  return { incidents, withSnapshot };
}

it('snapshot quota: the oldest evidence of sent events is pruned first, incidents and unsent evidence kept', () => {
  const path = join(dir, 'quota.db');
  const { logger, lines } = capture();
  const store = openStore({ path, logger, quotas: { maxSnapshotBytes: 50_000 } });
  try {
    for (let i = 0; i < 8; i++) store.save(makeRecord('q', i, { jpegBytes: 5_000 }));
    sendAll(store); // 8 sent, 40 kB
    for (let i = 8; i < 14; i++) store.save(makeRecord('q', i, { jpegBytes: 5_000 })); // 6 unsent, 70 kB in all
    const { incidents, withSnapshot } = snapshotIncidents(path);
    expect(incidents).toHaveLength(14);
    // 20 kB over: the 4 oldest sent snapshots went; the 6 unsent ones are all there.
    expect(withSnapshot).toEqual(['q-000004', 'q-000005', 'q-000006', 'q-000007', 'q-000008', 'q-000009', 'q-000010', 'q-000011', 'q-000012', 'q-000013']);
    expect(lines.some((l) => l.msg === 'snapshot quota exceeded: pruned the oldest snapshots of sent events')).toBe(true);
    // A pruned incident is still readable, without its picture; unsent events still carry theirs.
    expect(store.get('q-000000')?.snapshotJpeg).toBeUndefined();
    expect(store.get('q-000000')?.incident.id).toBe('q-000000');
    expect(store.event(store.pending(1)[0]!.seq)?.snapshotJpeg?.length).toBe(5_000);
    const report = store.maintain(Date.now());
    expect(report).toMatchObject({ expiredIncidents: 0, prunedSnapshots: 0, held: 0, snapshotBytes: 50_000 });
  } finally {
    store.close();
  }
});

it('retention: sent incidents whose last event is older than retentionDays are deleted with their evidence; recent ones stay', () => {
  let clock = 1_800_000_000_000;
  const path = join(dir, 'retention.db');
  const store = openStore({ path, logger: createLogger({ level: 'silent' }), now: () => clock, quotas: { retentionDays: 7 } });
  try {
    const old = [0, 1, 2].map((i) => makeRecord('old', i));
    for (const r of old) store.save(r);
    sendAll(store);
    clock += 5 * DAY;
    store.save(makeEvent(old[2]!, 'update', 2)); // old-2 had a later event: not expired while that is recent
    sendAll(store);
    store.save(makeRecord('recent', 0));
    sendAll(store);
    clock += 3 * DAY; // old-0/1 are 8 days old, old-2's last event 3 days
    const report = store.maintain(clock);
    expect(report.expiredIncidents).toBe(2);
    expect(snapshotIncidents(path)).toEqual({ incidents: ['old-000002', 'recent-000000'], withSnapshot: ['old-000002', 'recent-000000'] });
  } finally {
    store.close();
  }
});

it('retention never deletes an unsent incident', () => {
  let clock = 1_800_000_000_000;
  const path = join(dir, 'retention-unsent.db');
  const store = openStore({ path, logger: createLogger({ level: 'silent' }), now: () => clock, quotas: { retentionDays: 1 } });
  try {
    store.save(makeRecord('unsent', 0));
    clock += 30 * DAY;
    expect(store.maintain(clock).expiredIncidents).toBe(0);
    expect(store.pendingCount()).toBe(1);
  } finally {
    store.close();
  }
});

it('a real 4 MB tmpfs filling up: evidence pruned to keep room, STORE_FULL when nothing is left, incidents held and saved later, no crash', () => {
  const mnt = mkdtempSync(join(tmpdir(), 'camwatch-tmpfs-'));
  execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=4m', 'tmpfs', mnt]);
  const { logger, lines } = capture();
  let store: IncidentStore | undefined;
  try {
    const path = join(mnt, 'camwatch.db');
    // Quotas far above the disk: only the disk itself limits.
    store = openStore({ path, logger, heldMax: 20 });
    const saved: string[] = [];
    let i = 0;
    const next = () => {
      const r = makeRecord('fs', i++, { jpegBytes: 60_000 });
      saved.push(r.incident.id); // held or stored: never lost
      return r;
    };
    // Phase 1: the uplink keeps up. 150 × 60 kB is twice the disk: sent evidence makes room, nothing fails.
    for (let k = 0; k < 150; k++) {
      store.save(next());
      sendAll(store);
    }
    expect(lines.some((l) => l.msg === 'disk nearly full: pruned the oldest snapshots of sent events')).toBe(true);
    expect(lines.filter((l) => l.level === 'error' || l.level === 'warn')).toEqual([]);

    // Phase 2: the IOC is unreachable (nothing sent) and something else fills the disk (logs, a core dump).
    const hog = join(mnt, 'hog');
    const free = statfsSync(mnt).bavail * statfsSync(mnt).bsize;
    writeFileSync(hog, Buffer.alloc(Math.max(0, free - 8_192)));
    const errors: unknown[] = [];
    for (let k = 0; k < 5_000 && errors.length < 5; k++) {
      try {
        store.save(next());
      } catch (err) {
        errors.push(err);
      }
    }
    // Unsent evidence went too before any incident was refused (incident rows are kept longest).
    expect(lines.some((l) => l.level === 'warn' && /of events not sent yet \(they go out without a picture\)/.test(String(l.msg)))).toBe(true);
    expect(errors).toHaveLength(5);
    expect(errors.every((e) => isCamwatchError(e, 'STORE_FULL'))).toBe(true);
    expect((errors[0] as Error).message).toMatch(/is full: fs-\d+ is held in memory \(1 waiting\)/);
    expect(store.held()).toBe(5);
    expect(lines.filter((l) => l.code === 'STORE_FULL' && l.level === 'error')).toHaveLength(1); // once per episode

    // The operator frees space and the IOC is back: maintenance saves the held incidents, in order.
    rmSync(hog);
    sendAll(store);
    const report = store.maintain(Date.now());
    expect(report).toMatchObject({ held: 0, savedHeld: 5 });
    sendAll(store);

    // Every incident the cameras produced is in the store, in order; the old evidence is gone.
    const db = new Database(path, { readonly: true });
    const ids = (db.prepare('SELECT incident_id AS id FROM outbox ORDER BY seq').all() as Array<{ id: string }>).map((r) => r.id);
    const pictures = (db.prepare('SELECT count(*) AS n FROM snapshots').get() as { n: number }).n;
    db.close();
    expect(ids).toEqual(saved);
    expect(pictures).toBeLessThan(saved.length / 4);
    expect(lines.some((l) => l.msg === 'incident store writable again; held incidents saved')).toBe(true);
  } finally {
    store?.close();
    execFileSync('umount', [mnt]);
    rmSync(mnt, { recursive: true, force: true });
  }
});
