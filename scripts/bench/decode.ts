/**
 * Decode cost per camera: CPU one ffmpeg spends turning the Saigon clip (H.264 High, 1018x720, 20 fps)
 * into the agent's 5 fps 640 px RGB24 frames, with the agent's options and with options that cut work
 * for analysis-only streams. Measured with ffmpeg's own -benchmark (user + system CPU of the whole run,
 * clip decoded as fast as possible), expressed as % of one core per real-time camera.
 * Not measured: decoder-side scaling (`-lowres`) does not exist for H.264 in software; `-skip_frame
 * nokey` keeps only keyframes (one every few seconds on most cameras), too coarse for 5 fps.
 */
import { spawn } from 'node:child_process';
import { dataFile, progress } from './common.js';

const VIDEO = 'vn_saigon_intersection.mp4';
/** ffprobe: 205 frames at ~19.97 fps. */
const CLIP_SECONDS = 10.27;

export interface Variant {
  name: string;
  input: string[];
  scaleFlags?: string;
}

/**
 * The decoder without the cheap options: one thread (`decoderThreads: 1`, the default) and `fastDecode: false`.
 * Frame threading's extra threads cost synchronisation, and the box's cores are shared by many decoders anyway.
 */
export const PLAIN_DECODE: Variant = { name: 'threads 1', input: ['-threads', '1'] };
/**
 * The decoder as the agent runs it by default (agent/frames/ffmpeg-args.ts: `decoderThreads: 1`,
 * `fastDecode: true`) on a stream slower than 3x the analysis fps: what the bench's limit counts there.
 */
export const DEPLOYED_DECODE: Variant = { name: 'fastDecode (threads 1, flags2 fast, skip_loop_filter all, fast_bilinear)', input: ['-threads', '1', '-flags2', 'fast', '-skip_loop_filter', 'all'], scaleFlags: 'fast_bilinear' };
/** The same on a stream at least 3x the analysis fps, where `skipNonReferenceFrames: auto` (the default) adds skip_frame noref. */
export const DEPLOYED_DECODE_SKIPPING: Variant = { name: 'fastDecode + skip_frame noref', input: [...DEPLOYED_DECODE.input, '-skip_frame', 'noref'], scaleFlags: 'fast_bilinear' };

/** What each option does, and why it might be safe for detection. */
export const DECODE_VARIANTS: Variant[] = [
  // ffmpeg's own defaults (it picks the decoder's thread count): what the agent ran before decoderThreads and fastDecode.
  { name: 'ffmpeg defaults', input: [] },
  PLAIN_DECODE,
  // Non-spec-compliant speed-ups (e.g. skipping the chroma deblocking edge cases).
  { name: 'threads 1, flags2 fast', input: ['-threads', '1', '-flags2', 'fast'] },
  // No deblocking filter: block edges stay in the picture (invisible to a detector at 640 px).
  { name: 'threads 1, skip_loop_filter all', input: ['-threads', '1', '-skip_loop_filter', 'all'] },
  // Skip non-reference frames (B-frames): at 5 fps from 20 fps most of them are thrown away anyway.
  { name: 'threads 1, skip_frame noref', input: ['-threads', '1', '-skip_frame', 'noref'] },
  // Cheaper scaler for the 1018 → 640 px shrink and the conversion to RGB.
  { name: 'threads 1, fast_bilinear scale', input: ['-threads', '1'], scaleFlags: 'fast_bilinear' },
  // analysis.fastDecode with the default decoderThreads 1: everything above but skip_frame.
  DEPLOYED_DECODE,
  // All of the above: the default on a stream at least 3x the analysis fps (skipNonReferenceFrames: auto).
  DEPLOYED_DECODE_SKIPPING,
];

export interface DecodeCost {
  variant: string;
  ffmpegOptions: string;
  /** CPU seconds per second of video. */
  cpuSecondsPerVideoSecond: number;
  /** The same as % of one core for one camera in real time. */
  corePercentPerCamera: number;
  framesOut: number;
}

/** One ffmpeg decoding `video` (its first `seconds`, or all) to `fps` frames at 640 px RGB24 as fast as it can: its user + system CPU. */
export function decodeCpu(v: Variant, video: string, fps = 5, seconds?: number): Promise<{ cpuS: number; framesOut: number }> {
  const scale = `scale=640:-2${v.scaleFlags ? `:flags=${v.scaleFlags}` : ''}`;
  const limit = seconds === undefined ? [] : ['-t', String(seconds)];
  const args = ['-hide_banner', '-nostdin', '-benchmark', ...v.input, ...limit, '-i', video, '-an', '-vf', `fps=${fps},${scale}`, '-pix_fmt', 'rgb24', '-f', 'rawvideo', '-y', '/dev/null'];
  return new Promise((resolve, reject) => {
    const ff = spawn('ffmpeg', args, { stdio: ['ignore', 'ignore', 'pipe'] });
    let err = '';
    ff.stderr.on('data', (b: Buffer) => (err += b.toString()));
    ff.on('error', reject);
    ff.on('close', (code) => {
      const bench = /bench: utime=([\d.]+)s stime=([\d.]+)s/.exec(err);
      const frames = [...err.matchAll(/frame=\s*(\d+)/g)].pop();
      if (code !== 0 || !bench) return reject(new Error(`ffmpeg ${v.name} exited ${code}: ${err.slice(-300)}`));
      resolve({ cpuS: Number(bench[1]) + Number(bench[2]), framesOut: Number(frames?.[1] ?? 0) });
    });
  });
}

/** Each variant `repeats` times; the least CPU counts (the others were disturbed by neighbours). */
export async function runDecode(options: { repeats: number }): Promise<DecodeCost[]> {
  const out: DecodeCost[] = [];
  for (const v of DECODE_VARIANTS) {
    let best = { cpuS: Number.POSITIVE_INFINITY, framesOut: 0 };
    for (let i = 0; i < options.repeats; i++) {
      const r = await decodeCpu(v, dataFile('video', VIDEO));
      if (r.cpuS < best.cpuS) best = r;
    }
    const perS = best.cpuS / CLIP_SECONDS;
    const r: DecodeCost = {
      variant: v.name,
      ffmpegOptions: [...v.input, ...(v.scaleFlags ? [`scale flags=${v.scaleFlags}`] : [])].join(' '),
      cpuSecondsPerVideoSecond: Math.round(perS * 1000) / 1000,
      corePercentPerCamera: Math.round(perS * 1000) / 10,
      framesOut: best.framesOut,
    };
    progress(`decode: ${v.name}: ${r.corePercentPerCamera} % of a core per 720p camera (${r.framesOut} frames out)`);
    out.push(r);
  }
  return out;
}
