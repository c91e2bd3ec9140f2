import type { Logger } from '../core/index.js';
import type { FrameBufferPool } from './buffer-pool.js';
import type { FfmpegArgs } from './ffmpeg-args.js';
import { FfmpegProcess, type FfmpegExit, type FfmpegSpawnError, DEFAULT_STDERR_TAIL_LINES } from './ffmpeg-process.js';
import { classifyStderrLine, type StderrClassification } from './stderr-classifier.js';
import { StreamInfoParser, type StreamInfo } from './stream-info.js';

/**
 * One FfmpegDecoder = one ffmpeg process (owned by ffmpeg-process.ts) = one run of one camera: cuts its
 * stdout into RGB24 frames and reads the frame size, codec and errors from its stderr. Supervision
 * (restarts, watchdog) lives in camera-source.ts.
 */

/**
 * stdout kept before the output frame size is known from stderr (stdout and stderr are separate pipes,
 * so frame bytes can arrive first). ffmpeg prints the output header before its first frame, so a few
 * frames' worth at most is legitimate; more means the header is never coming.
 */
export const MAX_UNSIZED_STDOUT_BYTES = 32 * 1024 * 1024;

export interface RawFrame {
  data: Buffer;
  width: number;
  height: number;
}

/** How a run ended. The exit code is reported but never trusted: ffmpeg exits 0 when an RTSP server dies. */
export interface DecoderExit {
  code: number | null;
  signal: NodeJS.Signals | null;
  /** Frames read from stdout in this run. */
  frames: number;
  /** True when `stop()` (or the exit hook) ended the run. */
  requestedStop: boolean;
  /** The most useful classified stderr line of the run (credential-free). */
  error?: StderrClassification;
  /** ffmpeg could not be started at all (credential-free). */
  spawnError?: FfmpegSpawnError;
  /** Last stderr lines, redacted; for diagnostics at debug level only. */
  stderrTail: string[];
}

export interface FfmpegDecoderOptions {
  cameraId: string;
  args: FfmpegArgs;
  ffmpegPath: string;
  /** Already bound to `{component:'frames', camera}`. */
  logger: Logger;
  /** Values to blank out of anything printed (passwords, also percent-encoded). */
  secrets: string[];
  onFrame: (frame: RawFrame) => void;
  /** Where frame buffers come from (buffers of frames no one saw come back to it); default: a new one per frame. */
  buffers?: FrameBufferPool;
  /**
   * Flow control for offline replay: called after each stdout chunk; a returned promise holds ffmpeg's
   * output (the pipe stops being read, ffmpeg blocks on its write) until it resolves. Live cameras leave
   * it out: a stalled pipe would stall the camera connection.
   */
  backpressure?: () => Promise<void> | undefined;
  onExit: (exit: DecoderExit) => void;
  onStreamInfo?: (info: StreamInfo) => void;
  killGraceMs?: number;
  stderrTailLines?: number;
}

/** The argv of a decoder run: input options, `-i input`, output options, frames to stdout. */
export function decoderArgv(args: FfmpegArgs): string[] {
  return [...args.inputOptions, '-i', args.input, ...args.outputOptions, 'pipe:1'];
}

/** Runs one ffmpeg process and cuts its stdout into RGB24 frames. */
export class FfmpegDecoder {
  private readonly options: FfmpegDecoderOptions;
  private readonly log: Logger;
  private readonly info = new StreamInfoParser();
  private readonly proc: FfmpegProcess;
  private finished = false;
  private error: StderrClassification | undefined;
  private frames = 0;
  private frameBytes = 0;
  private chunks: Buffer[] = [];
  private buffered = 0;

  constructor(options: FfmpegDecoderOptions) {
    this.options = options;
    this.log = options.logger;
    const { args } = options;
    this.proc = new FfmpegProcess({
      ffmpegPath: options.ffmpegPath,
      args: decoderArgv(args),
      // A camera's URL (with its password) is written to ffmpeg's stdin, never put in argv (ffconcat.ts).
      ...(args.stdin !== undefined && { stdin: args.stdin }),
      secrets: options.secrets,
      logger: options.logger,
      stderrTailLines: options.stderrTailLines ?? DEFAULT_STDERR_TAIL_LINES,
      ...(options.killGraceMs !== undefined && { killGraceMs: options.killGraceMs }),
      // Live: never push back on ffmpeg, a stalled pipe would stall the camera connection (dropping happens
      // one level up, in the latest-frame slot). Replay: wait while the consumer is behind.
      onStdout: (chunk) => {
        this.acceptStdout(chunk);
        return this.options.backpressure?.();
      },
      onStderrLine: (line) => this.acceptStderr(line),
      onExit: (exit) => this.finish(exit),
    });
  }

  get pid(): number | undefined {
    return this.proc.pid;
  }

  get framesRead(): number {
    return this.frames;
  }

  stderrTail(): string[] {
    return this.proc.stderrTail();
  }

  start(): void {
    if (this.options.args.credentialsInArgs) warnCredentialsInArgs(this.log);
    this.proc.start();
    this.log.debug({ pid: this.proc.pid, source: this.options.args.label }, 'ffmpeg started');
  }

  /** Ends the run: SIGTERM, then SIGKILL after the grace delay. Resolves once the process is gone. */
  stop(): Promise<void> {
    return this.proc.stop();
  }

  /** Synchronous last resort. */
  killNow(): void {
    this.proc.killNow();
  }

  private acceptStderr(line: string): void {
    this.log.trace({ stderr: line }, 'ffmpeg stderr');
    const classification = classifyStderrLine(line);
    // Keep the first line with a catalogue code (the cause; later lines repeat it), else the latest one.
    if (classification && this.error?.code === undefined) this.error = classification;

    const update = this.info.accept(line);
    if (update) {
      if (update.width !== undefined && update.height !== undefined && this.frameBytes === 0) {
        this.frameBytes = update.width * update.height * 3;
        this.drainFrames();
      }
      this.options.onStreamInfo?.(this.info.current());
    }
  }

  private acceptStdout(chunk: Buffer): void {
    if (this.finished) return;
    this.chunks.push(chunk);
    this.buffered += chunk.length;
    if (this.frameBytes === 0) {
      if (this.buffered > MAX_UNSIZED_STDOUT_BYTES) {
        this.log.warn({ bytes: this.buffered }, 'ffmpeg wrote frames but never printed their size; restarting it');
        this.chunks = [];
        this.buffered = 0;
        this.proc.signal('SIGKILL');
      }
      return;
    }
    this.drainFrames();
  }

  private drainFrames(): void {
    const size = this.frameBytes;
    const { width = 0, height = 0 } = this.info.current();
    while (this.buffered >= size && size > 0) {
      const data = this.options.buffers ? this.options.buffers.take(size) : Buffer.allocUnsafe(size);
      let offset = 0;
      while (offset < size) {
        const head = this.chunks[0]!;
        const n = Math.min(head.length, size - offset);
        head.copy(data, offset, 0, n);
        offset += n;
        if (n === head.length) this.chunks.shift();
        else this.chunks[0] = head.subarray(n);
      }
      this.buffered -= size;
      this.frames++;
      this.options.onFrame({ data, width, height });
    }
  }

  private finish(end: FfmpegExit): void {
    if (this.finished) return;
    this.finished = true;
    this.chunks = [];
    this.buffered = 0;
    const exit: DecoderExit = {
      code: end.code,
      signal: end.signal,
      frames: this.frames,
      requestedStop: end.requestedStop,
      error: this.error,
      ...(end.spawnError && { spawnError: end.spawnError }),
      stderrTail: end.stderrTail,
    };
    if (!end.requestedStop) {
      this.log.debug({ code: end.code, signal: end.signal, frames: this.frames, stderr: exit.stderrTail }, 'ffmpeg ended; last stderr lines');
    }
    this.options.onExit(exit);
  }
}

let credentialsWarned = false;

/** Once per process: ffmpeg < 5.0 gets the camera URL as an argument, readable by every local user. */
export function warnCredentialsInArgs(log: Logger): void {
  if (credentialsWarned) return;
  credentialsWarned = true;
  log.warn(
    'ffmpeg is older than 5.0: camera credentials are passed in its command line, readable by every user of this machine (ps). Install ffmpeg 5.0 or newer.',
  );
}
