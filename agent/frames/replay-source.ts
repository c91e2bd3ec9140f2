import { type Logger, CamwatchError } from '../core/index.js';
import { buildFfmpegArgs } from './ffmpeg-args.js';
import { FfmpegDecoder, type DecoderExit, type RawFrame } from './ffmpeg-decoder.js';
import { probeFfmpeg, resolveFfmpegPath } from './ffmpeg-run.js';
import { fileFps } from './file-fps.js';
import { skipsNonReferenceFrames } from './skip-nonref.js';
import { describeExit } from './camera-source.js';
import type { FrameCameraOptions } from './options.js';
import { formatSourceError, type SourceError } from './source-error.js';
import type { Frame, FrameSource, FrameSourceStats, SourceState, SourceStateChange } from './types.js';

/** Decoded frames held before ffmpeg is paused: two at 640x360 RGB are ~1.4 MB. */
export const DEFAULT_REPLAY_QUEUE_FRAMES = 2;

export interface ReplaySourceOptions {
  /** The camera whose `analysis` settings (fps, width, decoder options) apply; its `source` is ignored. */
  camera: FrameCameraOptions;
  /** The video file. */
  filePath: string;
  /** Epoch ms of the video's first frame: frame i is at startMs + i / analysis.fps s. */
  startMs: number;
  logger: Logger;
  onState?: (change: SourceStateChange) => void;
  ffmpegPath?: string;
  /**
   * Lockstep: the next frame is handed out only after `frameDone()` was called for the previous one, so
   * every frame sees the tracks of the one before it whatever the machine's load (deterministic results).
   */
  lockstep?: boolean;
  /** Called with each frame as it is handed out (eval moves its video clock here). */
  onFrameOut?: (frame: Frame) => void;
}

/**
 * A video file replayed as fast as the consumer takes it, with no frame dropped and times from the video
 * (frame index at the analysis fps), not the wall clock: the source of `camwatch eval`. It decodes with the
 * same ffmpeg options as a live camera (buildFfmpegArgs at speed 0) and pauses ffmpeg while the consumer
 * is behind. Not supervised: the end of the file ends it, a decoder error is thrown from next().
 */
export class ReplaySource implements FrameSource {
  readonly cameraId: string;
  private readonly options: ReplaySourceOptions;
  private readonly queue: Frame[] = [];
  private decoder?: FfmpegDecoder;
  private state: SourceState = 'stopped';
  private framesDecoded = 0;
  private framesDelivered = 0;
  private ended = false;
  private error?: Error;
  private awaitingDone = false;
  private wake?: () => void;
  private resume?: () => void;
  private stopping?: Promise<void>;
  private sourceSize: { sourceWidth?: number; sourceHeight?: number } = {};

  constructor(options: ReplaySourceOptions) {
    this.options = options;
    this.cameraId = options.camera.id;
  }

  /** Time of frame `index` (0-based) in epoch ms. */
  frameTimeMs(index: number): number {
    return this.options.startMs + Math.round((index * 1000) / this.options.camera.analysis.fps);
  }

  start(): void {
    if (this.state !== 'stopped' || this.stopping) return;
    this.setState('connecting', this.options.startMs);
    void this.launch().catch((err: unknown) => this.fail(err instanceof Error ? err : new Error(String(err))));
  }

  async next(signal?: AbortSignal): Promise<Frame | null> {
    for (;;) {
      if (signal?.aborted || this.stopping) return null;
      if (!(this.options.lockstep && this.awaitingDone)) {
        const frame = this.queue.shift();
        if (frame) {
          this.framesDelivered++;
          this.awaitingDone = true;
          this.resume?.();
          this.resume = undefined;
          this.options.onFrameOut?.(frame);
          return frame;
        }
        if (this.error) throw this.error;
        if (this.ended) {
          // Reported once the last frame was taken, so camera_down hears "stopped" after the footage, not during it.
          if (this.state !== 'stopped') this.setState('stopped', this.frameTimeMs(this.framesDecoded), { message: 'end of file' });
          return null;
        }
      }
      await new Promise<void>((resolve) => {
        const onAbort = () => resolve();
        this.wake = () => {
          signal?.removeEventListener('abort', onAbort);
          resolve();
        };
        signal?.addEventListener('abort', onAbort, { once: true });
      });
    }
  }

  /** The consumer has finished with the last frame handed out (lockstep mode). */
  frameDone(): void {
    this.awaitingDone = false;
    this.poke();
  }

  /** A replay never swaps a frame for a newer one: every frame is analysed. */
  takeNewer(): Frame | undefined {
    return undefined;
  }

  stats(): FrameSourceStats {
    return {
      state: this.state,
      framesDecoded: this.framesDecoded,
      framesDropped: 0,
      framesDelivered: this.framesDelivered,
      reconnects: 0,
      ...(this.error && { lastError: { message: this.error.message } }),
      ...this.sourceSize,
    };
  }

  stop(): Promise<void> {
    this.stopping ??= (async () => {
      this.resume?.();
      await this.decoder?.stop();
      this.poke();
      if (this.state !== 'stopped') this.setState('stopped', this.frameTimeMs(this.framesDecoded));
    })();
    return this.stopping;
  }

  private async launch(): Promise<void> {
    const { camera } = this.options;
    const ffmpegPath = resolveFfmpegPath(this.options.ffmpegPath);
    const version = await probeFfmpeg(ffmpegPath);
    if (this.stopping) return;
    // A file's rate is read before decoding (frame i is at i / fps: a run cannot restart once frames came out).
    const sourceFps = camera.analysis.skipNonReferenceFrames === 'auto' ? await fileFps(ffmpegPath, this.options.filePath) : undefined;
    if (this.stopping) return;
    const args = buildFfmpegArgs({
      source: { file: this.options.filePath, loop: false, speed: 0 },
      filePath: this.options.filePath,
      fps: camera.analysis.fps,
      width: camera.analysis.width,
      hwaccel: camera.analysis.hwaccel,
      version,
      decoderThreads: camera.analysis.decoderThreads,
      skipNonReferenceFrames: skipsNonReferenceFrames(camera.analysis.skipNonReferenceFrames, sourceFps, camera.analysis.fps),
      fastDecode: camera.analysis.fastDecode,
    });
    this.decoder = new FfmpegDecoder({
      cameraId: camera.id,
      args,
      ffmpegPath,
      logger: this.options.logger,
      secrets: [],
      onFrame: (raw) => this.onFrame(raw),
      backpressure: () => (this.queue.length >= DEFAULT_REPLAY_QUEUE_FRAMES ? new Promise<void>((resolve) => (this.resume = resolve)) : undefined),
      onExit: (exit) => this.onExit(exit),
      onStreamInfo: (info) => {
        this.sourceSize = { sourceWidth: info.sourceWidth, sourceHeight: info.sourceHeight };
      },
    });
    this.decoder.start();
  }

  private onFrame(raw: RawFrame): void {
    const capturedAtMs = this.frameTimeMs(this.framesDecoded);
    this.framesDecoded++;
    if (this.state !== 'online') this.setState('online', capturedAtMs);
    this.queue.push({ cameraId: this.cameraId, seq: this.framesDecoded, capturedAtMs, width: raw.width, height: raw.height, data: raw.data });
    this.poke();
  }

  private onExit(exit: DecoderExit): void {
    if (this.stopping) return;
    const failed = exit.spawnError !== undefined || exit.frames === 0 || (exit.code !== 0 && !exit.requestedStop);
    if (failed) {
      this.fail(new CamwatchError('SOURCE_INVALID', `cannot decode ${this.options.filePath}: ${formatSourceError(describeExit(exit))}`, { details: { path: this.options.filePath } }));
      return;
    }
    this.ended = true;
    this.poke();
  }

  private fail(err: Error): void {
    this.error = err;
    // The text as before (no code prefix); the error itself is thrown from next().
    this.setState('down', this.frameTimeMs(this.framesDecoded), { message: err.message });
    this.poke();
  }

  private poke(): void {
    const wake = this.wake;
    this.wake = undefined;
    wake?.();
  }

  private setState(state: SourceState, atMs: number, lastError?: SourceError): void {
    this.state = state;
    this.options.onState?.({ cameraId: this.cameraId, state, reconnects: 0, atMs, ...(lastError !== undefined && { lastError }) });
  }
}
