import { type ChildProcess, spawn } from 'node:child_process';
import { type ErrorCode, type Logger, redactSecrets } from '../core/index.js';

/**
 * The one owner of ffmpeg child processes: every ffmpeg camwatch starts (a camera's decoder, a file
 * replay, the CLI's stream probe, doctor's and the eval harness's one-shot runs) is spawned here. It
 * writes the secret stdin text, splits stdout/stderr into lines, keeps a redacted stderr ring, stops with
 * SIGTERM → SIGKILL after a grace delay, enforces an optional deadline, and SIGKILLs every ffmpeg still
 * running when the agent process exits.
 *
 * Why not fluent-ffmpeg (used before; deprecated upstream): camwatch builds every ffmpeg argument itself
 * (ffmpeg-args.ts) and used the library only to spawn, to pipe stdin and to split stderr. Its public API
 * gives neither the pid (the credential tests read /proc/<pid>) nor a reliable end of the process (with a
 * stream output it kills ffmpeg 20 ms after that stream closes and reports 'end'/'error' then), so it was
 * used through its private `ffmpegProc` field; its binary path is module-global (one ffmpeg binary per
 * process); it has no `-version` query; the probe and doctor spawned ffmpeg beside it anyway. Measured at
 * this change (lines of code without comments or blanks): decoder + probe + doctor were 457 lines over
 * fluent-ffmpeg's 4,016 (plus async, which, isexe); this module, ffmpeg-run.ts and those three are 564
 * lines and no dependency.
 */

/** SIGTERM → SIGKILL delay: ffmpeg normally exits within ~100 ms of SIGTERM; a wedged one is killed. */
export const DEFAULT_KILL_GRACE_MS = 2_000;
/** stderr lines kept per process (redacted), for diagnostics and for classifying a failure. */
export const DEFAULT_STDERR_TAIL_LINES = 100;

/** Why ffmpeg could not be started (spawn failed); `code` FFMPEG_MISSING when the binary is absent or not executable. */
export interface FfmpegSpawnError {
  code?: ErrorCode;
  /** Credential-free. */
  message: string;
}

/** How an ffmpeg process ended. The exit code is reported, never trusted: ffmpeg exits 0 when an RTSP server dies. */
export interface FfmpegExit {
  code: number | null;
  signal: NodeJS.Signals | null;
  /** True when `stop()` / `killNow()` (or the exit hook) ended it. */
  requestedStop: boolean;
  /** True when the `timeoutMs` deadline killed it. */
  timedOut: boolean;
  spawnError?: FfmpegSpawnError;
  /** Last stderr lines, redacted, oldest first. */
  stderrTail: string[];
}

export interface FfmpegProcessOptions {
  ffmpegPath: string;
  /** Everything after the binary. Never a secret: argv is readable by every local user (ps). */
  args: readonly string[];
  /**
   * Text written to ffmpeg's stdin, which is then closed: how a camera URL with its password reaches
   * ffmpeg (see ffconcat.ts). Secret: never logged. Absent: stdin is /dev/null.
   */
  stdin?: string;
  /** Values blanked out of every stderr line (passwords, also percent-encoded). */
  secrets?: readonly string[];
  /** Debug line on SIGKILL escalation; silent when absent. */
  logger?: Logger;
  /**
   * Raw stdout chunks. A returned promise stops reading stdout (ffmpeg then blocks on its write) until
   * it settles: flow control for offline replay. Exclusive with `onStdoutLine`.
   */
  onStdout?: (chunk: Buffer) => Promise<void> | undefined;
  /** stdout cut into lines (`-progress pipe:1`). */
  onStdoutLine?: (line: string) => void;
  /** Each non-blank stderr line, already redacted. */
  onStderrLine?: (line: string) => void;
  /** Once, after the process is gone and all of its output was read. */
  onExit?: (exit: FfmpegExit) => void;
  killGraceMs?: number;
  stderrTailLines?: number;
  /** Deadline (ms from start): SIGKILL, and the exit says `timedOut`. Absent: none. */
  timeoutMs?: number;
}

const live = new Set<FfmpegProcess>();
let exitHookInstalled = false;

/** One ffmpeg child process, from spawn to its 'close' event. */
export class FfmpegProcess {
  private readonly options: FfmpegProcessOptions;
  private readonly tail: string[] = [];
  private proc: ChildProcess | undefined;
  private started = false;
  private finished = false;
  private requestedStop = false;
  private timedOut = false;
  private killTimer: NodeJS.Timeout | undefined;
  private deadline: NodeJS.Timeout | undefined;
  private readonly exited: Promise<FfmpegExit>;
  private resolveExited!: (exit: FfmpegExit) => void;

  constructor(options: FfmpegProcessOptions) {
    this.options = options;
    this.exited = new Promise((resolve) => (this.resolveExited = resolve));
  }

  get pid(): number | undefined {
    return this.proc?.pid;
  }

  /** Resolves with the exit once the process is gone (also after a failed spawn). */
  get done(): Promise<FfmpegExit> {
    return this.exited;
  }

  stderrTail(): string[] {
    return [...this.tail];
  }

  /** Spawns ffmpeg. Throws only for arguments node refuses synchronously (e.g. a NUL byte). */
  start(): void {
    if (this.started) return;
    this.started = true;
    const { ffmpegPath, args, stdin } = this.options;
    const proc = spawn(ffmpegPath, args, { stdio: [stdin === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'] });
    this.proc = proc;
    installExitHook();
    live.add(this);
    proc.once('error', (err: NodeJS.ErrnoException) => {
      // Without a pid the spawn failed and no 'close' may follow; otherwise 'close' reports the end.
      if (proc.pid !== undefined) return;
      const missing = err.code === 'ENOENT' || err.code === 'EACCES';
      this.finish(null, null, { ...(missing && { code: 'FFMPEG_MISSING' as const }), message: this.redact(err.message) });
    });
    proc.once('close', (code, signal) => this.finish(code, signal));
    if (proc.stdin) {
      // EPIPE when ffmpeg dies before reading: its exit is reported through 'close'.
      proc.stdin.on('error', () => undefined);
      proc.stdin.end(stdin ?? '');
    }
    const stderr = new LineSplitter((raw) => this.acceptStderr(raw));
    proc.stderr!.setEncoding('utf8');
    proc.stderr!.on('data', (chunk: string) => stderr.push(chunk));
    proc.stderr!.once('end', () => stderr.flush());
    this.readStdout(proc);
    if (this.options.timeoutMs !== undefined) {
      this.deadline = setTimeout(() => {
        this.timedOut = true;
        this.signal('SIGKILL');
      }, this.options.timeoutMs);
    }
  }

  /** Ends the process: SIGTERM, then SIGKILL after the grace delay. Resolves once it is gone. */
  stop(): Promise<void> {
    if (!this.started || this.finished) return Promise.resolve();
    if (!this.requestedStop) {
      this.requestedStop = true;
      this.signal('SIGTERM');
      this.killTimer = setTimeout(() => {
        this.options.logger?.debug({ pid: this.pid }, 'ffmpeg ignored SIGTERM; sending SIGKILL');
        this.signal('SIGKILL');
      }, this.options.killGraceMs ?? DEFAULT_KILL_GRACE_MS);
    }
    return this.exited.then(() => undefined);
  }

  /** Synchronous last resort: SIGKILL now; the end counts as requested. */
  killNow(): void {
    this.requestedStop = true;
    this.signal('SIGKILL');
  }

  /** Sends `sig` if the process still runs; the end does not count as requested (a run that misbehaved). */
  signal(sig: NodeJS.Signals): void {
    const proc = this.proc;
    if (proc && proc.exitCode === null && proc.signalCode === null) proc.kill(sig);
  }

  private readStdout(proc: ChildProcess): void {
    const stdout = proc.stdout!;
    const { onStdout, onStdoutLine } = this.options;
    if (onStdoutLine) {
      const lines = new LineSplitter(onStdoutLine);
      stdout.setEncoding('utf8');
      stdout.on('data', (chunk: string) => lines.push(chunk));
      stdout.once('end', () => lines.flush());
      return;
    }
    stdout.on('data', (chunk: Buffer) => {
      const wait = onStdout?.(chunk);
      if (!wait) return;
      stdout.pause();
      const resume = () => stdout.resume();
      wait.then(resume, resume);
    });
  }

  private acceptStderr(raw: string): void {
    if (raw.trim() === '') return;
    const line = this.redact(raw);
    this.tail.push(line);
    if (this.tail.length > (this.options.stderrTailLines ?? DEFAULT_STDERR_TAIL_LINES)) this.tail.shift();
    this.options.onStderrLine?.(line);
  }

  private finish(code: number | null, signal: NodeJS.Signals | null, spawnError?: FfmpegSpawnError): void {
    if (this.finished) return;
    this.finished = true;
    clearTimeout(this.killTimer);
    clearTimeout(this.deadline);
    live.delete(this);
    const exit: FfmpegExit = {
      code,
      signal,
      requestedStop: this.requestedStop,
      timedOut: this.timedOut,
      ...(spawnError && { spawnError }),
      stderrTail: [...this.tail],
    };
    this.resolveExited(exit);
    this.options.onExit?.(exit);
  }

  private redact(text: string): string {
    return this.options.secrets?.length ? redactSecrets(text, [...this.options.secrets]) : text;
  }
}

/** Cuts a text stream into lines at \n, \r\n or a lone \r (ffmpeg ends its progress lines with \r). */
export class LineSplitter {
  private rest = '';

  constructor(private readonly onLine: (line: string) => void) {}

  push(chunk: string): void {
    const lines = (this.rest + chunk).split(/\r\n|\r|\n/);
    this.rest = lines.pop() ?? '';
    for (const line of lines) this.onLine(line);
  }

  /** The last line when the stream ends without a line break. */
  flush(): void {
    const rest = this.rest;
    this.rest = '';
    if (rest !== '') this.onLine(rest);
  }
}

function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  // 'exit' handlers must be synchronous: SIGKILL every ffmpeg still running so none outlives the agent.
  // (A SIGKILLed agent cannot run this; its ffmpeg children die of EPIPE at their next frame write.)
  process.once('exit', () => {
    for (const child of live) child.killNow();
  });
}
