/**
 * The ring's stall watchdog on real ffmpeg: keyframes further apart than the stall time (segments close only on
 * keyframes) are not a stall while the open segment grows; a source that stops sending is one, and the ring
 * restarts. Footage: the residential clip (a keyframe every 2 s, a segment closing every ~2-4 s) against a
 * 1.5 s stall time, so the open-segment check is what keeps the ring alive; for the stall, the GStreamer RTSP
 * server on the same clip, frozen with SIGSTOP (its sockets stay open: ffmpeg neither exits nor writes).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ClipRing } from '../../agent/clips/index.js';
import { createLogger } from '../../agent/core/index.js';
import { DEFAULT_BACKOFF, resolveFfmpegPath } from '../../agent/frames/index.js';
import { videoPath } from '../helpers/data.js';
import { startRtspServer } from '../helpers/rtsp-server.js';

const dir = mkdtempSync(join(tmpdir(), 'camwatch-ring-stall-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('clip ring watchdog', () => {
  it('keeps a ring whose segments close less often than the stall time while data flows', async () => {
    const ring = new ClipRing({
      cameraId: 'cam',
      source: { file: videoPath('residential_street_ahmetozlu.mp4'), loop: true, speed: 1 },
      filePath: videoPath('residential_street_ahmetozlu.mp4'),
      dir: join(dir, 'ring'),
      ffmpegPath: resolveFfmpegPath(),
      keepSeconds: 30,
      maxBytes: 50_000_000,
      segmentSeconds: 2,
      stallMs: 1_500,
      backoff: DEFAULT_BACKOFF,
      logger: createLogger({ level: 'silent' }),
      secrets: [],
    });
    try {
      ring.start();
      await expect.poll(() => ring.segments().length, { timeout: 20_000, interval: 200 }).toBeGreaterThanOrEqual(3);
      expect(ring.stats()).toMatchObject({ state: 'recording', restarts: 0 });
      expect(ring.stats().lastError).toBeUndefined();
    } finally {
      await ring.stop();
    }
    expect(ring.stats().state).toBe('stopped');
  }, 30_000);

  it('restarts a ring whose camera stops sending with its connection open, and records again when it is back', async () => {
    const rtsp = await startRtspServer({ mounts: { '/main': videoPath('residential_street_ahmetozlu.mp4') } });
    const ring = new ClipRing({
      cameraId: 'cam',
      source: { url: rtsp.url('/main'), transport: 'tcp' },
      dir: join(dir, 'ring-rtsp'),
      ffmpegPath: resolveFfmpegPath(),
      keepSeconds: 30,
      maxBytes: 50_000_000,
      segmentSeconds: 2,
      // Below ffmpeg's 10 s RTSP socket timeout: the watchdog, not ffmpeg's own exit, must notice the silence.
      stallMs: 3_000,
      backoff: { ...DEFAULT_BACKOFF, initialDelayMs: 200, maxDelayMs: 1_000 },
      logger: createLogger({ level: 'silent' }),
      secrets: [],
      killGraceMs: 500,
    });
    try {
      ring.start();
      await expect.poll(() => ring.stats().state, { timeout: 20_000, interval: 200 }).toBe('recording');
      rtsp.pause();
      await expect.poll(() => ring.stats().state, { timeout: 15_000, interval: 100 }).toBe('down');
      await expect.poll(() => ring.stats().restarts, { timeout: 15_000, interval: 200 }).toBeGreaterThan(0);
      expect(ring.stats().state).toBe('down');
      expect(ring.stats().lastError).toBe('no segment for 3 s');
      rtsp.resume();
      const before = ring.segments().at(-1)!.endMs;
      await expect.poll(() => ring.stats().state === 'recording' && ring.segments().at(-1)!.endMs > before, { timeout: 25_000, interval: 200 }).toBe(true);
    } finally {
      rtsp.resume();
      await ring.stop();
      await rtsp.stop();
    }
  }, 60_000);
});
