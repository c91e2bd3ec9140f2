/**
 * The pre-roll ring and the clip cut on real parts: the GStreamer RTSP server on real street footage (digest
 * auth), real ffmpeg copying the stream into segments, a clip cut around an "incident" by stream copy, checked
 * with ffprobe (H.264, duration, moov before mdat). Also: the password never reaches ffmpeg's arguments, and a
 * camera outage is survived (the ring restarts and records again).
 */
import { readFileSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ClipRecorder, createClipRing, cutClip, DEFAULT_RING_SEGMENT_SECONDS, type ClipRing, type IncidentClip } from '../../agent/clips/index.js';
import { createLogger } from '../../agent/core/index.js';
import { videoPath } from '../helpers/data.js';
import { probeMp4 } from '../helpers/mp4-probe.js';
import { startRtspServer, type TestRtspServer } from '../helpers/rtsp-server.js';
import { waitFor } from '../helpers/wait-for.js';

const PASSWORD = 'ring-S3cret:@';
/** The test video has a keyframe every 2 s (ffprobe): a clip may start up to one segment (≤ 4 s) early. */
const KEYFRAME_SLACK_SECONDS = 4;

describe('clip ring on a real RTSP camera', () => {
  let dir: string;
  let rtsp: TestRtspServer;
  let ring: ClipRing | undefined;
  const logger = createLogger({ level: 'silent' });

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'camwatch-ring-'));
    rtsp = await startRtspServer({
      mounts: { '/main': videoPath('residential_street_ahmetozlu.mp4'), '/high': videoPath('vn_saigon_intersection.mp4') },
      user: 'admin',
      password: PASSWORD,
    });
  });
  afterAll(async () => {
    await ring?.stop();
    await rtsp?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('records segments, cuts a playable clip around an incident, and survives an outage', async () => {
    const clips: IncidentClip[] = [];
    let recorder: ClipRecorder | undefined;
    const camera = {
      id: 'cam-1',
      source: { url: rtsp.url('/main'), transport: 'tcp' as const, username: 'admin' },
      analysis: { stallSeconds: 10 },
      clips: { enabled: true, preSeconds: 3, postSeconds: 2, maxSeconds: 30, maxBitrateKbps: 4000 },
    };
    ring = createClipRing(camera, { ringDir: join(dir, 'ring'), logger, passwords: { camera: PASSWORD }, onSegment: () => recorder?.onSegment() });
    recorder = new ClipRecorder({ ...camera.clips, cameraId: 'cam-1', ring, ffmpegPath: 'ffmpeg', outDir: join(dir, 'clips'), logger, onClip: (c) => clips.push(c) });
    ring.start();
    const r = ring;
    await waitFor(() => (r.stats().pid !== undefined ? true : undefined), 10_000, 'ffmpeg started');
    const cmdline = readFileSync(`/proc/${r.stats().pid}/cmdline`, 'utf8');
    expect(cmdline).not.toContain('S3cret');
    expect(cmdline).not.toContain(encodeURIComponent(PASSWORD));

    // Pre-roll: the ring holds more than preSeconds before the incident starts.
    await waitFor(() => (r.segments().length >= 3 ? true : undefined), 20_000, 'three segments');
    const startMs = Date.now();
    recorder.incidentStarted('inc-1', startMs);
    const endMs = startMs + 3_000;
    await new Promise((res) => setTimeout(res, 3_000)); // the incident lasts 3 s: the experiment itself
    recorder.incidentEnded('inc-1', startMs, endMs);
    const clip = await waitFor(() => clips[0], 20_000, 'the clip');

    const expected = 3 + 3 + 2; // pre + incident + post
    const facts = probeMp4(clip.path);
    expect(facts.codec).toBe('h264');
    expect(facts.moovAt).toBeGreaterThanOrEqual(0);
    expect(facts.moovAt).toBeLessThan(facts.mdatAt);
    expect(facts.durationSeconds).toBeGreaterThanOrEqual(expected - 0.5);
    expect(facts.durationSeconds).toBeLessThanOrEqual(expected + 2 * KEYFRAME_SLACK_SECONDS);
    expect(Math.abs(facts.durationSeconds - clip.durationSeconds)).toBeLessThan(1);
    expect(clip.fromMs).toBeLessThanOrEqual(startMs - 3_000 + 500);
    expect(clip.toMs).toBeGreaterThanOrEqual(endMs + 2_000 - 500);
    expect(clip.sha256).toMatch(/^[0-9a-f]{64}$/);

    // Only the pre-roll (+ margin) stays on disk.
    const ringFiles = readdirSync(join(dir, 'ring', 'cam-1'));
    expect(ringFiles.length).toBeLessThanOrEqual(Math.ceil((3 + 6) / DEFAULT_RING_SEGMENT_SECONDS) + 2);

    // Outage: the camera vanishes; the ring goes down, restarts with backoff, and records again.
    await rtsp.kill();
    await waitFor(() => (r.stats().state === 'down' ? true : undefined), 20_000, 'ring down');
    await rtsp.restart();
    const before = r.segments().at(-1)!.endMs;
    await waitFor(() => (r.stats().state === 'recording' && r.segments().at(-1)!.endMs > before ? true : undefined), 30_000, 'ring recording again');
    expect(r.stats().restarts).toBeGreaterThan(0);
    expect(JSON.stringify(r.stats())).not.toContain('S3cret');
    await ring.stop();
    expect(r.stats().pid).toBeUndefined();
  }, 60_000);

  it('records an H.264 High stream with B-frames, whose first RTP packets carry no timestamps', async () => {
    // Without the ring's timestamp fix ffmpeg exited at the first packet ("first pts and dts value must be set").
    const high = createClipRing(
      {
        id: 'cam-high',
        source: { url: rtsp.url('/high'), transport: 'tcp' as const, username: 'admin' },
        analysis: { stallSeconds: 10 },
        clips: { enabled: true, preSeconds: 3, postSeconds: 2, maxSeconds: 30, maxBitrateKbps: 4000 },
      },
      { ringDir: join(dir, 'ring'), logger, passwords: { camera: PASSWORD } },
    );
    try {
      high.start();
      // Without the fix no segment ever closed (ffmpeg exited at once, again and again); a restart a loaded box's
      // slow first RTSP connect may cost is not what this is about.
      await waitFor(() => (high.segments().length >= 2 ? true : undefined), 35_000, 'two segments of the High-profile stream');
      expect(high.stats().state).toBe('recording');
      const clip = await cutClip({ ffmpegPath: high.ffmpegPath, segmentPaths: high.segments().map((s) => high.pathOf(s)), durationMs: 0, outPath: join(dir, 'high.mp4') });
      const facts = probeMp4(clip.path);
      expect(facts.codec).toBe('h264');
      expect(facts.durationSeconds).toBeGreaterThan(2);
    } finally {
      await high.stop();
    }
  }, 50_000);

  it('on a file played at real time, cuts an incident still open at maxSeconds there', async () => {
    const clips: IncidentClip[] = [];
    const camera = {
      id: 'cam-file',
      source: { file: videoPath('residential_street_ahmetozlu.mp4'), loop: true, speed: 1 },
      analysis: { stallSeconds: 10 },
      clips: { enabled: true, preSeconds: 2, postSeconds: 2, maxSeconds: 6, maxBitrateKbps: 4000 },
    };
    let recorder: ClipRecorder | undefined;
    const ring = createClipRing(camera, { ringDir: join(dir, 'ring'), logger, passwords: {}, onSegment: () => recorder?.onSegment() });
    recorder = new ClipRecorder({ ...camera.clips, cameraId: 'cam-file', ring, ffmpegPath: ring.ffmpegPath, outDir: join(dir, 'clips'), logger, onClip: (c) => clips.push(c) });
    try {
      ring.start();
      await waitFor(() => (ring.segments().length >= 2 ? true : undefined), 20_000, 'two segments');
      const startMs = Date.now();
      recorder.incidentStarted('open-1', startMs); // never ended
      const clip = await waitFor(() => clips[0], 20_000, 'the capped clip');
      expect(clip.capped).toBe(true);
      const facts = probeMp4(clip.path);
      expect(facts.durationSeconds).toBeGreaterThanOrEqual(6 - 0.5);
      expect(facts.durationSeconds).toBeLessThanOrEqual(6 + 2 * KEYFRAME_SLACK_SECONDS);
      expect(clip.fromMs).toBeLessThanOrEqual(startMs - 2_000 + 500);
      // Its end, later, asks for nothing more.
      recorder.incidentEnded('open-1', startMs, Date.now());
      expect(recorder.waiting).toBe(0);
    } finally {
      await ring.stop();
    }
  }, 45_000);
});
