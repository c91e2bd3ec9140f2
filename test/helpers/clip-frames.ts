import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { createDetector } from '../../agent/detection/index.js';
import type { Detection, Detector } from '../../agent/detection/types.js';
import type { Frame } from '../../agent/frames/types.js';
import type { Rule, RuleHit } from '../../agent/rules/types.js';
import type { Tracker } from '../../agent/tracking/types.js';
import { DATA_DIR, PROJECT_ROOT } from './data.js';

/** How a clip is sampled: analysis fps and width, as a camera's `analysis` section would say. */
export interface ClipOptions {
  fps: number;
  /** Output width (px); height keeps the aspect ratio (rounded to even, as the agent's ffmpeg args do)… */
  width: number;
  /** …unless given (stretches: e.g. to swap one scene for another of a different shape). */
  height?: number;
  cameraId?: string;
  /** Seconds into the clip to start and how long to read; whole clip when absent. */
  startSeconds?: number;
  durationSeconds?: number;
}

/** A decoded clip: every frame in memory (a 40 s clip at 5 fps, 640x352, is ~ 70 MB). */
export interface Clip {
  width: number;
  height: number;
  frames: Frame[];
}

/**
 * Decodes a video file to RGB24 frames at `fps`, at full decoding speed (no `-re`: tests must not wait
 * for real time). Frame k gets `capturedAtMs = k * 1000 / fps`, so rule times read as seconds into the
 * clip. The frame size comes from ffprobe-free arithmetic: the scale filter is pinned to `width:-2`, so
 * the height is computed from the stream size ffmpeg reports on stderr.
 */
export async function decodeClip(path: string, options: ClipOptions): Promise<Clip> {
  const { fps, width } = options;
  const args = ['-hide_banner', '-nostdin', '-nostats', '-loglevel', 'info'];
  if (options.startSeconds !== undefined) args.push('-ss', String(options.startSeconds));
  args.push('-i', path);
  if (options.durationSeconds !== undefined) args.push('-t', String(options.durationSeconds));
  args.push('-an', '-sn', '-dn', '-vf', `fps=${fps},scale=${width}:${options.height ?? -2}`, '-pix_fmt', 'rgb24', '-f', 'rawvideo', 'pipe:1');

  const child = spawn('ffmpeg', args, { stdio: ['ignore', 'pipe', 'pipe'] });
  const chunks: Buffer[] = [];
  let stderr = '';
  child.stdout.on('data', (c: Buffer) => chunks.push(c));
  child.stderr.on('data', (c: Buffer) => {
    stderr += c.toString();
  });
  const code = await new Promise<number | null>((resolve, reject) => {
    child.once('error', reject);
    child.once('close', resolve);
  });
  if (code !== 0) throw new Error(`ffmpeg exited with ${String(code)} decoding ${path}:\n${stderr.slice(-2000)}`);

  // The output stream line: "Stream #0:0: Video: rawvideo (RGB[24] / 0x18424752), rgb24(...), 640x352, ...".
  const out = stderr.slice(stderr.indexOf('Output #0'));
  const size = /rawvideo[^\n]*?, (\d+)x(\d+)/.exec(out);
  if (!size) throw new Error(`could not read the output frame size from ffmpeg's log:\n${out.slice(0, 2000)}`);
  const w = Number(size[1]);
  const h = Number(size[2]);
  if (w !== width) throw new Error(`ffmpeg produced ${w}x${h}, expected width ${width}`);

  const all = Buffer.concat(chunks);
  const frameBytes = w * h * 3;
  const count = Math.floor(all.length / frameBytes);
  const frames: Frame[] = [];
  for (let k = 0; k < count; k++) {
    frames.push({
      cameraId: options.cameraId ?? 'clip',
      seq: k,
      capturedAtMs: Math.round((k * 1000) / fps),
      width: w,
      height: h,
      data: all.subarray(k * frameBytes, (k + 1) * frameBytes),
    });
  }
  return { width: w, height: h, frames };
}

/** Per-frame detections of a clip, with the frames they came from. */
export interface DetectedClip extends Clip {
  detections: Detection[][];
  /** Mean detector time per frame (ms), for the record. */
  detectMsPerFrame: number;
}

/**
 * The real detector of the agent (YOLOX-nano from the model manifest), decoding down to `scoreThreshold`
 * (ByteTrack needs the low-score boxes). One intra-op thread: tests run two files at a time on two cores.
 */
export async function openTestDetector(scoreThreshold = 0.1): Promise<Detector> {
  return createDetector({
    manifestPath: join(PROJECT_ROOT, 'models', 'manifest.json'),
    modelsDir: join(DATA_DIR, 'models'),
    modelName: 'yolox_nano_416',
    scoreThreshold,
    nmsIouThreshold: 0.45,
    threads: 1,
  });
}

/** Decodes a clip and runs the detector on every frame. */
export async function detectClip(path: string, options: ClipOptions, detector: Detector): Promise<DetectedClip> {
  const clip = await decodeClip(path, options);
  const detections: Detection[][] = [];
  const t0 = performance.now();
  for (const f of clip.frames) detections.push(await detector.detect(f));
  return { ...clip, detections, detectMsPerFrame: (performance.now() - t0) / Math.max(1, clip.frames.length) };
}

/** What running tracker and rules over a detected clip produced. */
export interface ClipRun {
  hits: RuleHit[];
  /** Frame time offset used (epoch ms of frame 0). */
  t0: number;
}

/**
 * Feeds a detected clip through a tracker and rules as the camera pipeline does (frame k at t0 + k·1000/fps),
 * passing the frame in the rule context. `onFrame` sees every frame's hits (e.g. for the incident lifecycle).
 */
export async function runRules(
  clip: DetectedClip,
  tracker: Tracker,
  rules: readonly Rule[],
  options: { t0?: number; onFrame?: (hits: RuleHit[], frame: Frame) => Promise<void> | void } = {},
): Promise<ClipRun> {
  const t0 = options.t0 ?? 0;
  const hits: RuleHit[] = [];
  for (let k = 0; k < clip.frames.length; k++) {
    const src = clip.frames[k]!;
    const frame: Frame = { ...src, capturedAtMs: t0 + src.capturedAtMs };
    const tracks = tracker.update(clip.detections[k]!, frame.capturedAtMs);
    const frameHits = rules.flatMap((r) => r.evaluate(tracks, frame.capturedAtMs, { frame }));
    hits.push(...frameHits);
    await options.onFrame?.(frameHits, frame);
  }
  return { hits, t0 };
}
