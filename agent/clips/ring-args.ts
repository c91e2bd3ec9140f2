import { join } from 'node:path';
import { redactUrl } from '../core/index.js';
import {
  buildFfconcat,
  buildSourceUrl,
  DEFAULT_SOCKET_TIMEOUT_MS,
  FFCONCAT_OPTION_MIN_VERSION,
  RTSP_PROTOCOL_WHITELIST,
  rtspDemuxerOptions,
  type FfmpegVersion,
  type SourceOptions,
} from '../frames/index.js';

/**
 * Fills in timestamps an RTSP stream leaves unset: over RTP, a stream with B-frames (H.264 High) delivers its
 * first keyframe without pts/dts and the next frame without a dts until ffmpeg has seen the reordering; the
 * MPEG-TS muxer refuses such a packet ("first pts and dts value must be set") and ffmpeg exits. Measured on the
 * test server with the Saigon clip (High profile): the ring died at its first packet without it. A missing
 * value becomes the previous output dts + 1 (0 at the start); packets with timestamps pass unchanged.
 */
export const RING_TIMESTAMP_FIX = "setts=dts='if(eq(DTS,NOPTS),if(eq(PREV_OUTDTS,NOPTS),0,PREV_OUTDTS+1),DTS)':pts='if(eq(PTS,NOPTS),if(eq(PREV_OUTDTS,NOPTS),0,PREV_OUTDTS+1),PTS)'";

/** Digits of a segment's number in its file name (ffmpeg's `%06d`, counting from 0 per run). */
const SEGMENT_NUMBER_DIGITS = 6;

/** File name of segment `index` (0-based) of ring run `runId`: what ffmpeg writes for the pattern below. */
export function ringSegmentFile(runId: string, index: number): string {
  return `${runId}-${String(index).padStart(SEGMENT_NUMBER_DIGITS, '0')}.ts`;
}

/** One ring run: ffmpeg's arguments (never a secret) and the ffconcat text carrying a camera URL on stdin. */
export interface RingArgs {
  args: string[];
  /** Secret (the URL with its password): written to ffmpeg's stdin, never logged. */
  stdin?: string;
  /** The source as a log line may show it. */
  label: string;
  /** ffmpeg < 5.0 only: the URL (and any password) had to go on the command line. */
  credentialsInArgs: boolean;
}

/** The source and folder of one ring run. */
export interface RingArgsOptions {
  source: SourceOptions;
  /** File sources: the resolved path. */
  filePath?: string;
  password?: string;
  version: FfmpegVersion;
  /** Folder the segments are written to. */
  dir: string;
  /** Prefix of this run's segment files (segments of two runs never share a name). */
  runId: string;
  segmentSeconds: number;
  socketTimeoutMs?: number;
}

/**
 * ffmpeg options that copy a camera's video stream, untouched, into `segmentSeconds` MPEG-TS segments and print
 * each closed segment as a CSV line (`file,start,end`) on stdout.
 *
 * MPEG-TS rather than fragmented MP4: a TS segment cut short (ffmpeg killed, power lost) is still readable up
 * to its last 188-byte packet, it needs no header written at the end, and the concat demuxer joins TS files
 * that each restart at timestamp 0 (`-reset_timestamps 1`) without gaps. Its overhead is ~2-5 % of the bytes,
 * paid only while the segment sits in the ring: the clip itself is remuxed to MP4.
 */
export function buildRingArgs(options: RingArgsOptions): RingArgs {
  const { source, version } = options;
  const input: string[] = ['-hide_banner', '-nostdin', '-nostats', '-loglevel', 'error'];
  let label: string;
  let stdin: string | undefined;
  let credentialsInArgs = false;
  if ('file' in source) {
    const path = options.filePath ?? source.file;
    label = path;
    // A file stands in for a camera: paced like one (-re), so segments close at wall-clock pace.
    if (source.speed === 1) input.push('-re');
    else if (source.speed > 0) input.push('-readrate', String(source.speed));
    if (source.loop) input.push('-stream_loop', '-1');
    input.push('-i', path);
  } else {
    const url = buildSourceUrl(source, options.password);
    label = redactUrl(url);
    const demuxerOptions = rtspDemuxerOptions(source, version, options.socketTimeoutMs ?? DEFAULT_SOCKET_TIMEOUT_MS);
    const { major, minor } = FFCONCAT_OPTION_MIN_VERSION;
    if (version.major > major || (version.major === major && version.minor >= minor)) {
      // The URL and its password reach ffmpeg on stdin, as for the decoder (frames/ffconcat.ts): never in argv.
      stdin = buildFfconcat(url, demuxerOptions);
      input.push('-protocol_whitelist', RTSP_PROTOCOL_WHITELIST, '-f', 'concat', '-safe', '0', '-i', 'pipe:0');
    } else {
      credentialsInArgs = new URL(url).password !== '';
      input.push(...demuxerOptions.flatMap(([name, value]) => [`-${name}`, value]), '-i', url);
    }
  }
  const output = [
    // Video only: camera audio (G.711, G.726) does not play in browsers' MP4, and evidence is the picture.
    '-map', '0:v:0', '-c', 'copy', '-an', '-sn', '-dn',
    '-bsf:v', RING_TIMESTAMP_FIX,
    '-f', 'segment',
    '-segment_time', String(options.segmentSeconds),
    '-segment_format', 'mpegts',
    // Written through packet by packet: without it the muxer holds 256 KiB (8 s of a 256 kbit/s stream) before
    // the first write, and the watchdog could not tell a long GOP from a dead stream by the open segment's
    // size. ~25 small writes a second; a crash then loses at most the packet being written.
    '-segment_format_options', 'flush_packets=1',
    '-reset_timestamps', '1',
    '-segment_list', 'pipe:1',
    '-segment_list_type', 'csv',
    join(options.dir, `${options.runId}-%0${SEGMENT_NUMBER_DIGITS}d.ts`),
  ];
  return { args: [...input, ...output], label, credentialsInArgs, ...(stdin === undefined ? {} : { stdin }) };
}
