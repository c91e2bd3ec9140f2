import { renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { sha256File } from '../core/index.js';
import { captureFfmpeg, captureFailure, quoteFfconcatToken, runFfmpeg } from '../frames/index.js';
import { buildCutArgs, buildProbeSizeArgs, ffprobeBeside, parseProbeSize } from './cut-args.js';

/** A cut this long means a wedged ffmpeg: stream copy of 120 s of video takes well under a second. */
export const DEFAULT_CLIP_CUT_TIMEOUT_MS = 60_000;
/** A masked cut re-encodes: 120 s of 1080p at veryfast is ~1-2 min of CPU on a 2-core box (docs/operations.md has the measured 20 s 720p figure). */
export const DEFAULT_MASKED_CLIP_CUT_TIMEOUT_MS = 600_000;
/** ffprobe reads one segment's header: well under a second. */
const PROBE_TIMEOUT_MS = 10_000;

/** Renders the camera's masks at a stream size as a PNG (opaque black inside a mask, transparent elsewhere). */
export type ClipMaskRenderer = (width: number, height: number) => Promise<Buffer>;

/** A finished clip file and what the incident payload says of it. */
export interface CutClip {
  path: string;
  bytes: number;
  sha256: string;
  durationSeconds: number;
}

/** What cutClip joins and where it writes. */
export interface CutClipOptions {
  ffmpegPath: string;
  /** Segment files in time order (each starts on a keyframe). */
  segmentPaths: readonly string[];
  /** Their summed duration (ms), from the segment list. */
  durationMs: number;
  /** Where the MP4 goes; written under a temporary name first, so a half-written file never has this name. */
  outPath: string;
  timeoutMs?: number;
  /** The camera's privacy masks: when given, the clip is re-encoded with them burned in (cameras[].clips.maskPrivacy). */
  mask?: ClipMaskRenderer;
}

/**
 * Joins ring segments into one MP4 by stream copy (concat demuxer, `-c copy`): no re-encoding, cut on the
 * segments' keyframes. `+faststart` moves the index (moov) before the media (mdat) so a browser plays the
 * clip while it downloads. The list file names local segment paths only: nothing secret is in argv.
 */
export async function cutClip(options: CutClipOptions): Promise<CutClip> {
  if (options.segmentPaths.length === 0) throw new Error('no ring segment covers the clip window');
  const tmp = `${options.outPath}.part`;
  const list = `${options.outPath}.ffconcat`;
  const maskPng = `${options.outPath}.mask.png`;
  writeFileSync(list, `ffconcat version 1.0\n${options.segmentPaths.map((p) => `file ${quoteFfconcatToken(p)}`).join('\n')}\n`);
  try {
    if (options.mask !== undefined) {
      // Masks are fractions of the frame: drawn at the size of the stream the ring recorded (its first segment).
      const { width, height } = await probeVideoSize(options.ffmpegPath, options.segmentPaths[0]!);
      writeFileSync(maskPng, await options.mask(width, height));
    }
    const masked = options.mask !== undefined;
    await runFfmpeg(options.ffmpegPath, buildCutArgs(list, tmp, masked ? maskPng : undefined), {
      timeoutMs: options.timeoutMs ?? (masked ? DEFAULT_MASKED_CLIP_CUT_TIMEOUT_MS : DEFAULT_CLIP_CUT_TIMEOUT_MS),
    });
    const sha256 = await sha256File(tmp);
    renameSync(tmp, options.outPath);
    return { path: options.outPath, bytes: statSync(options.outPath).size, sha256, durationSeconds: Math.round(options.durationMs) / 1000 };
  } finally {
    rmSync(list, { force: true });
    rmSync(maskPng, { force: true });
    rmSync(tmp, { force: true });
  }
}

/** Width and height of a video file's first video stream, by the ffprobe beside `ffmpegPath`. */
export async function probeVideoSize(ffmpegPath: string, path: string): Promise<{ width: number; height: number }> {
  const run = await captureFfmpeg(ffprobeBeside(ffmpegPath), buildProbeSizeArgs(path), { timeoutMs: PROBE_TIMEOUT_MS });
  const failure = captureFailure(run);
  const size = failure === undefined ? parseProbeSize(run.stdout) : undefined;
  if (size === undefined) throw new Error(`ffprobe could not read the video size of ${path}${failure !== undefined ? ` (${failure})` : ''}: is ffprobe installed beside ffmpeg?`);
  return size;
}
