import { existsSync } from 'node:fs';
import { resolveConfigPath, type CameraConfig } from '../../config/index.js';
import { ERROR_CATALOGUE, type ErrorCode } from '../../core/index.js';
import { probeStream, type StreamProbeResult } from '../stream-probe.js';
import { fail, pass, skip, warn, type CheckResult, type DoctorCheck } from './types.js';

/** Codecs ffmpeg decodes cheaply enough on a small box. */
const CAMERA_CODECS = ['h264', 'hevc'];
/** Wider RTSP streams cost a 2-core box most of a core to decode: the sub-stream is the one to analyse. */
export const DEFAULT_MAX_ANALYSIS_STREAM_WIDTH_PX = 1280;

/** `camera <id>`: the source opens, the credentials work, and a few seconds decode; codec, size and fps reported. */
/** Wait before asking a camera that answered 503 (busy) once more (ms). */
export const DEFAULT_BUSY_RETRY_MS = 1_500;

export function cameraCheck(camera: CameraConfig): DoctorCheck {
  const name = `camera ${camera.id}`;
  return {
    name,
    async run(ctx): Promise<CheckResult> {
      if (!camera.enabled) return skip(name, 'disabled in the config');
      const source = camera.source;
      let filePath: string | undefined;
      if ('file' in source) {
        filePath = resolveConfigPath(ctx.loaded, source.file);
        if (!existsSync(filePath)) {
          return fail(name, `video file ${filePath} does not exist`, 'Fix source.file of this camera (relative paths start at the config file), or run npm run fetch-assets for the demo video.', 'SOURCE_INVALID');
        }
      }
      const password = ctx.loaded.secrets.cameraPasswords[camera.id];
      const label = `camera ${camera.id}: decoding ${ctx.probeSeconds} s`;
      ctx.progress.start(label);
      let probe: StreamProbeResult;
      try {
        const attempt = () =>
          probeStream(source, {
            seconds: ctx.probeSeconds,
            ...(filePath === undefined ? {} : { filePath }),
            ...(password === undefined ? {} : { password }),
            ffmpegPath: ctx.env.FFMPEG_PATH,
            onProgress: (s) => ctx.progress.update(label, s / ctx.probeSeconds),
          });
        probe = await attempt();
        // 503 is "busy" (its session limit is full, often with the agent itself connected): ask once more.
        if (probe.frames === 0 && /\b503\b/.test(probe.error?.message ?? '')) {
          await new Promise((r) => setTimeout(r, DEFAULT_BUSY_RETRY_MS));
          probe = await attempt();
        }
      } catch (err) {
        // Only ffmpeg itself missing gets here; the ffmpeg line says so too.
        return fail(name, (err as Error).message, ERROR_CATALOGUE.FFMPEG_MISSING, 'FFMPEG_MISSING');
      } finally {
        ctx.progress.stop();
      }
      return judgeStream(camera, probe);
    },
  };
}

/** The camera line from a probe: fail without frames, warn on settings that cost CPU or accuracy (pure). */
export function judgeStream(camera: CameraConfig, probe: StreamProbeResult): CheckResult {
  const name = `camera ${camera.id}`;
  if (probe.error !== undefined) {
    const code: ErrorCode | undefined = probe.error.code;
    const fix = code === undefined ? `Run camwatch camera test ${camera.id} for details; check the source in the config.` : ERROR_CATALOGUE[code];
    return fail(name, probe.error.message, fix, code);
  }
  // A file's header is exact; what a camera declares is often a nominal value, what it sends is measured.
  const fps = 'file' in camera.source ? (probe.declaredFps ?? probe.measuredFps) : (probe.measuredFps ?? probe.declaredFps);
  const size = probe.width === undefined ? '?x?' : `${probe.width}x${probe.height ?? '?'}`;
  const detail = `${probe.codec ?? '?'} ${size} @ ${fps ?? '?'} fps, ${probe.frames} frames decoded in ${probe.seconds} s`;
  const { analysis } = camera;
  if (probe.codec !== undefined && !CAMERA_CODECS.includes(probe.codec)) {
    return warn(name, `${detail}; ${probe.codec} costs more CPU than H.264`, 'Switch the camera profile to H.264 (or H.265).');
  }
  if (probe.width !== undefined && probe.width < analysis.width) {
    return warn(name, `${detail}; narrower than analysis.width ${analysis.width}: frames are upscaled`, `Use a larger stream, or set analysis.width to ${probe.width} or less.`);
  }
  if (fps !== undefined && fps < analysis.fps) {
    return warn(name, `${detail}; fewer than analysis.fps ${analysis.fps}`, `Raise the camera's frame rate, or set analysis.fps to ${Math.floor(fps) || 1}.`);
  }
  if ('url' in camera.source && probe.width !== undefined && probe.width > DEFAULT_MAX_ANALYSIS_STREAM_WIDTH_PX) {
    return warn(name, `${detail}; decoding ${probe.width} px wide costs a lot of CPU`, 'Point source.url at the camera sub-stream (camwatch camera add picks it).');
  }
  return pass(name, detail);
}
