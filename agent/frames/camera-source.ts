import type { Logger } from '../core/index.js';
import type { BackoffOptions } from './backoff.js';
import { buildFfmpegArgs, type HwAccel } from './ffmpeg-args.js';
import { FfmpegDecoder, type DecoderExit, type RawFrame } from './ffmpeg-decoder.js';
import { probeFfmpeg } from './ffmpeg-run.js';
import { formatSourceError, type SourceError } from './source-error.js';
import { FrameBufferPool } from './buffer-pool.js';
import { skipsNonReferenceFrames } from './skip-nonref.js';
import { LatestFrameSlot } from './latest-frame-slot.js';
import { RestartSchedule } from './restart-schedule.js';
import { StallWatchdog } from './stall-watchdog.js';
import type { FrameCameraOptions } from './options.js';
import type { StreamInfo } from './stream-info.js';
import type { Frame, FrameSource, FrameSourceStats, SourceState, SourceStateChange } from './types.js';

export interface CameraSourceOptions {
  camera: FrameCameraOptions;
  /** Bound to `{component:'frames', camera}`. */
  logger: Logger;
  onState?: (change: SourceStateChange) => void;
  password?: string;
  /** File sources: the resolved path. */
  filePath?: string;
  ffmpegPath: string;
  hwaccel?: HwAccel;
  backoff: BackoffOptions;
  killGraceMs?: number;
  socketTimeoutMs?: number;
  random?: () => number;
}

/** One ffmpeg run and what the supervisor knows about it. */
interface Run {
  decoder: FfmpegDecoder;
  frames: number;
  hwaccel: HwAccel | undefined;
  /** The watchdog ended this run (state already reported). */
  stalled: boolean;
  /** Whether this run's ffmpeg skips non-reference frames (skip-nonref.ts). */
  skipsNonReference: boolean;
  /** Stopped on purpose to start again with other decoder options (the stream's rate said so): not a failure. */
  relaunching?: boolean;
}

/**
 * A supervised camera: keeps one ffmpeg running, restarts it when it exits or when no frame arrives for
 * `analysis.stallSeconds` (restart delays from backoff.ts), and reports
 * connecting → online → stalled/down → connecting … → stopped.
 * Everything it owns is per camera, so a failing camera cannot slow or stop another.
 */
export class CameraSource implements FrameSource {
  readonly cameraId: string;
  private readonly options: CameraSourceOptions;
  private readonly log: Logger;
  /** Buffers of frames no one saw (overwritten in the slot, or released by load shedding), for the next frames. */
  private readonly buffers = new FrameBufferPool();
  private readonly slot = new LatestFrameSlot((frame) => this.buffers.give(frame.data));
  private readonly secrets: string[];
  private state: SourceState = 'stopped';
  private lastError: SourceError | undefined;
  private started = false;
  private stopping: Promise<void> | undefined;
  private run: Run | undefined;
  private readonly watchdog: StallWatchdog;
  private readonly restarts: RestartSchedule;
  private reconnects = 0;
  private framesDecoded = 0;
  private hwaccelFailed = false;
  private streamInfo: StreamInfo = {};

  constructor(options: CameraSourceOptions) {
    this.options = options;
    this.cameraId = options.camera.id;
    this.log = options.logger;
    this.secrets = secretsOf(options);
    // The agent was not running (SIGSTOP, frozen VM): the camera's frames of that time wait unread in
    // ffmpeg's pipe and are read right after the timer. The camera gets a fresh window, not a stall.
    this.restarts = new RestartSchedule(options.backoff, options.random);
    this.watchdog = new StallWatchdog(options.camera.analysis.stallSeconds * 1000, (pausedMs) =>
      this.log.info({ pausedMs: Math.round(pausedMs) }, 'agent was paused; not counted against the camera'),
    );
  }

  start(): void {
    if (this.started || this.stopping) return;
    this.started = true;
    void this.launch();
  }

  next(signal?: AbortSignal): Promise<Frame | null> {
    return this.slot.take(signal);
  }

  takeNewer(): Frame | undefined {
    return this.slot.takeNewer();
  }

  release(frame: Frame): void {
    this.buffers.give(frame.data);
  }

  stats(): FrameSourceStats {
    return {
      state: this.state,
      framesDecoded: this.framesDecoded,
      framesDropped: this.slot.framesDropped,
      framesDelivered: this.slot.framesDelivered,
      reconnects: this.reconnects,
      lastError: this.lastError,
      sourceWidth: this.streamInfo.sourceWidth,
      sourceHeight: this.streamInfo.sourceHeight,
      ...(this.streamInfo.sourceFps !== undefined && { sourceFps: this.streamInfo.sourceFps }),
      ...(this.run !== undefined && { skipsNonReferenceFrames: this.run.skipsNonReference }),
    };
  }

  /** The current run's ffmpeg pid (tests use it to check that no process is left behind). */
  get decoderPid(): number | undefined {
    return this.run?.decoder.pid;
  }

  stop(): Promise<void> {
    this.stopping ??= (async () => {
      this.restarts.clear();
      this.watchdog.clear();
      this.slot.close();
      const run = this.run;
      this.run = undefined;
      await run?.decoder.stop();
      this.setState('stopped');
    })();
    return this.stopping;
  }

  private async launch(): Promise<void> {
    const { camera } = this.options;
    this.setState('connecting');
    let version;
    try {
      version = await probeFfmpeg(this.options.ffmpegPath);
    } catch (err) {
      if (this.stopping) return;
      this.fail('down', { code: 'FFMPEG_MISSING', message: err instanceof Error ? err.message : '' });
      return;
    }
    if (this.stopping) return;

    const hwaccel = this.hwaccelFailed ? undefined : this.options.hwaccel;
    const skipsNonReference = skipsNonReferenceFrames(camera.analysis.skipNonReferenceFrames, this.knownSourceFps(), camera.analysis.fps);
    const args = buildFfmpegArgs({
      source: camera.source,
      filePath: this.options.filePath,
      fps: camera.analysis.fps,
      width: camera.analysis.width,
      password: this.options.password,
      hwaccel,
      inputCodec: this.streamInfo.codec,
      version,
      socketTimeoutMs: this.options.socketTimeoutMs,
      decoderThreads: camera.analysis.decoderThreads,
      skipNonReferenceFrames: skipsNonReference,
      fastDecode: camera.analysis.fastDecode,
    });
    const run: Run = {
      hwaccel,
      frames: 0,
      stalled: false,
      skipsNonReference,
      decoder: new FfmpegDecoder({
        cameraId: camera.id,
        args,
        ffmpegPath: this.options.ffmpegPath,
        logger: this.log,
        secrets: this.secrets,
        killGraceMs: this.options.killGraceMs,
        buffers: this.buffers,
        onFrame: (frame) => this.onFrame(run, frame),
        onExit: (exit) => this.onExit(run, exit),
        onStreamInfo: (info) => {
          if (run !== this.run) return;
          this.streamInfo = { ...this.streamInfo, ...info };
          this.relaunchIfRateSaysOtherwise(run);
        },
      }),
    };
    this.run = run;
    this.armWatchdog(run);
    try {
      run.decoder.start();
    } catch (err) {
      this.run = undefined;
      this.watchdog.clear();
      this.fail('down', { message: `ffmpeg could not be started: ${err instanceof Error ? err.message : String(err)}` });
    }
  }

  /**
   * `skipNonReferenceFrames: auto` started this run before the stream's rate was known; once ffmpeg's header
   * gives it, a run that decided otherwise starts again with the right options (before its first frame: the
   * header comes first). The next runs decide from the known rate, so this happens once per camera start.
   */
  private relaunchIfRateSaysOtherwise(run: Run): void {
    const { analysis } = this.options.camera;
    const fps = this.knownSourceFps();
    if (fps === undefined || run.relaunching || skipsNonReferenceFrames(analysis.skipNonReferenceFrames, fps, analysis.fps) === run.skipsNonReference) return;
    run.relaunching = true;
    this.log.info({ sourceFps: fps, analysisFps: analysis.fps, skipNonReferenceFrames: !run.skipsNonReference }, 'restarting ffmpeg with the decoder options the stream rate allows');
    void run.decoder.stop();
  }

  /** The stream's rate once ffmpeg's header was read (0 when it states none: not known to be fast enough); undefined before. */
  private knownSourceFps(): number | undefined {
    return this.streamInfo.codec === undefined ? undefined : (this.streamInfo.sourceFps ?? 0);
  }

  private onFrame(run: Run, raw: RawFrame): void {
    if (run !== this.run || run.stalled) return;
    run.frames++;
    this.framesDecoded++;
    this.armWatchdog(run);
    if (this.state !== 'online') {
      // A frame proves the camera and the options work: the next failure starts from the shortest delay.
      this.restarts.succeeded();
      this.setState('online');
    }
    this.slot.put({
      cameraId: this.cameraId,
      seq: this.framesDecoded,
      capturedAtMs: Date.now(),
      width: raw.width,
      height: raw.height,
      data: raw.data,
    });
  }

  private armWatchdog(run: Run): void {
    this.watchdog.arm(() => {
      if (run !== this.run || this.stopping) return;
      run.stalled = true;
      const seconds = this.options.camera.analysis.stallSeconds;
      if (run.frames > 0) this.setState('stalled', { code: 'CAMERA_STALLED', message: `no frame for ${seconds} s` });
      else this.setState('down', { code: 'CAMERA_STALLED', message: `no frame within ${seconds} s of connecting` });
      // The restart is scheduled when the process has gone (onExit), so two never overlap.
      void run.decoder.stop();
    });
  }

  private onExit(run: Run, exit: DecoderExit): void {
    if (run !== this.run || this.stopping) return;
    this.watchdog.clear();
    this.run = undefined;

    if (run.stalled) {
      this.scheduleRestart();
      return;
    }
    if (run.relaunching) {
      void this.launch();
      return;
    }
    const cameraFault = exit.error?.code !== undefined && exit.error.kind !== 'hwaccel';
    if (run.hwaccel !== undefined && exit.frames === 0 && !cameraFault) {
      // Device missing or unusable (no /dev/dri, no libcuda...): decode in software from now on.
      this.hwaccelFailed = true;
      this.log.warn({ hwaccel: run.hwaccel, reason: exit.error?.message }, 'hardware decoding failed to start; using software decoding');
      void this.launch();
      return;
    }
    const source = this.options.camera.source;
    if ('file' in source && !source.loop && exit.frames > 0 && exit.error?.code === undefined) {
      this.slot.close();
      this.setState('stopped', { message: 'end of file' });
      return;
    }
    this.fail('down', describeExit(exit));
  }

  private fail(state: 'down' | 'stalled', error: SourceError): void {
    this.setState(state, error);
    this.scheduleRestart();
  }

  private scheduleRestart(): void {
    const delayMs = this.restarts.schedule(() => {
      if (this.stopping) return;
      this.reconnects++;
      void this.launch();
    });
    this.log.debug({ delayMs, failures: this.restarts.failures }, 'restarting ffmpeg after delay');
  }

  private setState(state: SourceState, error?: SourceError): void {
    if (error !== undefined) this.lastError = error;
    if (state === this.state && error === undefined) return;
    this.state = state;
    const change: SourceStateChange = {
      cameraId: this.cameraId,
      state,
      lastError: error,
      reconnects: this.reconnects,
      atMs: Date.now(),
    };
    const fields = { state, reconnects: this.reconnects, lastError: error && formatSourceError(error) };
    if (state === 'down' || state === 'stalled') this.log.warn(fields, 'camera source state');
    else this.log.info(fields, 'camera source state');
    try {
      this.options.onState?.(change);
    } catch (err) {
      // A broken listener must not break supervision.
      this.log.error({ err }, 'onState listener threw');
    }
  }
}

/** A short, credential-free reason for a run that ended on its own. */
export function describeExit(exit: DecoderExit): SourceError {
  if (exit.spawnError !== undefined) {
    const { code, message } = exit.spawnError;
    return { ...(code !== undefined && { code }), message: `ffmpeg could not be started: ${message}` };
  }
  if (exit.error) {
    const { code, message } = exit.error;
    return { ...(code !== undefined && { code }), message };
  }
  const how = exit.signal ? `signal ${exit.signal}` : `code ${exit.code ?? '?'}`;
  // Exit code 0 is common here: ffmpeg treats a vanished RTSP server as the end of the stream.
  return { message: exit.frames > 0 ? `stream ended after ${exit.frames} frames (ffmpeg exited, ${how})` : `ffmpeg exited before the first frame (${how})` };
}

/** Every form a camera password can take in ffmpeg output: as configured, inline in the URL, percent-encoded. */
function secretsOf(options: CameraSourceOptions): string[] {
  const source = options.camera.source;
  const found = new Set<string>();
  const add = (value: string | undefined): void => {
    if (value) [value, encodeURIComponent(value)].forEach((v) => found.add(v));
  };
  add(options.password);
  if ('url' in source) {
    add(source.password);
    try {
      const inline = new URL(source.url).password;
      add(inline);
      add(decodeURIComponent(inline));
    } catch {
      // validated before; nothing inline to hide
    }
  }
  return [...found];
}
