import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { cameraSchema } from '../../agent/config/schema.js';
import { createFrameSource, type SourceStateChange } from '../../agent/frames/index.js';
import type { CameraSource } from '../../agent/frames/camera-source.js';
import { createLogger } from '../../agent/core/logger.js';
import { videoPath } from '../helpers/data.js';

// Real ffmpeg on real clips. vn_saigon_intersection.mp4 is 1018x720 → 320x226 at width 320.
const SAIGON = videoPath('vn_saigon_intersection.mp4');
const STREET = videoPath('residential_street_ahmetozlu.mp4');
const tmp = mkdtempSync(join(tmpdir(), 'camwatch-frames-file-'));
const sources: CameraSource[] = [];
const quiet = createLogger({ level: 'silent' });

afterEach(async () => {
  await Promise.all(sources.splice(0).map((s) => s.stop()));
});
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

function fileCamera(file: string, analysis: Record<string, unknown> = {}, loop = true) {
  return cameraSchema.parse({ id: 'file-cam', source: { file, loop }, analysis: { fps: 5, width: 320, ...analysis } });
}

function track<T extends CameraSource>(source: T): T {
  sources.push(source);
  return source;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('file source', () => {
  it('delivers RGB24 frames of the analysis size at about the configured fps', async () => {
    const source = track(createFrameSource(fileCamera(SAIGON), { logger: quiet }));
    source.start();
    const first = await source.next();
    expect(first).not.toBeNull();
    expect([first!.width, first!.height, first!.data.length]).toEqual([320, 226, 320 * 226 * 3]);
    // A real picture, not a blank buffer: pixel values spread widely.
    const values = new Set(first!.data.subarray(0, 30_000));
    expect(values.size).toBeGreaterThan(100);

    const windowMs = 3_000;
    const start = Date.now();
    let frames = 0;
    let lastSeq = first!.seq;
    while (Date.now() - start < windowMs) {
      const frame = await source.next(AbortSignal.timeout(windowMs - (Date.now() - start) + 1));
      if (!frame) break;
      expect(frame.seq).toBeGreaterThan(lastSeq);
      lastSeq = frame.seq;
      frames++;
    }
    const fps = frames / (windowMs / 1000);
    // 5 fps requested; -re paces the file, so it never runs far above. A starved 2-core box (other
    // suites running) can fall a little behind, hence the wider lower bound.
    expect(fps).toBeGreaterThan(3);
    expect(fps).toBeLessThan(6.5);
    expect(source.stats()).toMatchObject({ state: 'online', reconnects: 0, sourceWidth: 1018, sourceHeight: 720 });
  });

  it('drops stale frames for a slow consumer, counts them, and hands out the newest', async () => {
    const source = track(createFrameSource(fileCamera(STREET, { fps: 10, width: 160 }), { logger: quiet }));
    source.start();
    const first = await source.next();
    await sleep(1_200); // analysis "busy" for ~12 frame intervals
    const next = await source.next();
    const ageMs = Date.now() - next!.capturedAtMs;
    const stats = source.stats();

    expect(next!.seq - first!.seq).toBeGreaterThanOrEqual(6);
    expect(stats.framesDropped).toBeGreaterThanOrEqual(next!.seq - first!.seq - 1);
    // The newest: younger than two frame intervals (100 ms each).
    expect(ageMs).toBeLessThan(200);
    // Nothing queued: every decoded frame was delivered, dropped, or is the one waiting in the slot.
    expect(stats.framesDecoded - stats.framesDelivered - stats.framesDropped).toBeLessThanOrEqual(1);
  });

  it('falls back to software decoding when the hardware device is missing', async () => {
    const lines: string[] = [];
    const logger = createLogger({ level: 'warn', destination: { write: (s: string) => void lines.push(s) } });
    const states: SourceStateChange[] = [];
    const source = track(createFrameSource(fileCamera(STREET, { hwaccel: 'vaapi' }), { logger, onState: (c) => states.push(c) }));
    source.start();
    const frame = await source.next(AbortSignal.timeout(15_000));
    expect(frame?.width).toBe(320);
    // This box has no /dev/dri: the fallback must have happened, without counting as a camera failure.
    expect(lines.join('')).toContain('hardware decoding failed to start; using software decoding');
    expect(states.map((s) => s.state)).toEqual(['connecting', 'online']);
    expect(source.stats().reconnects).toBe(0);
  });

  it('decodes H.265, and a non-looping file ends in the stopped state', async () => {
    const hevc = join(tmp, 'street-hevc.mp4');
    execFileSync('ffmpeg', ['-hide_banner', '-nostdin', '-loglevel', 'error', '-y', '-i', STREET, '-t', '2', '-an',
      '-c:v', 'libx265', '-preset', 'ultrafast', '-x265-params', 'log-level=error', hevc]);
    const states: SourceStateChange[] = [];
    const source = track(createFrameSource(fileCamera(hevc, {}, false), { logger: quiet, onState: (c) => states.push(c) }));
    source.start();
    const frame = await source.next(AbortSignal.timeout(10_000));
    expect([frame?.width, frame?.height]).toEqual([320, 176]);
    let last = frame;
    while (last) last = await source.next(AbortSignal.timeout(10_000));
    expect(source.stats()).toMatchObject({ state: 'stopped', lastError: { message: 'end of file' }, reconnects: 0 });
    // 2 s at 5 fps.
    expect(source.stats().framesDecoded).toBeGreaterThanOrEqual(8);
    expect(source.stats().framesDecoded).toBeLessThanOrEqual(11);
    expect(states.at(-1)).toMatchObject({ state: 'stopped', lastError: { message: 'end of file' } });
  });
});
