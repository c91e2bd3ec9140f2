import { listFfmpegDecoders, probeFfmpeg, resolveFfmpegPath } from '../../frames/index.js';
import { ERROR_CATALOGUE } from '../../core/index.js';
import { fail, failFrom, pass, warn, type CheckResult, type DoctorCheck } from './types.js';

/** Decoders a camera stream needs: H.264 is what nearly every camera sends, H.265 what newer ones default to. */
export const REQUIRED_DECODERS = ['h264', 'hevc'] as const;

/** `ffmpeg`: present, its version, and the H.264/H.265 decoders. */
export const ffmpegCheck: DoctorCheck = {
  name: 'ffmpeg',
  async run(ctx): Promise<CheckResult> {
    let path: string;
    let version: string;
    try {
      path = resolveFfmpegPath(ctx.env.FFMPEG_PATH);
      version = (await probeFfmpeg(path)).raw;
    } catch (err) {
      return failFrom('ffmpeg', err, ERROR_CATALOGUE.FFMPEG_MISSING);
    }
    let decoders: Set<string>;
    try {
      decoders = parseDecoders(await listFfmpegDecoders(path));
    } catch (err) {
      return fail('ffmpeg', `${path} ${version}: cannot list decoders (${(err as Error).message})`, ERROR_CATALOGUE.FFMPEG_MISSING, 'FFMPEG_MISSING');
    }
    return judgeDecoders(path, version, decoders);
  },
};

/** Decoder names from `ffmpeg -decoders` (lines like ` V....D h264   H.264 / AVC …`), pure. */
export function parseDecoders(text: string): Set<string> {
  const names = new Set<string>();
  for (const line of text.split('\n')) {
    const m = /^\s*([VAS.][F.][S.][X.][B.][D.])\s+(\S+)/.exec(line);
    // The legend above the list (` V..... = Video`) has the same shape, with "=" for a name.
    if (m && m[2] !== '=') names.add(m[2]!);
  }
  return names;
}

/** pass with both decoders, warn without H.265, fail without H.264 (pure). */
export function judgeDecoders(path: string, version: string, decoders: ReadonlySet<string>): CheckResult {
  const missing = REQUIRED_DECODERS.filter((d) => !decoders.has(d));
  const head = `${version} (${path})`;
  if (missing.includes('h264')) {
    return fail('ffmpeg', `${head} has no ${missing.join('/')} decoder`, "Install Debian's ffmpeg (apt-get install -y ffmpeg); minimal builds lack camera codecs.", 'CAMERA_CODEC');
  }
  if (missing.length > 0) {
    return warn('ffmpeg', `${head} has no hevc decoder: H.265 cameras will not decode`, "Install Debian's ffmpeg (apt-get install -y ffmpeg), or set the cameras to H.264.");
  }
  return pass('ffmpeg', `${head}, decoders ${REQUIRED_DECODERS.join(' ')}`);
}
