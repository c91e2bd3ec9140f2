import { accessSync, constants as fsConstants } from 'node:fs';
import { ChildProcess, execFile } from 'node:child_process';
import { delimiter, join } from 'node:path';
import { Readable, Writable } from 'node:stream';
import ffmpeg from 'fluent-ffmpeg';
import { CamwatchError, type Logger, redactSecrets } from '../core/index.js';
import type { FfmpegArgs, FfmpegVersion } from './ffmpeg-args.js';
import { classifyStderrLine, type StderrClassification } from './stderr-classifier.js';
import { StreamInfoParser, type StreamInfo } from './stream-info.js';

/**
 * The only module that starts ffmpeg. One FfmpegDecoder = one ffmpeg process = one run of one camera;
 * supervision (restarts, watchdog) lives in camera-source.ts.
 *
 * fluent-ffmpeg notes (measured against fluent-ffmpeg 2.1.3):
 * - Its ffmpeg path is a module-global cache (`setFfmpegPath` writes `cache.ffmpegPath` in
 *   lib/capabilities.js) and is read asynchronously after start-up checks, so two binaries cannot be used
 *   at once in one process: `start()` refuses a second path while decoders of another path still run.
 * - It has no version query (its capability helpers parse -formats/-codecs/-encoders/-filters only), so
 *   `probeFfmpeg` runs `ffmpeg -version` with child_process.execFile.
 * - Its 'end'/'error' events are not a reliable end of the process: with a stream output it kills ffmpeg
 *   20 ms after that stream closes and reports "Output stream closed". We pipe with `end: false` and end a
 *   run on the ChildProcess 'close' event (exit + all of stderr read); the process object is the
 *   undocumented `command.ffmpegProc`, set before the 'start' event.
 */

/** SIGTERM → SIGKILL delay: ffmpeg normally exits within ~100 ms of SIGTERM; a wedged one is killed. */
export const DEFAULT_KILL_GRACE_MS = 2_000;
/** stderr lines kept per run (redacted), dumped at debug level when a run fails. */
export const DEFAULT_STDERR_TAIL_LINES = 100;
/**
 * stdout kept before the output frame size is known from stderr (stdout and stderr are separate pipes,
 * so frame bytes can arrive first). ffmpeg prints the output header before its first frame, so a few
 * frames' worth at most is legitimate; more means the header is never coming.
 */
export const MAX_UNSIZED_STDOUT_BYTES = 32 * 1024 * 1024;
const DEFAULT_FFMPEG = 'ffmpeg';

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
  /** ffmpeg could not be started at all (message, credential-free). */
  spawnError?: string;
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

const liveDecoders = new Set<FfmpegDecoder>();
let fluentFfmpegPath: string | undefined;
let exitHookInstalled = false;

/** Runs one ffmpeg process and cuts its stdout into RGB24 frames. */
export class FfmpegDecoder {
  private readonly options: FfmpegDecoderOptions;
  private readonly log: Logger;
  private readonly tail: string[] = [];
  private readonly info = new StreamInfoParser();
  private proc: ChildProcess | undefined;
  private started = false;
  private finished = false;
  private requestedStop = false;
  private killTimer: NodeJS.Timeout | undefined;
  private readonly exited: Promise<void>;
  private resolveExited!: () => void;
  private error: StderrClassification | undefined;
  private frames = 0;
  private frameBytes = 0;
  private chunks: Buffer[] = [];
  private buffered = 0;

  constructor(options: FfmpegDecoderOptions) {
    this.options = options;
    this.log = options.logger;
    this.exited = new Promise((resolve) => (this.resolveExited = resolve));
  }

  get pid(): number | undefined {
    return this.proc?.pid;
  }

  get framesRead(): number {
    return this.frames;
  }

  stderrTail(): string[] {
    return [...this.tail];
  }

  start(): void {
    if (this.started) return;
    this.started = true;
    const { ffmpegPath, args } = this.options;
    if (liveDecoders.size > 0 && fluentFfmpegPath !== undefined && fluentFfmpegPath !== ffmpegPath) {
      throw new Error(`one ffmpeg binary per process: ${fluentFfmpegPath} is in use, cannot also run ${ffmpegPath}`);
    }
    fluentFfmpegPath = ffmpegPath;
    installExitHook();
    liveDecoders.add(this);

    const sink = new Writable({
      // Live: never push back on ffmpeg, a stalled pipe would stall the camera connection (dropping happens
      // one level up, in the latest-frame slot). Replay: wait while the consumer is behind.
      write: (chunk: Buffer, _enc, done) => {
        this.acceptStdout(chunk);
        const wait = this.options.backpressure?.();
        if (wait) wait.then(() => done(), done);
        else done();
      },
    });
    if (args.credentialsInArgs) warnCredentialsInArgs(this.log);
    // A camera's URL (with its password) is written to ffmpeg's stdin, never put in argv: fluent-ffmpeg
    // pipes a stream input into stdin (as `pipe:0`) and ends it, and the concat demuxer reads it to EOF.
    const input = args.stdin === undefined ? args.input : Readable.from([Buffer.from(args.stdin, 'utf8')]);
    const command = ffmpeg({ stdoutLines: this.options.stderrTailLines ?? DEFAULT_STDERR_TAIL_LINES })
      .setFfmpegPath(ffmpegPath)
      .input(input)
      // Spread, not an array: fluent-ffmpeg splits array items at a space ("-vf a b" → 2 args).
      .inputOptions(...args.inputOptions)
      .output(sink, { end: false })
      .outputOptions(...args.outputOptions);

    command.on('start', (commandLine: string) => {
      const proc: unknown = Reflect.get(command, 'ffmpegProc');
      if (!(proc instanceof ChildProcess)) {
        this.finish(null, null, 'fluent-ffmpeg did not expose the ffmpeg process');
        return;
      }
      this.proc = proc;
      proc.once('error', (err) => this.finish(null, null, this.redact(err.message)));
      proc.once('close', (code, signal) => this.finish(code, signal));
      this.log.debug({ pid: proc.pid, source: this.redact(args.label), command: this.redact(commandLine) }, 'ffmpeg started');
      if (this.requestedStop) this.signal('SIGTERM');
    });
    command.on('stderr', (line: string) => this.acceptStderr(line));
    command.on('error', (err: Error) => {
      // Before 'start' this is a failed start-up check or spawn; after it, the 'close' handler reports.
      if (this.proc === undefined) this.finish(null, null, this.redact(err.message));
    });
    command.run();
  }

  /** Ends the run: SIGTERM, then SIGKILL after the grace delay. Resolves once the process is gone. */
  stop(): Promise<void> {
    if (!this.started || this.finished) return Promise.resolve();
    if (!this.requestedStop) {
      this.requestedStop = true;
      this.signal('SIGTERM');
      this.killTimer = setTimeout(() => {
        this.log.debug({ pid: this.pid }, 'ffmpeg ignored SIGTERM; sending SIGKILL');
        this.signal('SIGKILL');
      }, this.options.killGraceMs ?? DEFAULT_KILL_GRACE_MS);
    }
    return this.exited;
  }

  /** Synchronous last resort used when the agent process exits. */
  killNow(): void {
    this.requestedStop = true;
    this.signal('SIGKILL');
  }

  private signal(sig: NodeJS.Signals): void {
    const proc = this.proc;
    if (proc && proc.exitCode === null && proc.signalCode === null) proc.kill(sig);
  }

  private acceptStderr(raw: string): void {
    const line = this.redact(raw);
    if (line.trim() === '') return;
    this.tail.push(line);
    if (this.tail.length > (this.options.stderrTailLines ?? DEFAULT_STDERR_TAIL_LINES)) this.tail.shift();
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
        this.signal('SIGKILL');
      }
      return;
    }
    this.drainFrames();
  }

  private drainFrames(): void {
    const size = this.frameBytes;
    const { width = 0, height = 0 } = this.info.current();
    while (this.buffered >= size && size > 0) {
      const data = Buffer.allocUnsafe(size);
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

  private finish(code: number | null, signal: NodeJS.Signals | null, spawnError?: string): void {
    if (this.finished) return;
    this.finished = true;
    clearTimeout(this.killTimer);
    liveDecoders.delete(this);
    this.chunks = [];
    this.buffered = 0;
    const exit: DecoderExit = {
      code,
      signal,
      frames: this.frames,
      requestedStop: this.requestedStop,
      error: this.error,
      spawnError,
      stderrTail: [...this.tail],
    };
    if (!this.requestedStop) {
      this.log.debug({ code, signal, frames: this.frames, stderr: exit.stderrTail }, 'ffmpeg ended; last stderr lines');
    }
    this.resolveExited();
    this.options.onExit(exit);
  }

  private redact(text: string): string {
    return redactSecrets(text, this.options.secrets);
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

function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  // 'exit' handlers must be synchronous: SIGKILL every ffmpeg still running so none outlives the agent.
  // (A SIGKILLed agent cannot run this; its ffmpeg children die of EPIPE at their next frame write.)
  process.once('exit', () => {
    for (const decoder of liveDecoders) decoder.killNow();
  });
}

/**
 * The ffmpeg binary to use: `ffmpegPath`, else $FFMPEG_PATH, else `ffmpeg` on $PATH. Throws
 * FFMPEG_MISSING when it is not an executable file. Synchronous so a FrameSource fails at creation.
 */
export function resolveFfmpegPath(ffmpegPath?: string): string {
  const wanted = ffmpegPath ?? process.env.FFMPEG_PATH ?? DEFAULT_FFMPEG;
  const candidates = wanted.includes('/')
    ? [wanted]
    : (process.env.PATH ?? '').split(delimiter).filter(Boolean).map((dir) => join(dir, wanted));
  for (const candidate of candidates) {
    try {
      accessSync(candidate, fsConstants.X_OK);
      return candidate;
    } catch {
      // try the next PATH entry
    }
  }
  throw new CamwatchError('FFMPEG_MISSING', `ffmpeg not found: ${wanted}`, { details: { ffmpegPath: wanted } });
}

const versionCache = new Map<string, Promise<FfmpegVersion>>();

/** `ffmpeg -version`, once per binary. Rejects with FFMPEG_MISSING when it cannot be run. */
export function probeFfmpeg(ffmpegPath: string): Promise<FfmpegVersion> {
  let pending = versionCache.get(ffmpegPath);
  if (!pending) {
    pending = new Promise<FfmpegVersion>((resolve, reject) => {
      execFile(ffmpegPath, ['-hide_banner', '-version'], { timeout: 10_000 }, (err, stdout) => {
        if (err) {
          versionCache.delete(ffmpegPath);
          reject(new CamwatchError('FFMPEG_MISSING', `cannot run ${ffmpegPath} -version: ${err.message}`, { cause: err }));
          return;
        }
        resolve(parseFfmpegVersion(stdout));
      });
    });
    versionCache.set(ffmpegPath, pending);
  }
  return pending;
}

/** Last stderr lines kept from a one-shot render, for its error message. */
const RENDER_STDERR_CHARS = 2_000;

/**
 * One-shot ffmpeg run that writes a file (the eval harness renders derived clips with it): `args` after
 * the binary, as ffmpeg takes them. Resolves when ffmpeg exits 0; rejects with the end of its stderr
 * otherwise. Not supervised: it reads files and ends.
 */
export function runFfmpeg(ffmpegPath: string, args: readonly string[], options: { timeoutMs?: number } = {}): Promise<void> {
  return new Promise((resolve, reject) => {
    execFile(
      ffmpegPath,
      ['-hide_banner', '-nostdin', '-loglevel', 'error', ...args],
      { timeout: options.timeoutMs ?? 600_000, maxBuffer: 16 * 1024 * 1024 },
      (err, _stdout, stderr) => {
        if (!err) return resolve();
        const tail = String(stderr).trim().slice(-RENDER_STDERR_CHARS);
        reject(new Error(`ffmpeg failed (${err.code ?? err.signal ?? err.message})${tail ? `: ${tail}` : ''}`, { cause: err }));
      },
    );
  });
}

/**
 * `ffmpeg version 5.1.9-0+deb12u1 ...` → 5.1; `n6.0` → 6.0. Git builds (`N-112345-g…`) and unknown
 * words count as new (99.0): recent option names are the safer guess for a self-built ffmpeg.
 */
export function parseFfmpegVersion(text: string): FfmpegVersion {
  const word = /ffmpeg version (\S+)/.exec(text)?.[1] ?? 'unknown';
  const m = /^n?(\d+)\.(\d+)/.exec(word);
  if (!m) return { major: 99, minor: 0, raw: word };
  return { major: Number(m[1]), minor: Number(m[2]), raw: word };
}
