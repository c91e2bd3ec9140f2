/**
 * ffmpeg arguments of a clip cut (pure): stream copy by default; with a mask overlay, a re-encode that burns the
 * camera's privacy masks into every frame.
 */

/** x264 settings of a masked clip: `veryfast` keeps a 20 s 720p clip to a few CPU seconds on an edge box (docs/operations.md); CRF 23 is x264's default quality. */
export const MASKED_CLIP_PRESET = 'veryfast';
export const MASKED_CLIP_CRF = 23;

/**
 * Arguments after `ffmpeg -hide_banner -nostdin -loglevel error`: the concat list in, an MP4 with the index
 * (moov) first out. With `maskPngPath`: the PNG (opaque black where a mask is, transparent elsewhere, at the
 * stream's size) overlaid on every frame, encoded H.264 yuv420p (plays in every browser); audio is dropped
 * either way (`-map 0:v:0`), as the stream copy does.
 */
export function buildCutArgs(listPath: string, outPath: string, maskPngPath?: string): string[] {
  const input = ['-f', 'concat', '-safe', '0', '-i', listPath];
  const output = ['-movflags', '+faststart', '-f', 'mp4', '-y', outPath];
  if (maskPngPath === undefined) return [...input, '-map', '0:v:0', '-c', 'copy', ...output];
  return [
    ...input,
    '-i', maskPngPath,
    // The still PNG is one frame: overlay repeats it over every frame of the clip (eof_action=repeat, its default).
    '-filter_complex', '[0:v:0][1:v]overlay=0:0:format=auto,format=yuv420p[v]',
    '-map', '[v]',
    '-c:v', 'libx264', '-preset', MASKED_CLIP_PRESET, '-crf', String(MASKED_CLIP_CRF), '-pix_fmt', 'yuv420p',
    ...output,
  ];
}

/** `ffprobe` beside the given ffmpeg binary (`/usr/bin/ffmpeg` → `/usr/bin/ffprobe`, `ffmpeg` → `ffprobe`). */
export function ffprobeBeside(ffmpegPath: string): string {
  return ffmpegPath.replace(/ffmpeg([^/]*)$/, 'ffprobe$1');
}

/** ffprobe arguments printing the first video stream's `width,height` of a file. */
export function buildProbeSizeArgs(path: string): string[] {
  return ['-v', 'error', '-select_streams', 'v:0', '-show_entries', 'stream=width,height', '-of', 'csv=p=0', path];
}

/** `1280,720` (ffprobe's csv) → the size; undefined when it is not two positive integers. */
export function parseProbeSize(text: string): { width: number; height: number } | undefined {
  const m = /^\s*(\d+),(\d+)/.exec(text);
  if (!m) return undefined;
  const width = Number(m[1]);
  const height = Number(m[2]);
  return width > 0 && height > 0 ? { width, height } : undefined;
}
