import type { SourceError } from './source-error.js';

/** A decoded analysis frame: RGB24, interleaved, `width * height * 3` bytes. */
export interface Frame {
  cameraId: string;
  /** Increases by one per frame delivered by the decoder (gaps = frames dropped as stale). */
  seq: number;
  /** Wall-clock time the frame was read from ffmpeg (epoch ms): the time base of tracks and incidents. */
  capturedAtMs: number;
  width: number;
  height: number;
  data: Buffer;
}

export type SourceState = 'connecting' | 'online' | 'stalled' | 'down' | 'stopped';

export interface SourceStateChange {
  cameraId: string;
  state: SourceState;
  /** Why the source is not online (set with down / stalled, and `end of file` with stopped). */
  lastError?: SourceError;
  reconnects: number;
  atMs: number;
}

export interface FrameSourceStats {
  state: SourceState;
  framesDecoded: number;
  /** Frames overwritten before analysis took them: analysis slower than the source. */
  framesDropped: number;
  framesDelivered: number;
  reconnects: number;
  lastError?: SourceError;
  /** Source size as ffmpeg reported it, once known. */
  sourceWidth?: number;
  sourceHeight?: number;
  /** The stream's frame rate as ffmpeg reported it, once known. */
  sourceFps?: number;
  /** Whether the running decoder skips non-reference frames (`analysis.skipNonReferenceFrames`, decided per stream). */
  skipsNonReferenceFrames?: boolean;
}

/**
 * One camera's frames. The decoder runs continuously; `next()` hands out the newest frame not yet
 * taken (older undelivered frames are dropped and counted), so analysis never builds a queue.
 */
export interface FrameSource {
  readonly cameraId: string;
  start(): void;
  /** Resolves with the next fresh frame; resolves null once the source is stopped or the signal aborts. */
  next(signal?: AbortSignal): Promise<Frame | null>;
  /**
   * Non-blocking: a frame newer than the one last returned, if one arrived meanwhile (the older one then
   * counts as dropped). For swapping a frame that went stale while waiting for the detector.
   */
  takeNewer(): Frame | undefined;
  /**
   * Hands back a frame from `next()` that the caller skipped without showing it to anyone (load shedding):
   * its buffer may carry a later frame. Optional; never call it for a frame anything else may still hold.
   */
  release?(frame: Frame): void;
  stats(): FrameSourceStats;
  /** Idempotent; ends the ffmpeg child (SIGTERM, then SIGKILL). */
  stop(): Promise<void>;
}
