import { captureFfmpeg } from './ffmpeg-run.js';
import { StreamInfoParser } from './stream-info.js';

/**
 * A video file's frame rate from ffmpeg's header (`ffmpeg -i FILE` prints it, then exits asking for an output);
 * 0 when the header states none (or cannot be read): not known to be fast enough (skip-nonref.ts).
 */
export async function fileFps(ffmpegPath: string, file: string): Promise<number> {
  const { exit } = await captureFfmpeg(ffmpegPath, ['-hide_banner', '-nostdin', '-i', file], { timeoutMs: 15_000, stderrTailLines: 60 });
  const parser = new StreamInfoParser();
  for (const line of exit.stderrTail) parser.accept(line);
  return parser.current().sourceFps ?? 0;
}
