/**
 * Progress for long CLI steps (probing a camera, loading a model). On a terminal: one spinner line,
 * redrawn in place, with a bar when the fraction done is known. Anywhere else (a pipe, a log file, a
 * test): one plain line per step and no control characters, so `camwatch doctor > out.txt` stays readable.
 * Progress goes to stderr; stdout keeps the results (and --json stays parseable).
 */

/** Spinner redraw period (ms): smooth enough to show life, rare enough to cost nothing over SSH. */
export const DEFAULT_SPINNER_INTERVAL_MS = 100;
/** Width of the bar in characters. */
export const DEFAULT_BAR_WIDTH = 20;

const FRAMES = ['⠋', '⠙', '⠹', '⠸', '⠼', '⠴', '⠦', '⠧', '⠇', '⠏'];
/** Carriage return + "erase the whole line". */
const CLEAR_LINE = '\r\u001b[2K';

/** The stream progress is drawn on: a TTY when `isTTY` is true. */
export interface ProgressStream {
  write(text: string): unknown;
  isTTY?: boolean;
  columns?: number;
}

export interface ProgressOptions {
  /** Put before every plain line, e.g. "doctor: ". */
  prefix?: string;
  /** false: draw nothing at all (e.g. --quiet). Default true. */
  enabled?: boolean;
  intervalMs?: number;
  /** Clock for the elapsed time (tests). */
  now?: () => number;
}

export interface Progress {
  /** Starts a step (ends the previous one). TTY: spinner; otherwise one line `label…`. */
  start(label: string): void;
  /** TTY only: new label and/or fraction done (0..1) of the running step; ignored elsewhere. */
  update(label?: string, fraction?: number): void;
  /** Ends the running step; a TTY line is erased so the result can be written in its place. */
  stop(): void;
  /** True when drawing in place on a terminal. */
  readonly interactive: boolean;
}

/** A Progress on `stream`, interactive when the stream is a TTY. */
export function createProgress(stream: ProgressStream, options: ProgressOptions = {}): Progress {
  if (options.enabled === false) return { start() {}, update() {}, stop() {}, interactive: false };
  return stream.isTTY === true ? new TerminalProgress(stream, options) : new PlainProgress(stream, options.prefix ?? '');
}

class PlainProgress implements Progress {
  readonly interactive = false;

  constructor(
    private readonly stream: ProgressStream,
    private readonly prefix: string,
  ) {}

  start(label: string): void {
    this.stream.write(`${this.prefix}${label}…\n`);
  }

  update(): void {
    // A line per update would flood a log file; the start line is enough.
  }

  stop(): void {}
}

class TerminalProgress implements Progress {
  readonly interactive = true;
  private timer?: NodeJS.Timeout;
  private label = '';
  private fraction?: number;
  private startedAtMs = 0;
  private frame = 0;
  private readonly now: () => number;

  constructor(
    private readonly stream: ProgressStream,
    private readonly options: ProgressOptions,
  ) {
    this.now = options.now ?? Date.now;
  }

  start(label: string): void {
    this.stop();
    this.label = label;
    this.fraction = undefined;
    this.startedAtMs = this.now();
    this.frame = 0;
    this.draw();
    this.timer = setInterval(() => this.draw(), this.options.intervalMs ?? DEFAULT_SPINNER_INTERVAL_MS);
    // A forgotten stop() must not keep the process alive.
    this.timer.unref();
  }

  update(label?: string, fraction?: number): void {
    if (this.timer === undefined) return;
    if (label !== undefined) this.label = label;
    if (fraction !== undefined) this.fraction = Math.min(1, Math.max(0, fraction));
    this.draw();
  }

  stop(): void {
    if (this.timer === undefined) return;
    clearInterval(this.timer);
    this.timer = undefined;
    this.stream.write(CLEAR_LINE);
  }

  private draw(): void {
    const spinner = FRAMES[this.frame++ % FRAMES.length]!;
    const elapsed = `${Math.floor((this.now() - this.startedAtMs) / 1000)}s`;
    const bar = this.fraction === undefined ? '' : ` ${renderBar(this.fraction, DEFAULT_BAR_WIDTH)}`;
    const line = `${spinner} ${this.label}${bar} ${elapsed}`;
    // Longer than the terminal, the line would wrap and \r could no longer erase it.
    // 0 when the terminal did not say (a pty without a size).
    const columns = this.stream.columns || 80;
    this.stream.write(`${CLEAR_LINE}${line.length >= columns ? `${line.slice(0, columns - 2)}…` : line}`);
  }
}

/** `[#########-----------] 45%` (pure). */
export function renderBar(fraction: number, width: number): string {
  const f = Math.min(1, Math.max(0, fraction));
  const filled = Math.round(f * width);
  return `[${'#'.repeat(filled)}${'-'.repeat(width - filled)}] ${String(Math.round(f * 100)).padStart(3)}%`;
}
