import { mkdirSync, mkdtempSync, rmSync, utimesSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createLogger } from '../../../agent/core/logger.js';
import { openStore } from '../../../agent/store/sqlite-store.js';
import type { ClipStore, IncidentStore } from '../../../agent/store/index.js';
import { makeRecord } from '../../fixtures/outbox-data.js';

const logger = createLogger({ level: 'silent' });

describe('clip store', () => {
  let dir: string;
  let store: IncidentStore;
  let clips: ClipStore;
  let clock: number;

  const ids = new Map<string, string>();
  const idOf = (name: string) => ids.get(name)!;
  const addClip = (name: string, bytes: number, upload: boolean) => {
    const record = makeRecord('clips', ids.size + 1);
    ids.set(name, record.incident.id);
    store.save(record);
    const id = record.incident.id;
    const path = join(clips.dir, `${id}.mp4`);
    writeFileSync(path, Buffer.alloc(bytes, 1));
    return clips.add({ incidentId: id, cameraId: 'cam-1', path, bytes, sha256: 'ab'.repeat(32), durationSeconds: 12.5, fromMs: 1, toMs: 12_501 }, { upload });
  };

  beforeEach(() => {
    ids.clear();
    dir = mkdtempSync(join(tmpdir(), 'camwatch-clips-'));
    clock = 1_000;
    store = openStore({ path: join(dir, 'camwatch.db'), logger, now: () => clock });
    clips = store.clips!;
    mkdirSync(clips.dir, { recursive: true });
  });
  afterEach(() => {
    store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('keeps a clip with its incident and queues its upload', () => {
    const added = addClip('inc-1', 100, true);
    expect(added).toMatchObject({ incidentId: idOf('inc-1'), bytes: 100, durationSeconds: 12.5, uploadDueAtMs: 1_000, uploadAttempts: 0 });
    expect(clips.get(idOf('inc-1'))?.path).toBe(join(clips.dir, `${idOf('inc-1')}.mp4`));
    expect(clips.dueUploads(1_000, 10).map((c) => c.incidentId)).toEqual([idOf('inc-1')]);
    expect(clips.uploadsPending()).toBe(1);
  });

  it('refuses a clip of an incident the store does not have', () => {
    const path = join(clips.dir, 'ghost.mp4');
    writeFileSync(path, 'x');
    expect(() => clips.add({ incidentId: 'ghost', cameraId: 'c', path, bytes: 1, sha256: 'x', durationSeconds: 1, fromMs: 0, toMs: 1 }, { upload: false })).toThrow(/FOREIGN KEY/);
  });

  it('retries a failed upload when due and forgets it once uploaded', () => {
    addClip('inc-1', 100, true);
    clips.markUploadFailed(idOf('inc-1'), 5_000);
    expect(clips.dueUploads(4_999, 10)).toEqual([]);
    expect(clips.nextUploadDueMs()).toBe(5_000);
    expect(clips.dueUploads(5_000, 10)).toHaveLength(1);
    clips.markUploaded(idOf('inc-1'));
    expect(clips.uploadsPending()).toBe(0);
    expect(clips.nextUploadDueMs()).toBeUndefined();
    expect(clips.get(idOf('inc-1'))).toMatchObject({ uploadAttempts: 2, uploadedAtMs: 1_000 });
  });

  it('prunes the oldest clips over the quota, uploaded ones first, and keeps the incidents', () => {
    addClip('inc-1', 100, true); // oldest, upload still queued
    clock++;
    addClip('inc-2', 100, false);
    clock++;
    addClip('inc-3', 100, false);
    const report = clips.maintain(150, clock);
    expect(report).toMatchObject({ prunedClips: 2, prunedBytes: 200, prunedUnuploaded: 0 });
    expect(clips.get(idOf('inc-1'))).toBeDefined();
    expect(clips.get(idOf('inc-2'))).toBeUndefined();
    expect(existsSync(join(clips.dir, `${idOf('inc-2')}.mp4`))).toBe(false);
    expect(store.get(idOf('inc-2'))).toBeDefined();
  });

  it('deletes files no row names once they are old enough', () => {
    const orphan = join(clips.dir, 'left-behind.mp4');
    writeFileSync(orphan, 'x');
    expect(clips.maintain(1e9, Date.now()).orphans).toBe(0); // fresh: may be a clip whose row is on its way
    utimesSync(orphan, new Date(Date.now() - 3_600_000), new Date(Date.now() - 3_600_000));
    expect(clips.maintain(1e9, Date.now()).orphans).toBe(1);
    expect(existsSync(orphan)).toBe(false);
  });

  it('loses a clip with its incident to retention: the row at once (ON DELETE CASCADE), the file at the next sweep', () => {
    const record = makeRecord('clips', 99);
    const id = record.incident.id;
    store.markSent(store.save(record).seq);
    const path = join(clips.dir, `${id}.mp4`);
    writeFileSync(path, Buffer.alloc(100, 1));
    clips.add({ incidentId: id, cameraId: 'cam-1', path, bytes: 100, sha256: 'ab'.repeat(32), durationSeconds: 4, fromMs: 1, toMs: 4_001 }, { upload: false });
    store.maintain(Date.now() + 400 * 86_400_000);
    expect(store.get(id)).toBeUndefined();
    expect(clips.get(id)).toBeUndefined();
    expect(clips.bytes()).toBe(0);
    utimesSync(path, new Date(Date.now() - 3_600_000), new Date(Date.now() - 3_600_000));
    expect(clips.maintain(1e9, Date.now()).orphans).toBe(1);
    expect(existsSync(path)).toBe(false);
  });
});
