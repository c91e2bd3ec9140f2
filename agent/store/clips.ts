import { readdirSync, rmSync, statSync } from 'node:fs';
import { basename, join } from 'node:path';
import type Database from 'better-sqlite3';
import type { Logger } from '../core/index.js';

/** A clip as the store keeps it: its file, what the incident payload says of it, and its upload state. */
export interface StoredClip {
  incidentId: string;
  cameraId: string;
  /** Absolute path of the MP4. */
  path: string;
  bytes: number;
  sha256: string;
  durationSeconds: number;
  fromMs: number;
  toMs: number;
  createdAtMs: number;
  uploadAttempts: number;
  uploadedAtMs?: number;
  /** When the next upload attempt is due (epoch ms); absent: nothing to upload. */
  uploadDueAtMs?: number;
}

/** What adding a clip takes: the file (already in the clip folder) and its facts. */
export type NewClip = Pick<StoredClip, 'incidentId' | 'cameraId' | 'path' | 'bytes' | 'sha256' | 'durationSeconds' | 'fromMs' | 'toMs'>;

/** A clip file this young is never swept as an orphan: its row may still be on its way (cut, then saved). */
const ORPHAN_MIN_AGE_MS = 10 * 60_000;

/**
 * Evidence clips (schema v6): files in the clip folder named by rows of `clips`, one per incident, with the
 * upload lane's queue. Quota: over `maxBytes` the oldest clips go, uploaded (or never to be uploaded) first;
 * the incident records stay.
 */
export interface ClipStore {
  /** Keeps a clip (its file already in `dir`) and queues its upload when `upload` is set. Throws when the incident is not in the store. */
  add(clip: NewClip, options: { upload: boolean }): StoredClip;
  get(incidentId: string): StoredClip | undefined;
  /** Clips whose upload is due at `nowMs`, oldest due first. */
  dueUploads(nowMs: number, limit: number): StoredClip[];
  /** When the next queued upload is due (epoch ms); undefined when none is queued. */
  nextUploadDueMs(): number | undefined;
  markUploaded(incidentId: string): void;
  /** An attempt failed: retried at `nextDueMs`. */
  markUploadFailed(incidentId: string, nextDueMs: number): void;
  uploadsPending(): number;
  /** Makes every queued upload due at `nowMs` (a restart retries at once: it often follows a fixed network). Returns how many. */
  retryUploadsNow(nowMs: number): number;
  bytes(): number;
  /** Quota and leftovers: deletes the oldest clips over `maxBytes`, and files no row names. Returns what it deleted. */
  maintain(maxBytes: number, nowMs: number): { prunedClips: number; prunedBytes: number; prunedUnuploaded: number; orphans: number };
  /** The folder the clip files live in. */
  readonly dir: string;
}

interface ClipRow {
  incident_id: string;
  camera: string;
  file: string;
  bytes: number;
  sha256: string;
  duration_ms: number;
  from_ms: number;
  to_ms: number;
  created_at: number;
  upload_due_at: number | null;
  upload_attempts: number;
  uploaded_at: number | null;
}

/** The clip statements over an open, migrated database; `dir` is the clip folder (agent.dataDir/clips/store). */
export function clipStore(db: Database.Database, dir: string, now: () => number, log: Logger): ClipStore {
  const insert = db.prepare<[string, string, string, number, string, number, number, number, number, number | null]>(
    `INSERT INTO clips (incident_id, camera, file, bytes, sha256, duration_ms, from_ms, to_ms, created_at, upload_due_at)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
     ON CONFLICT (incident_id) DO UPDATE SET file = excluded.file, bytes = excluded.bytes, sha256 = excluded.sha256,
       duration_ms = excluded.duration_ms, from_ms = excluded.from_ms, to_ms = excluded.to_ms, upload_due_at = excluded.upload_due_at,
       uploaded_at = NULL`,
  );
  const selectOne = db.prepare<[string], ClipRow>('SELECT * FROM clips WHERE incident_id = ?');
  const selectDue = db.prepare<[number, number], ClipRow>('SELECT * FROM clips WHERE upload_due_at IS NOT NULL AND upload_due_at <= ? ORDER BY upload_due_at LIMIT ?');
  const selectNextDue = db.prepare<[], { due: number | null }>('SELECT min(upload_due_at) AS due FROM clips WHERE upload_due_at IS NOT NULL');
  const countPending = db.prepare<[], { n: number }>('SELECT count(*) AS n FROM clips WHERE upload_due_at IS NOT NULL');
  const uploaded = db.prepare<[number, string]>('UPDATE clips SET uploaded_at = ?, upload_due_at = NULL, upload_attempts = upload_attempts + 1 WHERE incident_id = ?');
  const failed = db.prepare<[number, string]>('UPDATE clips SET upload_due_at = ?, upload_attempts = upload_attempts + 1 WHERE incident_id = ? AND upload_due_at IS NOT NULL');
  const dueNow = db.prepare<[number, number]>('UPDATE clips SET upload_due_at = ? WHERE upload_due_at IS NOT NULL AND upload_due_at > ?');
  const sumBytes = db.prepare<[], { n: number | null }>('SELECT sum(bytes) AS n FROM clips');
  // Oldest first, those with no upload waiting before those still queued.
  const candidates = db.prepare<[], { incident_id: string; file: string; bytes: number; queued: number }>(
    'SELECT incident_id, file, bytes, upload_due_at IS NOT NULL AS queued FROM clips ORDER BY queued, created_at',
  );
  const remove = db.prepare<[string]>('DELETE FROM clips WHERE incident_id = ?');
  const allFiles = db.prepare<[], { file: string }>('SELECT file FROM clips');

  const toClip = (r: ClipRow): StoredClip => ({
    incidentId: r.incident_id,
    cameraId: r.camera,
    path: join(dir, r.file),
    bytes: r.bytes,
    sha256: r.sha256,
    durationSeconds: r.duration_ms / 1000,
    fromMs: r.from_ms,
    toMs: r.to_ms,
    createdAtMs: r.created_at,
    uploadAttempts: r.upload_attempts,
    ...(r.uploaded_at !== null && { uploadedAtMs: r.uploaded_at }),
    ...(r.upload_due_at !== null && { uploadDueAtMs: r.upload_due_at }),
  });

  return {
    dir,
    add(clip, options) {
      const at = now();
      const file = basename(clip.path);
      if (join(dir, file) !== clip.path) throw new Error(`clip ${clip.path} is not in the clip folder ${dir}`);
      insert.run(clip.incidentId, clip.cameraId, file, clip.bytes, clip.sha256, Math.round(clip.durationSeconds * 1000), clip.fromMs, clip.toMs, at, options.upload ? at : null);
      return toClip(selectOne.get(clip.incidentId)!);
    },
    get(incidentId) {
      const row = selectOne.get(incidentId);
      return row === undefined ? undefined : toClip(row);
    },
    dueUploads(nowMs, limit) {
      return selectDue.all(nowMs, limit).map(toClip);
    },
    nextUploadDueMs() {
      return selectNextDue.get()?.due ?? undefined;
    },
    markUploaded(incidentId) {
      uploaded.run(now(), incidentId);
    },
    markUploadFailed(incidentId, nextDueMs) {
      failed.run(nextDueMs, incidentId);
    },
    uploadsPending() {
      return countPending.get()?.n ?? 0;
    },
    retryUploadsNow(nowMs) {
      return dueNow.run(nowMs, nowMs).changes;
    },
    bytes() {
      return sumBytes.get()?.n ?? 0;
    },
    maintain(maxBytes, nowMs) {
      let excess = (sumBytes.get()?.n ?? 0) - maxBytes;
      const report = { prunedClips: 0, prunedBytes: 0, prunedUnuploaded: 0, orphans: 0 };
      if (excess > 0) {
        for (const c of candidates.all()) {
          if (excess <= 0) break;
          remove.run(c.incident_id);
          rmSync(join(dir, c.file), { force: true });
          excess -= c.bytes;
          report.prunedClips++;
          report.prunedBytes += c.bytes;
          if (c.queued) report.prunedUnuploaded++;
        }
      }
      // Files no row names: their incident expired (the row went with it) or the agent died between cut and save.
      const named = new Set(allFiles.all().map((r) => r.file));
      let names: string[] = [];
      try {
        names = readdirSync(dir);
      } catch {
        // no clip folder yet
      }
      for (const name of names) {
        if (named.has(name)) continue;
        const path = join(dir, name);
        try {
          if (nowMs - statSync(path).mtimeMs < ORPHAN_MIN_AGE_MS) continue;
          rmSync(path, { force: true });
          report.orphans++;
        } catch {
          // gone already
        }
      }
      if (report.prunedClips + report.orphans > 0) log.info({ ...report, maxBytes }, 'clip store maintenance');
      return report;
    },
  };
}
