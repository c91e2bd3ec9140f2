/**
 * Evidence clips' cost per camera: the pre-roll ring (agent/clips: one ffmpeg copying the camera's stream into
 * 2 s MPEG-TS segments, no decoding) as % of one core, measured from the ffmpeg process's own CPU ticks over
 * `seconds` of a live RTSP stream (scripts/rtsp-server.py serving the 720p Saigon clip, 20 fps; the clip
 * played at real time when GStreamer is missing); and cutting one clip (preSeconds + postSeconds of segments
 * joined by stream copy into a faststart MP4): wall time and ffmpeg's CPU (-benchmark, same arguments).
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createClipRing, cutClip, segmentsCovering, type ClipRing } from '../../agent/clips/index.js';
import { createLogger } from '../../agent/core/index.js';
import { startRtspServer, type TestRtspServer } from '../../test/helpers/rtsp-server.js';
import { dataFile, progress, sleep } from './common.js';

const VIDEO = 'vn_saigon_intersection.mp4';
const CLOCK_TICKS_PER_S = 100;
/** The clip cut: the default preSeconds + postSeconds around a short incident. */
const CLIP_SECONDS = 20;

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

/** ffmpeg's own CPU (user + system, ms) for the cut cutClip runs, from -benchmark. */
function cutCpuMs(segmentList: string, out: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const ff = spawn('ffmpeg', ['-hide_banner', '-nostdin', '-benchmark', '-f', 'concat', '-safe', '0', '-i', segmentList, '-map', '0:v:0', '-c', 'copy', '-movflags', '+faststart', '-f', 'mp4', '-y', out], { stdio: ['ignore', 'ignore', 'pipe'] });
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
    };
  } finally {
    await ring?.stop();
    await server?.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}
