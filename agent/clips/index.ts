/**
 * The clips stage: a pre-roll ring per camera (the camera's stream copied, never re-encoded, into short
 * segments on disk) and an MP4 clip cut from it around every incident (stream copy; re-encoded with the
 * privacy masks burned in when the camera's clips.maskPrivacy is on). ffmpeg runs through the frames
 * stage's process owner; a camera URL with its password reaches ffmpeg on stdin, never in argv.
 */
import { join } from 'node:path';
import type { Logger } from '../core/index.js';
import { DEFAULT_BACKOFF, resolveFfmpegPath, validateSource, type SourceOptions } from '../frames/index.js';
import { DEFAULT_RING_MARGIN_SECONDS, DEFAULT_RING_SEGMENT_SECONDS, type CameraClipsOptions } from './options.js';
import { ClipRing } from './ring.js';
import { cameraRingBudgetBytes } from './space.js';

export { cameraClipsSchema, clipsSchema, clipUploadSchema, DEFAULT_CLIP_MAX_STORE_BYTES, DEFAULT_RING_SEGMENT_SECONDS, DEFAULT_RING_MARGIN_SECONDS } from './options.js';
export type { CameraClipsOptions, ClipsOptions, ClipUploadOptions } from './options.js';
export { ClipRing, type RingStats, type RingState } from './ring.js';
export { ClipRecorder, type IncidentClip, type SegmentSource } from './recorder.js';
export { cutClip, probeVideoSize, type ClipMaskRenderer, type CutClip } from './cut.js';
export { buildCutArgs, buildProbeSizeArgs, ffprobeBeside, parseProbeSize } from './cut-args.js';
export { buildRingArgs } from './ring-args.js';
export { checkRingSpace, cameraRingBudgetBytes } from './space.js';
export { clipWindow, clipReady, segmentsCovering, ringKeepFromMs, ringPrunePlan, ringBudgetBytes, parseSegmentListLine, type RingSegment, type ClipWindow } from './window.js';

/** What the clips stage reads of a camera's config entry. */
export interface ClipCameraOptions {
  id: string;
  source: SourceOptions;
  analysis: { stallSeconds: number };
  /** maskPrivacy is the recorder's business (agent/ops picks the mask renderer), not the ring's. */
  clips: Omit<CameraClipsOptions, 'maskPrivacy'>;
}

/**
 * The source a camera's ring records and the password to open it with: `clips.source` (the main stream) when
 * set, else the analysis source. A `clips.source` URL without user or password fields of its own uses the
 * camera source's (a camera's streams share one login), resolved by the config loader.
 */
export function clipSource(camera: ClipCameraOptions, passwords: { camera?: string; clips?: string }): { source: SourceOptions; password?: string } {
  const own = camera.clips.source;
  if (own === undefined) return { source: camera.source, ...(passwords.camera !== undefined && { password: passwords.camera }) };
  if ('file' in own || 'file' in camera.source) return { source: own, ...(passwords.clips !== undefined && { password: passwords.clips }) };
  const hasOwnLogin = own.username !== undefined || passwords.clips !== undefined || /^[a-z]+:\/\/[^/@]*@/i.test(own.url);
  if (hasOwnLogin) return { source: own, ...(passwords.clips !== undefined && { password: passwords.clips }) };
  const source = { ...own, ...(camera.source.username !== undefined && { username: camera.source.username }) };
  const inherited = passwords.camera ?? camera.source.password;
  return { source, ...(inherited !== undefined && { password: inherited }) };
}

/** Where a camera's ring writes, its logger and passwords (see createClipRing). */
export interface CreateClipRingOptions {
  /** `<dataDir>/clips/ring`: the camera's segments go to a folder of its id below. */
  ringDir: string;
  logger: Logger;
  passwords: { camera?: string; clips?: string };
  /** Folder relative file sources are resolved against (the config file's folder). */
  baseDir?: string;
  ffmpegPath?: string;
  onSegment?: ConstructorParameters<typeof ClipRing>[0]['onSegment'];
  killGraceMs?: number;
}

/**
 * Checks a camera's `clips.source` before its ring starts: SOURCE_INVALID naming the field for a missing file
 * or a URL that is not rtsp(s)://host/…. Returns the resolved path of a file source.
 */
export function validateClipSource(camera: ClipCameraOptions, baseDir?: string): string | undefined {
  const own = camera.clips.source;
  return validateSource({ id: camera.id, source: own ?? camera.source }, { ...(baseDir !== undefined && { baseDir }), ...(own !== undefined && { field: `cameras[${camera.id}].clips.source` }) });
}

/** A camera's pre-roll ring (not started). Throws SOURCE_INVALID for a bad `clips.source`, FFMPEG_MISSING when no ffmpeg can be found. */
export function createClipRing(camera: ClipCameraOptions, options: CreateClipRingOptions): ClipRing {
  const filePath = validateClipSource(camera, options.baseDir);
  const { source, password } = clipSource(camera, options.passwords);
  const segmentSeconds = DEFAULT_RING_SEGMENT_SECONDS;
  return new ClipRing({
    cameraId: camera.id,
    source,
    ...(filePath !== undefined && { filePath }),
    ...(password !== undefined && { password }),
    dir: join(options.ringDir, camera.id),
    ffmpegPath: resolveFfmpegPath(options.ffmpegPath),
    keepSeconds: camera.clips.preSeconds + DEFAULT_RING_MARGIN_SECONDS,
    maxBytes: cameraRingBudgetBytes(camera.clips),
    segmentSeconds,
    // A segment closes every segmentSeconds (or every GOP, when longer): three missed ones, or the camera's own stall time.
    stallMs: Math.max(camera.analysis.stallSeconds, 3 * segmentSeconds + 4) * 1000,
    backoff: DEFAULT_BACKOFF,
    logger: options.logger.child({ component: 'clips', camera: camera.id }),
    secrets: secretForms(password),
    ...(options.onSegment !== undefined && { onSegment: options.onSegment }),
    ...(options.killGraceMs !== undefined && { killGraceMs: options.killGraceMs }),
  });
}

/** A password as it may appear in ffmpeg's output: as is and percent-encoded. */
function secretForms(password: string | undefined): string[] {
  return password === undefined ? [] : [...new Set([password, encodeURIComponent(password)])];
}
export { clipUploadUrl, shownUrl } from './upload-url.js';
