import type { SourceConfig } from '../config/index.js';
import { buildFfmpegArgs, FfmpegProcess, probeFfmpeg, resolveFfmpegPath, classifyStderr, StreamInfoParser } from '../frames/index.js';
import { type ErrorCode, redactSecrets } from '../core/index.js';

/**
 * One-shot check of a camera or video file for the CLI (`doctor`, `camera test`): open it the way the
 * agent does (same input options, credentials, transport, socket timeout), decode a few seconds of video
 * and report codec, resolution, frame rate and how many frames actually decoded. The agent's supervised
 * decoder is the wrong tool here: it retries forever, and a technician wants one clear answer.
 */

/** Seconds of video decoded by default: enough for an RTSP camera to send a few key frames. */
export const DEFAULT_PROBE_SECONDS = 3;
/** RTSP socket timeout for the probe (ms): a dead camera fails in this time instead of hanging. */
export const DEFAULT_PROBE_SOCKET_TIMEOUT_MS = 5_000;
/** Beyond probe seconds + socket timeout, ffmpeg is killed after this much more (ms). */
const KILL_SLACK_MS = 10_000;
/** stderr lines kept for classifying a failure. */
const STDERR_LINES_KEPT = 200;

/** What the probe saw. `error` is set when no frame decoded. */
export interface StreamProbeResult {
  codec?: string;
  width?: number;
  height?: number;
  /** Frame rate the stream declares (`25 fps` in ffmpeg's header). */
  declaredFps?: number;
  /** Frames decoded per second of stream time, when at least half a second was decoded. */
  measuredFps?: number;
  frames: number;
  /** Stream time decoded (s). */
  seconds: number;
  error?: { code?: ErrorCode; message: string };
}

export interface StreamProbeOptions {
  /** Resolved path for a file source (relative to the config's folder). */
  filePath?: string;
  /** Camera password from passwordFile / passwordEnv. */
  password?: string;
  seconds?: number;
  socketTimeoutMs?: number;
  ffmpegPath?: string;
  /** Called as stream time advances (seconds decoded so far). */
  onProgress?: (seconds: number) => void;
}

/** Decodes `seconds` of the source and reports what it found; never throws for a bad stream. */
export async function probeStream(source: SourceConfig, options: StreamProbeOptions = {}): Promise<StreamProbeResult> {
  const ffmpegPath = resolveFfmpegPath(options.ffmpegPath);
  const version = await probeFfmpeg(ffmpegPath);
  const seconds = options.seconds ?? DEFAULT_PROBE_SECONDS;
  const socketTimeoutMs = options.socketTimeoutMs ?? DEFAULT_PROBE_SOCKET_TIMEOUT_MS;
  // A file is read once, as fast as it decodes: the probe measures the stream, not the playback speed.
  const probeSource: SourceConfig = 'file' in source ? { ...source, loop: false, speed: 0 } : source;
  const { input, inputOptions, stdin } = buildFfmpegArgs({
    source: probeSource,
    ...(options.filePath === undefined ? {} : { filePath: options.filePath }),
    ...(options.password === undefined ? {} : { password: options.password }),
    fps: 1,
    width: 160,
    version,
    socketTimeoutMs,
  });
  const secrets = [options.password, 'url' in source ? source.password : undefined].filter((s): s is string => s !== undefined);
  const args = [...inputOptions, '-i', input, '-map', '0:v:0', '-t', String(seconds), '-f', 'null', '-', '-progress', 'pipe:1'];

  const parser = new StreamInfoParser();
  let declaredFps: number | undefined;
  let frames = 0;
  let outTimeUs = 0;
  const deadlineMs = seconds * 1000 + socketTimeoutMs + KILL_SLACK_MS;
  const proc = new FfmpegProcess({
    ffmpegPath,
    args,
    // A camera URL (with its password) goes to ffmpeg on stdin, never in argv (see frames/ffconcat.ts).
    stdin: stdin ?? '',
    secrets,
    stderrTailLines: STDERR_LINES_KEPT,
    timeoutMs: deadlineMs,
    onStderrLine: (line) => {
      const added = parser.accept(line);
      if (added?.codec !== undefined && declaredFps === undefined) {
        const fps = /, (\d+(?:\.\d+)?) fps\b/.exec(line)?.[1];
        if (fps !== undefined) declaredFps = Number(fps);
      }
    },
    onStdoutLine: (line) => {
      const [key, value] = line.split('=', 2);
      if (key === 'frame') frames = Number(value) || frames;
      else if (key === 'out_time_us' && Number(value) > 0) {
        outTimeUs = Number(value);
        options.onProgress?.(outTimeUs / 1e6);
      }
    },
  });
  proc.start();
  const exit = await proc.done;

  const info = parser.current();
  const decodedS = outTimeUs / 1e6;
  const result: StreamProbeResult = {
    ...(info.codec === undefined ? {} : { codec: info.codec }),
    ...(info.sourceWidth === undefined ? {} : { width: info.sourceWidth }),
    ...(info.sourceHeight === undefined ? {} : { height: info.sourceHeight }),
    ...(declaredFps === undefined ? {} : { declaredFps }),
    ...(decodedS >= 0.5 && frames > 0 ? { measuredFps: Math.round((frames / decodedS) * 10) / 10 } : {}),
    frames,
    seconds: Math.round(decodedS * 10) / 10,
  };
  if (frames === 0) {
    const why = exit.spawnError
      ? { message: `cannot run ${ffmpegPath}: ${exit.spawnError.message}`, code: 'FFMPEG_MISSING' as const }
      : exit.timedOut
        ? { message: `no frame within ${Math.round(deadlineMs / 1000)} s`, code: 'CAMERA_STALLED' as const }
        : classifyStderr(exit.stderrTail);
    const message = why?.message ?? `ffmpeg decoded no frame (${lastMeaningfulLine(exit.stderrTail) ?? 'no error printed'})`;
    result.error = { ...(why?.code === undefined ? {} : { code: why.code }), message: redactSecrets(message, secrets) };
  }
  return result;
}

/** The last stderr line that looks like an error, for failures the classifier does not know. */
function lastMeaningfulLine(lines: readonly string[]): string | undefined {
  for (let i = lines.length - 1; i >= 0; i--) {
    const line = lines[i]!.trim();
    if (line !== '' && !/^(frame|size|video|Stream|Input|Output|Press|\s)/.test(line)) return line;
  }
  return undefined;
}
