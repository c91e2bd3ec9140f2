import { redactUrl } from '../core/index.js';
import { buildFfconcat, FFCONCAT_OPTION_MIN_VERSION, RTSP_PROTOCOL_WHITELIST } from './ffconcat.js';
import type { AnalysisOptions, SourceOptions } from './options.js';

/** Hardware decoders ffmpeg can be asked for (`cameras[].analysis.hwaccel`); absent = software. */
export type HwAccel = NonNullable<AnalysisOptions['hwaccel']>;

/**
 * RTSP socket I/O timeout given to ffmpeg. Short enough that a dead camera is noticed well before the
 * default 10 s stall watchdog, long enough for a slow camera's DESCRIBE/SETUP round trips.
 */
export const DEFAULT_SOCKET_TIMEOUT_MS = 5_000;

/** The ffmpeg version the options are built for (see `probeFfmpeg`). */
export interface FfmpegVersion {
  major: number;
  minor: number;
  /** The version word as printed, e.g. `5.1.9-0+deb12u1` or `N-112345-gabc` (git builds). */
  raw: string;
}

export interface FfmpegArgsOptions {
  source: SourceOptions;
  /** For file sources: the path as it should be opened (already resolved against the config folder). */
  filePath?: string;
  fps: number;
  width: number;
  /** Camera password resolved by the config loader (passwordFile / passwordEnv); beats `source.password`. */
  password?: string;
  hwaccel?: HwAccel;
  /** Codec the camera sent last time (`h264`, `hevc`), used to pick the v4l2m2m decoder; h264 when unknown. */
  inputCodec?: string;
  version: FfmpegVersion;
  socketTimeoutMs?: number;
  /** Software decoding threads; 0 or absent: ffmpeg's default (frame threads, one per core). */
  decoderThreads?: number;
  /** `-skip_frame noref`: non-reference frames are not decoded. */
  skipNonReferenceFrames?: boolean;
  /** `-skip_loop_filter all -flags2 fast` and a fast_bilinear scale: cheaper decoding, slightly softer frames. */
  fastDecode?: boolean;
}

/** One decoder run: `ffmpeg <inputOptions> -i <input> <outputOptions> pipe:1`, plus what ffmpeg reads on stdin. */
export interface FfmpegArgs {
  /** The path ffmpeg opens, or `pipe:0` for a camera (its URL comes on stdin, see `stdin`). */
  input: string;
  inputOptions: string[];
  outputOptions: string[];
  /**
   * Text to write to ffmpeg's stdin, then close it: for a camera, the ffconcat script carrying the URL
   * with its credentials (see ffconcat.ts). Secret: never log it.
   */
  stdin?: string;
  /** The source as a log line may show it: the file path, or the camera URL with its password masked. */
  label: string;
  /**
   * True only with ffmpeg < 5.0, which cannot take the URL on stdin with RTSP options: the URL, with any
   * password, is then an argument every local user can read. Callers warn about it.
   */
  credentialsInArgs: boolean;
}

/** Builds the ffmpeg options that turn one camera into RGB24 frames of `width` px at `fps` on stdout. */
export function buildFfmpegArgs(options: FfmpegArgsOptions): FfmpegArgs {
  const { source, version } = options;
  // -nostdin: ffmpeg would otherwise treat bytes on its stdin pipe as keyboard commands ('q' quits).
  // -nostats: the progress line every 0.5 s is noise; frames are counted on stdout instead.
  const inputOptions = ['-hide_banner', '-nostdin', '-nostats', ...hwaccelInputOptions(options), ...decoderInputOptions(options)];
  let input: string;
  let label: string;
  let stdin: string | undefined;
  let credentialsInArgs = false;

  if ('file' in source) {
    input = options.filePath ?? source.file;
    label = input;
    // -re is -readrate 1; other speeds replay recordings faster, 0 reads as fast as decoding allows.
    if (source.speed === 1) inputOptions.push('-re');
    else if (source.speed > 0) inputOptions.push('-readrate', String(source.speed));
    if (source.loop) inputOptions.push('-stream_loop', '-1');
  } else {
    const url = buildSourceUrl(source, options.password);
    label = redactUrl(url);
    const demuxerOptions = rtspDemuxerOptions(source, version, options.socketTimeoutMs ?? DEFAULT_SOCKET_TIMEOUT_MS);
    if (atLeast(version, FFCONCAT_OPTION_MIN_VERSION.major, FFCONCAT_OPTION_MIN_VERSION.minor)) {
      // The URL (and its password) goes through stdin, never argv: see ffconcat.ts.
      input = 'pipe:0';
      stdin = buildFfconcat(url, demuxerOptions);
      // -nofind_stream_info: the concat demuxer copies the stream parameters the RTSP demuxer already probed;
      // probing again cost 100-300 ms before the first frame (measured on the test server), which counts
      // against the stall watchdog's connect window.
      inputOptions.push('-protocol_whitelist', RTSP_PROTOCOL_WHITELIST, '-nofind_stream_info', '-f', 'concat', '-safe', '0');
    } else {
      input = url;
      credentialsInArgs = hasPassword(url);
      inputOptions.push(...demuxerOptions.flatMap(([name, value]) => [`-${name}`, value]));
    }
  }

  const filters = [`fps=${formatFps(options.fps)}`, `scale=${options.width}:-2${options.fastDecode === true ? ':flags=fast_bilinear' : ''}`];
  // QSV frames stay in GPU surfaces (ffmpeg 5 forces -hwaccel_output_format qsv); copy them down first.
  if (options.hwaccel === 'qsv') filters.unshift('hwdownload', 'format=nv12');

  const outputOptions = [
    '-an', '-sn', '-dn',
    '-vf', filters.join(','),
    // Pass frames through as the fps filter emits them: the default for rawvideo (constant frame rate)
    // would duplicate frames after a network hiccup, faking motion-less frames with fresh timestamps.
    ...(atLeast(version, 5, 1) ? ['-fps_mode', 'passthrough'] : ['-vsync', '0']),
    '-pix_fmt', 'rgb24',
    '-f', 'rawvideo',
  ];
  return { input, inputOptions, outputOptions, label, credentialsInArgs, ...(stdin === undefined ? {} : { stdin }) };
}

/**
 * Options for ffmpeg's RTSP demuxer (name without the dash, value). With UDP, `rtsp_flags filter_src`
 * makes ffmpeg connect() its RTP/RTCP sockets to the camera's address and ports from the SETUP answer, so
 * the kernel drops datagrams from anyone else; without it the sockets (bound on all interfaces) take
 * packets from any host that guesses the port, and a forged RTP stream would be analysed as the camera's.
 */
export function rtspDemuxerOptions(source: { transport: 'tcp' | 'udp' }, version: FfmpegVersion, socketTimeoutMs: number): Array<[string, string]> {
  const timeoutUs = String(Math.round(socketTimeoutMs * 1000));
  // ffmpeg 5 renamed the RTSP socket timeout -stimeout to -timeout; on 4.x -timeout is the *listen*
  // timeout (server mode), so using the wrong name either fails or silently waits forever.
  const options: Array<[string, string]> = [['rtsp_transport', source.transport], [version.major >= 5 ? 'timeout' : 'stimeout', timeoutUs]];
  if (source.transport === 'udp') options.push(['rtsp_flags', 'filter_src']);
  return options;
}

/**
 * Decoder options (before -i, so they apply to the input's decoder). Frame threading, ffmpeg's default,
 * keeps a context and frames per thread and delays output by a frame per thread: one camera per process
 * on a 2-core box gains nothing from it. Hardware decoders ignore -threads; -skip_frame works for both.
 */
function decoderInputOptions(options: FfmpegArgsOptions): string[] {
  const out: string[] = [];
  if (options.hwaccel === undefined && options.decoderThreads !== undefined && options.decoderThreads > 0) out.push('-threads', String(options.decoderThreads));
  if (options.skipNonReferenceFrames === true) out.push('-skip_frame', 'noref');
  // The deblocking filter is most of H.264's decode cost after entropy decoding; the frames are shrunk to
  // the analysis width anyway, which smooths the block edges it would have removed.
  if (options.fastDecode === true) out.push('-skip_loop_filter', 'all', '-flags2', 'fast');
  return out;
}

function hwaccelInputOptions(options: FfmpegArgsOptions): string[] {
  switch (options.hwaccel) {
    case undefined:
      return [];
    case 'qsv':
      return ['-hwaccel', 'qsv', '-hwaccel_output_format', 'qsv'];
    case 'v4l2m2m':
      // Not an -hwaccel in ffmpeg: a separate decoder per codec.
      return ['-c:v', `${options.inputCodec === 'hevc' ? 'hevc' : 'h264'}_v4l2m2m`];
    default:
      // vaapi / cuda: decoded frames are copied back to system memory automatically.
      return ['-hwaccel', options.hwaccel];
  }
}

/**
 * The RTSP URL given to ffmpeg, with credentials inserted when the config gives them apart from the URL.
 * Percent-encoded so `@ : / %` in a password survive (ffmpeg decodes the user-info part).
 */
export function buildSourceUrl(source: { url: string; username?: string; password?: string }, password?: string): string {
  const separatePassword = password ?? source.password;
  if (source.username === undefined && separatePassword === undefined) return source.url;
  const url = new URL(source.url);
  const user = source.username ?? decodeURIComponent(url.username);
  const pass = separatePassword ?? (url.password === '' ? undefined : decodeURIComponent(url.password));
  const userInfo = encodeURIComponent(user) + (pass === undefined ? '' : `:${encodeURIComponent(pass)}`);
  return `${url.protocol}//${userInfo}@${url.host}${url.pathname}${url.search}`;
}

function hasPassword(url: string): boolean {
  try {
    return new URL(url).password !== '';
  } catch {
    return true; // cannot tell: assume the worst
  }
}

function atLeast(version: FfmpegVersion, major: number, minor: number): boolean {
  return version.major > major || (version.major === major && version.minor >= minor);
}

/** `5` → `5`, `2.5` → `2.5`, `1/3` fps stays exact enough as `0.333333`. */
function formatFps(fps: number): string {
  return Number.isInteger(fps) ? String(fps) : String(Number(fps.toFixed(6)));
}
