import { existsSync, mkdirSync, renameSync, rmSync } from 'node:fs';
import { runFfmpeg, resolveFfmpegPath } from '../frames/index.js';
import { CamwatchError } from '../core/index.js';
import { DERIVED_ENCODE_ARGS, type ClipPaths, type LoadedClip } from './clip.js';

/**
 * A derived clip's video, rendered by ffmpeg once into the cache (keyed by a hash of its spec and the
 * encoder settings) and reused after. Plain clips need nothing. Returns true when it rendered now.
 */
export async function ensureClipVideo(clip: LoadedClip, paths: ClipPaths, ffmpegPath?: string): Promise<boolean> {
  const d = clip.derived;
  if (d === undefined || existsSync(clip.videoPath)) return false;
  mkdirSync(paths.cacheDir, { recursive: true });
  // Written beside and renamed: an interrupted render never leaves a half file that looks cached.
  const partial = `${clip.videoPath}.partial.mp4`;
  const args = ['-y', ...d.inputs.flatMap((i) => ['-i', i]), '-filter_complex', d.filterComplex, ...DERIVED_ENCODE_ARGS, partial];
  try {
    await runFfmpeg(resolveFfmpegPath(ffmpegPath), args);
    renameSync(partial, clip.videoPath);
  } catch (err) {
    rmSync(partial, { force: true });
    if (err instanceof CamwatchError) throw err;
    throw new CamwatchError('EVAL_VIDEO_RENDER', `${clip.file}: video: ${(err as Error).message}`, { cause: err, details: { file: clip.file } });
  }
  return true;
}
