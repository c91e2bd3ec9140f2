import { createHash } from 'node:crypto';
import { createReadStream, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { quoteFfconcatToken, runFfmpeg } from '../frames/index.js';

/** A cut this long means a wedged ffmpeg: stream copy of 120 s of video takes well under a second. */
export const DEFAULT_CLIP_CUT_TIMEOUT_MS = 60_000;

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
  writeFileSync(list, `ffconcat version 1.0\n${options.segmentPaths.map((p) => `file ${quoteFfconcatToken(p)}`).join('\n')}\n`);
  try {
    await runFfmpeg(
      options.ffmpegPath,
      ['-f', 'concat', '-safe', '0', '-i', list, '-map', '0:v:0', '-c', 'copy', '-movflags', '+faststart', '-f', 'mp4', '-y', tmp],
      { timeoutMs: options.timeoutMs ?? DEFAULT_CLIP_CUT_TIMEOUT_MS },
    );
    const sha256 = await sha256File(tmp);
    renameSync(tmp, options.outPath);
    return { path: options.outPath, bytes: statSync(options.outPath).size, sha256, durationSeconds: Math.round(options.durationMs) / 1000 };
  } finally {
    rmSync(list, { force: true });
    rmSync(tmp, { force: true });
  }
}

/** Hex SHA-256 of a file, streamed. */
export function sha256File(path: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const hash = createHash('sha256');
    createReadStream(path)
      .on('data', (chunk) => hash.update(chunk))
      .on('error', reject)
      .on('end', () => resolve(hash.digest('hex')));
  });
}
