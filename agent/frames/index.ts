/**
 * The frames stage: one camera's frames from ffmpeg (RTSP or a file), supervised and restarted with backoff,
 * newest frame wins. ffmpeg-process.ts is the one owner of ffmpeg processes in the agent.
 */
import { statSync } from 'node:fs';
import { resolve } from 'node:path';
import { CamwatchError, type Logger, redactSecrets } from '../core/index.js';
import { DEFAULT_BACKOFF, type BackoffOptions } from './backoff.js';
import { CameraSource } from './camera-source.js';
import type { HwAccel } from './ffmpeg-args.js';
import { resolveFfmpegPath } from './ffmpeg-run.js';
import type { FrameCameraOptions } from './options.js';
import type { FrameSource, SourceStateChange } from './types.js';

export type { Frame, FrameSource, FrameSourceStats, SourceStateChange } from './types.js';
export type { SourceOptions } from './options.js';
export { DEFAULT_BACKOFF } from './backoff.js';

export interface CreateFrameSourceOptions {
  logger: Logger;
  onState?: (change: SourceStateChange) => void;
  /** Camera password resolved from passwordFile / passwordEnv by the config loader. */
  password?: string;
  /** Folder relative file sources are resolved against (the config file's folder); default: cwd. */
  baseDir?: string;
  /** ffmpeg binary; default $FFMPEG_PATH, else `ffmpeg` on $PATH. */
  ffmpegPath?: string;
  /** Overrides `camera.analysis.hwaccel`. */
  hwaccel?: HwAccel;
  /** Restart delays; tests shorten them. */
  backoff?: Partial<BackoffOptions>;
  /** SIGTERM → SIGKILL delay when stopping ffmpeg. */
  killGraceMs?: number;
  /** RTSP socket timeout given to ffmpeg. */
  socketTimeoutMs?: number;
  /** Jitter source (tests pass a constant). */
  random?: () => number;
}

/**
 * The frame-source stage: one supervised ffmpeg per camera delivering RGB24 frames at
 * `analysis.fps` and `analysis.width`. Throws SOURCE_INVALID for a missing file or a non-RTSP URL and
 * FFMPEG_MISSING when no ffmpeg can be found; everything later is reported through `onState`.
 */
export function createFrameSource(camera: FrameCameraOptions, options: CreateFrameSourceOptions): CameraSource {
  const filePath = validateSource(camera, options);
  const ffmpegPath = resolveFfmpegPath(options.ffmpegPath);
  return new CameraSource({
    camera,
    logger: options.logger.child({ component: 'frames', camera: camera.id }),
    onState: options.onState,
    password: options.password,
    filePath,
    ffmpegPath,
    hwaccel: options.hwaccel ?? camera.analysis.hwaccel,
    backoff: { ...DEFAULT_BACKOFF, ...options.backoff },
    killGraceMs: options.killGraceMs,
    socketTimeoutMs: options.socketTimeoutMs,
    random: options.random,
  });
}

/**
 * Checks a camera's source before anything is started; returns the resolved path of a file source. `field`
 * names the source in the error (default `cameras[<id>].source`; the clip ring's is `cameras[<id>].clips.source`).
 */
export function validateSource(camera: Pick<FrameCameraOptions, 'id' | 'source'>, options: { baseDir?: string; password?: string; field?: string } = {}): string | undefined {
  const source = camera.source;
  const field = options.field ?? `cameras[${camera.id}].source`;
  if ('file' in source) {
    const path = resolve(options.baseDir ?? process.cwd(), source.file);
    let isFile = false;
    try {
      isFile = statSync(path).isFile();
    } catch {
      // reported below
    }
    if (!isFile) {
      throw new CamwatchError('SOURCE_INVALID', `${field}.file: no such video file: ${path}`, { details: { field: `${field}.file`, path } });
    }
    return path;
  }
  const secrets = [options.password, source.password].filter((s): s is string => s !== undefined);
  const shown = redactSecrets(source.url, secrets);
  let valid = /^rtsps?:\/\//i.test(source.url);
  if (valid) {
    try {
      valid = new URL(source.url).hostname !== '';
    } catch {
      valid = false;
    }
  }
  if (!valid) {
    throw new CamwatchError('SOURCE_INVALID', `${field}.url: expected rtsp://host[:port]/path or rtsps://…, got "${shown}"`, {
      details: { field: `${field}.url`, url: shown },
    });
  }
  return undefined;
}
export { buildFfmpegArgs, buildSourceUrl, rtspDemuxerOptions, DEFAULT_SOCKET_TIMEOUT_MS, type FfmpegVersion } from './ffmpeg-args.js';
export { buildFfconcat, quoteFfconcatToken, RTSP_PROTOCOL_WHITELIST, FFCONCAT_OPTION_MIN_VERSION } from './ffconcat.js';
export { restartDelayMs } from './backoff.js';
export { agentPauseMs } from './agent-pause.js';
export { StallWatchdog } from './stall-watchdog.js';
export { RestartSchedule } from './restart-schedule.js';
export { listFfmpegDecoders, probeFfmpeg, resolveFfmpegPath, runFfmpeg, captureFfmpeg, captureFailure } from './ffmpeg-run.js';
export { FfmpegProcess, DEFAULT_KILL_GRACE_MS, type FfmpegExit } from './ffmpeg-process.js';
export { analysisSchema, sourceSchema } from './options.js';
export { formatSourceError, type SourceError } from './source-error.js';
export { ReplaySource } from './replay-source.js';
export { classifyStderr } from './stderr-classifier.js';
export { StreamInfoParser } from './stream-info.js';
export { fileFps } from './file-fps.js';
export { skipsNonReferenceFrames } from './skip-nonref.js';
