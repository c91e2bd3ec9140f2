import sharp from 'sharp';
import type { CameraConfig, LoadedConfig } from '../config/index.js';
import { clipSource } from '../clips/index.js';
import type { Box, Logger, RgbImage } from '../core/index.js';
import { createFrameSource } from '../frames/index.js';
import { privateFrame, renderSnapshot, type IncidentRecord } from '../incidents/index.js';
import type { StillPrivacy } from '../privacy/index.js';

/**
 * The main stream is decoded at most this wide (the analysis width's schema cap); a wider stream (4K) is scaled
 * down to it, a narrower one is kept at its own width.
 */
export const FULL_STILL_MAX_WIDTH = 1920;

/** One frame of the camera's main stream, fetched on demand: a short-lived ffmpeg, never a second continuous decode. */
export interface FullStillSource {
  /** One frame within `timeoutMs`; undefined when none came in time or `signal` aborted (the camera stops). */
  grab(timeoutMs: number, signal?: AbortSignal): Promise<RgbImage | undefined>;
}

/**
 * The main stream a full-resolution still is taken from: the clips' `clips.source` when clips are on and it is
 * a URL (the stream the operator chose for evidence, with its own login or the camera's), else
 * `onvif.mainStreamUri` with the source's username, password and transport.
 */
function mainStream(camera: CameraConfig, loaded: LoadedConfig): { source: CameraConfig['source']; password?: string } | undefined {
  const passwords = { camera: loaded.secrets.cameraPasswords[camera.id], clips: loaded.secrets.clipPasswords?.[camera.id] };
  if (camera.clips.enabled && camera.clips.source !== undefined && 'url' in camera.clips.source) return clipSource(camera, passwords);
  const uri = camera.onvif?.mainStreamUri;
  if (uri === undefined || !('url' in camera.source)) return undefined;
  return { source: { ...camera.source, url: uri }, ...(passwords.camera !== undefined && { password: passwords.camera }) };
}

/**
 * The main-stream grabber of a camera with `stills.fullResolution` (undefined otherwise; see mainStream); the
 * password reaches ffmpeg as the frames stage passes it.
 */
export function fullStillSource(camera: CameraConfig, loaded: LoadedConfig, logger: Logger): FullStillSource | undefined {
  if (!camera.stills.fullResolution || !('url' in camera.source)) return undefined;
  const main = mainStream(camera, loaded);
  if (main === undefined) return undefined;
  const cam = { ...camera, source: main.source, analysis: { ...camera.analysis, width: FULL_STILL_MAX_WIDTH } };
  const { password } = main;
  return {
    async grab(timeoutMs, signal) {
      const source = createFrameSource(cam, { logger, baseDir: loaded.baseDir, ...(password !== undefined && { password }) });
      source.start();
      try {
        const frame = await source.next(signal === undefined ? AbortSignal.timeout(timeoutMs) : AbortSignal.any([AbortSignal.timeout(timeoutMs), signal]));
        if (!frame) return undefined;
        const { sourceWidth, sourceHeight } = source.stats();
        // The decoder scales to FULL_STILL_MAX_WIDTH: a narrower stream comes back to its own size.
        if (sourceWidth !== undefined && sourceHeight !== undefined && sourceWidth < frame.width) {
          const data = await sharp(frame.data, { raw: { width: frame.width, height: frame.height, channels: 3 } }).resize(sourceWidth, sourceHeight, { fit: 'fill' }).raw().toBuffer();
          return { width: sourceWidth, height: sourceHeight, data };
        }
        return { width: frame.width, height: frame.height, data: frame.data };
      } finally {
        await source.stop();
      }
    },
  };
}

/**
 * Adds the full-resolution still to the `new` records that have evidence: one frame for the batch, the incident's
 * box (its normalised bbox) drawn on a copy after the camera's privacy step. A failed or late grab leaves the
 * records as they were: the analysis-size evidence is still there.
 */
export async function attachFullStills(records: IncidentRecord[], source: FullStillSource, privacy: StillPrivacy, timeoutMs: number, log: Logger, signal?: AbortSignal): Promise<IncidentRecord[]> {
  const wanting = records.filter((r) => r.incident.status === 'new' && r.snapshotJpeg !== undefined);
  // A stopping camera takes no more stills: its stop has a 3 s deadline and a grab may take stills.timeoutSeconds.
  const stopping = (): boolean => signal?.aborted === true; // read afresh after each await
  if (wanting.length === 0 || stopping()) return records;
  let frame: RgbImage | undefined;
  const startMs = Date.now();
  try {
    frame = await source.grab(timeoutMs, signal);
  } catch (err) {
    log.warn({ err }, 'full-resolution still not taken; the incident keeps its analysis-size evidence');
    return records;
  }
  if (frame === undefined) {
    if (stopping()) log.info('camera stopping: full-resolution still not taken; the incident keeps its analysis-size evidence');
    else log.warn({ timeoutMs }, 'no frame from the main stream in time; the incident keeps its analysis-size evidence');
    return records;
  }
  // The frame is this much later than the analysed one: a moving object has moved on from its box (logged to see it).
  log.info({ grabMs: Date.now() - startMs, width: frame.width, height: frame.height, incidents: wanting.map((r) => r.incident.id) }, 'full-resolution still taken');
  for (const record of wanting) {
    const [x, y, w, h] = record.incident.bbox;
    const box: Box = { x1: x * frame.width, y1: y * frame.height, x2: (x + w) * frame.width, y2: (y + h) * frame.height };
    // Camera-level (health) incidents cover the frame: no box, and no subject to keep sharp (as hitOverlay).
    const boxes = record.incident.category === 'health' ? [] : [box];
    const shown = await privateFrame(frame, privacy, boxes);
    record.fullJpeg = (await renderSnapshot(shown, { boxes: boxes.map((b) => ({ box: b })) })).jpeg;
  }
  return records;
}
