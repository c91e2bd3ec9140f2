/**
 * Evidence clips' cost per camera: the pre-roll ring (agent/clips: one ffmpeg copying the camera's stream into
 * 2 s MPEG-TS segments, no decoding) as % of one core, measured from the ffmpeg process's own CPU ticks over
 * `seconds` of a live RTSP stream (scripts/rtsp-server.py serving the 720p Saigon clip, 20 fps; the clip
 * played at real time when GStreamer is missing); and cutting one clip (preSeconds + postSeconds of segments
 * joined by stream copy into a faststart MP4): wall time and ffmpeg's CPU (-benchmark, same arguments); and the
 * same clip cut with privacy masks burned in (clips.maskPrivacy: a re-encode with libx264 veryfast), to set
 * against the copy: wall time and ffmpeg's CPU.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { buildCutArgs, createClipRing, cutClip, probeVideoSize, segmentsCovering, type ClipRing } from '../../agent/clips/index.js';
import { createLogger } from '../../agent/core/index.js';
import { maskOverlayPng } from '../../agent/privacy/index.js';
import { startRtspServer, type TestRtspServer } from '../../test/helpers/rtsp-server.js';
import { dataFile, progress, sleep } from './common.js';

const VIDEO = 'vn_saigon_intersection.mp4';
const CLOCK_TICKS_PER_S = 100;
/** The clip cut: the default preSeconds + postSeconds around a short incident. */
const CLIP_SECONDS = 20;
/** A typical set of masks for the masked cut: a shop front and a window (~17 % of the frame). */
const BENCH_MASKS = [
  { points: [[0, 0.3], [0.25, 0.3], [0.25, 0.8], [0, 0.8]] as [number, number][] },
  { points: [[0.7, 0.05], [0.9, 0.05], [0.95, 0.25], [0.75, 0.25]] as [number, number][] },
];

export interface ClipsBench {
  source: 'rtsp' | 'file';
  video: string;
  seconds: number;
  /** The ring's ffmpeg, % of one core per camera (target: well under 2). */
  ringCorePercentPerCamera: number;
  /** The stream's bitrate as the ring stored it (kbit/s) and the ring's segments on disk at the end. */
  ringKbps: number;
  ringSegments: number;
  /** One clip of ~CLIP_SECONDS s: wall time of cutClip and ffmpeg's CPU for the same cut. */
  cutClipSeconds: number;
  cutWallMs: number;
  cutCpuMs: number;
  cutBytes: number;
  /** The same clip re-encoded with masks burned in (cameras[].clips.maskPrivacy): wall time of cutClip, ffmpeg's CPU, bytes, and the stream size. */
  maskedCutWallMs: number;
  maskedCutCpuMs: number;
  maskedCutBytes: number;
  clipWidth: number;
  clipHeight: number;
}

function ticksOf(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return Number(f[11]) + Number(f[12]);
}

async function until(check: () => boolean, timeoutMs: number, what: string): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > end) throw new Error(`clips bench: timed out waiting for ${what}`);
    await sleep(100);
  }
}

/** ffmpeg's own CPU (user + system of all its threads, ms) for the cut cutClip runs (same arguments), from -benchmark. */
function cutCpuMs(segmentList: string, out: string, maskPng?: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const ff = spawn('ffmpeg', ['-hide_banner', '-nostdin', '-benchmark', ...buildCutArgs(segmentList, out, maskPng)], { stdio: ['ignore', 'ignore', 'pipe'] });
    let err = '';
    ff.stderr.on('data', (b: Buffer) => (err += b.toString()));
    ff.on('error', reject);
    ff.on('close', () => {
      const m = /bench: utime=([\d.]+)s stime=([\d.]+)s/.exec(err);
      if (!m) return reject(new Error(`ffmpeg -benchmark cut failed: ${err.slice(-300)}`));
      resolve(Math.round((Number(m[1]) + Number(m[2])) * 1000));
    });
  });
}

export async function runClips(options: { seconds: number }): Promise<ClipsBench> {
  const dir = mkdtempSync(join(tmpdir(), 'camwatch-bench-clips-'));
  const video = dataFile('video', VIDEO);
  let server: TestRtspServer | undefined;
  try {
    server = await startRtspServer({ mounts: { '/main': video } });
  } catch (err) {
    progress(`clips: no RTSP server (${(err instanceof Error ? err.message : String(err)).split('\n')[0]}); the clip played at real time`);
  }
  const camera = {
    id: 'bench',
    source: server ? { url: server.url('/main'), transport: 'tcp' as const } : { file: video, loop: true, speed: 1 },
    analysis: { stallSeconds: 10 },
    // Long enough a pre-roll that the ring holds the clip cut below.
    clips: { enabled: true, preSeconds: CLIP_SECONDS + 4, postSeconds: 0, maxSeconds: 120, maxBitrateKbps: 8000 },
  };
  let ring: ClipRing | undefined;
  try {
    ring = createClipRing(camera, { ringDir: join(dir, 'ring'), logger: createLogger({ level: 'silent' }), passwords: {} });
    const r = ring;
    ring.start();
    progress(`clips: ring on ${server ? 'RTSP' : 'file'} ${VIDEO}, ${options.seconds} s…`);
    await until(() => r.stats().state === 'recording', 30_000, 'the first segment');
    const pid = r.stats().pid!;
    const t0 = performance.now();
    const ticks0 = ticksOf(pid);
    const firstEnd = r.segments().at(-1)!.endMs;
    await sleep(options.seconds * 1000);
    const ticks1 = ticksOf(pid);
    const wallS = (performance.now() - t0) / 1000;
    const ringCorePercentPerCamera = Math.round(((ticks1 - ticks0) / CLOCK_TICKS_PER_S / wallS) * 1000) / 10;
    const newer = r.segments().filter((s) => s.endMs > firstEnd);
    const spanS = newer.reduce((sum, s) => sum + (s.endMs - s.startMs), 0) / 1000;
    const ringKbps = spanS > 0 ? Math.round((newer.reduce((sum, s) => sum + s.bytes, 0) * 8) / spanS / 1000) : 0;

    // One clip: the newest CLIP_SECONDS (or what the run holds) of segments.
    const last = r.segments().at(-1)!.endMs;
    const segments = segmentsCovering(r.segments(), last - Math.min(CLIP_SECONDS, options.seconds) * 1000, last);
    const durationMs = segments.reduce((sum, s) => sum + (s.endMs - s.startMs), 0);
    const started = performance.now();
    const clip = await cutClip({ ffmpegPath: r.ffmpegPath, segmentPaths: segments.map((s) => r.pathOf(s)), durationMs, outPath: join(dir, 'clip.mp4') });
    const cutWallMs = Math.round(performance.now() - started);
    const list = join(dir, 'list.ffconcat');
    writeFileSync(list, `ffconcat version 1.0\n${segments.map((s) => `file '${r.pathOf(s)}'`).join('\n')}\n`);
    const cpuMs = await cutCpuMs(list, join(dir, 'clip-bench.mp4'));

    // The same clip with masks burned in: cutClip as the recorder runs it, then ffmpeg's CPU for the same arguments.
    const size = await probeVideoSize(r.ffmpegPath, r.pathOf(segments[0]!));
    const maskedStarted = performance.now();
    const masked = await cutClip({ ffmpegPath: r.ffmpegPath, segmentPaths: segments.map((s) => r.pathOf(s)), durationMs, outPath: join(dir, 'masked.mp4'), mask: (w, h) => maskOverlayPng(BENCH_MASKS, w, h) });
    const maskedCutWallMs = Math.round(performance.now() - maskedStarted);
    const png = join(dir, 'mask.png');
    writeFileSync(png, await maskOverlayPng(BENCH_MASKS, size.width, size.height));
    const maskedCpuMs = await cutCpuMs(list, join(dir, 'masked-bench.mp4'), png);
    progress(`clips: ${clip.durationSeconds} s clip at ${size.width}x${size.height}: copy ${cutWallMs} ms wall / ${cpuMs} ms CPU, masked ${maskedCutWallMs} ms wall / ${maskedCpuMs} ms CPU`);
    return {
      source: server ? 'rtsp' : 'file',
      video: VIDEO,
      seconds: Math.round(wallS * 10) / 10,
      ringCorePercentPerCamera,
      ringKbps,
      ringSegments: r.segments().length,
      cutClipSeconds: clip.durationSeconds,
      cutWallMs,
      cutCpuMs: cpuMs,
      cutBytes: clip.bytes,
      maskedCutWallMs,
      maskedCutCpuMs: maskedCpuMs,
      maskedCutBytes: masked.bytes,
      clipWidth: size.width,
      clipHeight: size.height,
    };
  } finally {
    await ring?.stop();
    await server?.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

// Alone (`npx tsx scripts/bench/clips.ts --seconds 26`): this scenario's JSON, e.g. to measure the masked cut on a box.
if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const { values } = parseArgs({ options: { seconds: { type: 'string', default: '26' } } });
  console.log(JSON.stringify(await runClips({ seconds: Number(values.seconds) }), null, 2));
}
