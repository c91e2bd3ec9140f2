import { z } from 'zod';
import { sourceSchema } from '../frames/index.js';

/**
 * The clips stage's options as zod pieces it owns (config/schema.ts composes them, like the frames stage's):
 * `cameras[].clips` (the pre-roll ring and the clip window of one camera) and the top-level `clips` (where
 * clips go: the store's clip quota and the optional HTTP upload).
 */

/** Segment length of the ring (s): a clip starts at most this much before `preSeconds` asks (keyframe cut). */
export const DEFAULT_RING_SEGMENT_SECONDS = 2;
/** Seconds the ring keeps beyond `preSeconds`: the segment being written plus one closed late. */
export const DEFAULT_RING_MARGIN_SECONDS = 6;
/** Ring size budget per camera when `maxBitrateKbps` is not given: 8 Mbit/s, a 1080p main stream's usual cap. */
export const DEFAULT_CLIP_MAX_BITRATE_KBPS = 8_000;
/** Clip evidence kept in agent.dataDir (bytes): ~1,000 clips of 20 s of a 1 Mbit/s stream. */
export const DEFAULT_CLIP_MAX_STORE_BYTES = 4 * 1024 ** 3;

/** `cameras[].clips`: a pre-roll ring of the camera's stream and a clip cut around every incident. */
export const cameraClipsSchema = z
  .strictObject({
    enabled: z.boolean().default(false).describe('Keep a pre-roll ring of this camera\'s stream (stream copy, never re-encoded) and cut an MP4 clip around every incident (by stream copy unless maskPrivacy)'),
    preSeconds: z.number().min(0).max(120).default(10).describe('Seconds of video before the incident started (rounded out to a keyframe)'),
    postSeconds: z.number().min(0).max(120).default(10).describe('Seconds of video after the incident ended'),
    maxSeconds: z.number().min(4).max(600).default(120).describe('Longest clip (s): an incident still open at this length is cut here'),
    maxBitrateKbps: z
      .number()
      .int()
      .min(64)
      .max(100_000)
      .default(DEFAULT_CLIP_MAX_BITRATE_KBPS)
      .describe('Highest bitrate the clip source sends (kbit/s): sizes the ring\'s disk budget, checked against free space at start-up'),
    maskPrivacy: z
      .boolean()
      .default(false)
      .describe('Re-encode every clip of this camera (libx264 veryfast, CRF 23) with its privacy.masks blacked out: costs CPU per clip (docs/operations.md). Off, or no masks: clips are stream copies and are NOT masked. Face/plate blur never applies to clips'),
    source: sourceSchema
      .optional()
      .describe('Stream the ring records, usually the camera\'s main stream (onvif.mainStreamUri): same form as `source`; a url without username/password fields uses the camera source\'s. Absent: the analysis source'),
  })
  .prefault({})
  .describe('Evidence clips of this camera (off by default)');

/** `clips.upload`: HTTP(S) upload of every clip (an S3-style presigned PUT in mind). */
export const clipUploadSchema = z
  .strictObject({
    urlTemplate: z
      .string()
      .regex(/^https?:\/\//i, 'expected an http:// or https:// URL')
      .describe('Where each clip is sent; {agentId}, {cameraId}, {incidentId} are replaced (URL-encoded). The query string is never logged (presigned signatures are secrets)'),
    method: z.enum(['PUT', 'POST']).default('PUT').describe('HTTP method'),
    headers: z.record(z.string(), z.string()).default({}).describe('Extra request headers (e.g. Authorization); never logged'),
    timeoutSeconds: z.number().min(1).max(3600).default(120).describe('One upload attempt fails after this long'),
  })
  .describe('Upload every clip to an HTTP(S) endpoint, retried with backoff until it succeeds');

/** Top-level `clips`: the clip store's quota and the optional upload. */
export const clipsSchema = z
  .strictObject({
    maxStoreBytes: z
      .number()
      .int()
      .min(1024 ** 2)
      .default(DEFAULT_CLIP_MAX_STORE_BYTES)
      .describe('Clip bytes kept in agent.dataDir/clips: over it, the oldest clips go first (uploaded ones before the others); incident records stay'),
    ringDir: z
      .string()
      .min(1)
      .optional()
      .describe('Folder of the pre-roll rings (a folder per camera below it); relative to the config file. Put it on a tmpfs (e.g. /dev/shm/camwatch-ring) to keep the rings in memory and spare the eMMC ~20 GB of writes a day per 2 Mbit/s camera. Default: <agent.dataDir>/clips/ring'),
    upload: clipUploadSchema.optional(),
  })
  .prefault({})
  .describe('Where evidence clips go (cameras[].clips turns them on per camera)');

/** A camera's clip settings (parsed: defaults applied). */
export type CameraClipsOptions = z.output<typeof cameraClipsSchema>;
/** The clip upload settings (parsed). */
export type ClipUploadOptions = z.output<typeof clipUploadSchema>;
/** The top-level clip settings (parsed). */
export type ClipsOptions = z.output<typeof clipsSchema>;
