/**
 * Masked clips on real parts: the pre-roll ring recording real street footage (the residential street clip,
 * played at real time), two recorders on it cutting the same incident: one by stream copy (the default), one re-encoded
 * with the camera's privacy mask burned in (clips.maskPrivacy, the renderer agent/ops wires). A frame of each,
 * decoded by ffmpeg: the mask area is black in the masked clip only, the rest of the picture is untouched;
 * ffprobe: H.264 yuv420p, moov before mdat, the expected length, no audio.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ClipRecorder, createClipRing, type IncidentClip } from '../../agent/clips/index.js';
import { createLogger } from '../../agent/core/index.js';
import { clipMaskRenderer } from '../../agent/ops/agent-clips.js';
import { videoPath } from '../helpers/data.js';
import { probeMp4 } from '../helpers/mp4-probe.js';
import { regionLevels } from '../helpers/still-pixels.js';
import { waitFor } from '../helpers/wait-for.js';

/** The residential clip has a keyframe every 2 s: a clip may start up to one segment early and end one late. */
const KEYFRAME_SLACK_SECONDS = 4;
const MASK = { id: 'shop-window', points: [[0.1, 0.1], [0.5, 0.1], [0.5, 0.6], [0.1, 0.6]] as [number, number][] };
/** Inside the mask, 2 % in from its edges (H.264 blocks on the edge may ring by a few levels). */
const INSIDE = { x0: 0.12, y0: 0.12, x1: 0.48, y1: 0.58 };
const OUTSIDE = { x0: 0.6, y0: 0.1, x1: 0.95, y1: 0.9 };

/** One frame `atSeconds` into a video, as PNG, decoded by the real ffmpeg. */
function frameAt(path: string, atSeconds: number): Buffer {
  return execFileSync('ffmpeg', ['-hide_banner', '-loglevel', 'error', '-ss', String(atSeconds), '-i', path, '-frames:v', '1', '-f', 'image2pipe', '-c:v', 'png', 'pipe:1']);
}

function streams(path: string): Array<{ codec_type: string; codec_name: string; pix_fmt?: string; width: number; height: number }> {
  return (JSON.parse(execFileSync('ffprobe', ['-v', 'error', '-show_entries', 'stream=codec_type,codec_name,pix_fmt,width,height', '-of', 'json', path], { encoding: 'utf8' })) as { streams: never[] }).streams;
}

describe('masked evidence clips on real footage', () => {
  const dir = mkdtempSync(join(tmpdir(), 'camwatch-clipmask-'));
  const logger = createLogger({ level: 'silent' });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('burns the privacy mask into a re-encoded clip; the default stream copy is untouched', async () => {
    const clips = { enabled: true, preSeconds: 3, postSeconds: 2, maxSeconds: 30, maxBitrateKbps: 8000 };
    const camera = { id: 'cam-mask', source: { file: videoPath('residential_street_ahmetozlu.mp4'), loop: true, speed: 1 }, analysis: { stallSeconds: 10 }, clips };
    const mask = clipMaskRenderer({ clips: { ...clips, maskPrivacy: true }, privacy: { masks: [MASK], blurFaces: false, blurPlates: false } as never });
    expect(mask).toBeDefined();
    const cut: Record<'masked' | 'copy', IncidentClip[]> = { masked: [], copy: [] };
    const recorders: ClipRecorder[] = [];
    const ring = createClipRing(camera, { ringDir: join(dir, 'ring'), logger, passwords: {}, onSegment: () => recorders.forEach((r) => r.onSegment()) });
    const common = { ...clips, cameraId: camera.id, ring, ffmpegPath: ring.ffmpegPath, logger };
    recorders.push(new ClipRecorder({ ...common, mask: mask!, outDir: join(dir, 'masked'), onClip: (c) => cut.masked.push(c) }));
    recorders.push(new ClipRecorder({ ...common, outDir: join(dir, 'copy'), onClip: (c) => cut.copy.push(c) }));
    try {
      ring.start();
      await waitFor(() => (ring.segments().length >= 2 ? true : undefined), 20_000, 'two segments of pre-roll');
      const startMs = Date.now();
      for (const r of recorders) r.incidentEnded('inc-1', startMs, startMs); // a one-shot incident
      const [masked, copy] = await Promise.all([waitFor(() => cut.masked[0], 25_000, 'the masked clip'), waitFor(() => cut.copy[0], 25_000, 'the copied clip')]);
      const expected = 3 + 2; // pre + post

      for (const clip of [masked, copy]) {
        const facts = probeMp4(clip.path);
        expect(facts.codec).toBe('h264');
        expect(facts.moovAt).toBeGreaterThanOrEqual(0);
        expect(facts.moovAt).toBeLessThan(facts.mdatAt);
        expect(facts.durationSeconds).toBeGreaterThanOrEqual(expected - 0.5);
        expect(facts.durationSeconds).toBeLessThanOrEqual(expected + 2 * KEYFRAME_SLACK_SECONDS);
        expect(Math.abs(facts.durationSeconds - clip.durationSeconds)).toBeLessThan(1);
        expect(clip.sha256).toBe(createHash('sha256').update(readFileSync(clip.path)).digest('hex'));
        expect(streams(clip.path).map((s) => s.codec_type)).toEqual(['video']);
      }
      // Same window (both recorders cut the same ring segments); the masked one is a browser-playable re-encode.
      expect(masked.fromMs).toBe(copy.fromMs);
      expect(streams(masked.path)[0]).toMatchObject({ codec_name: 'h264', pix_fmt: 'yuv420p', width: 640, height: 352 });
      expect(readFileSync(masked.path).equals(readFileSync(copy.path))).toBe(false);

      for (const at of [0.5, Math.max(1, masked.durationSeconds - 1)]) {
        const inMasked = await regionLevels(frameAt(masked.path, at), INSIDE);
        const inCopy = await regionLevels(frameAt(copy.path, at), INSIDE);
        expect(inMasked.mean).toBeLessThan(3);
        expect(inMasked.max).toBeLessThan(20);
        expect(inCopy.mean).toBeGreaterThan(30); // the footage there is not dark: the mask did it
        const outMasked = await regionLevels(frameAt(masked.path, at), OUTSIDE);
        const outCopy = await regionLevels(frameAt(copy.path, at), OUTSIDE);
        expect(outMasked.mean).toBeGreaterThan(30);
        expect(Math.abs(outMasked.mean - outCopy.mean)).toBeLessThan(5); // re-encoded at CRF 23, not changed
      }
    } finally {
      await ring.stop();
    }
  }, 45_000);
});
