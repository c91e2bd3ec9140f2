import { mkdirSync, readdirSync, rmSync, statSync } from 'node:fs';
import { basename, join } from 'node:path';
import type { BackoffOptions, Logger } from '../core/index.js';
import { FfmpegProcess, probeFfmpeg, RestartSchedule, StallWatchdog, type FfmpegExit, type SourceOptions } from '../frames/index.js';
import { buildRingArgs, ringSegmentFile } from './ring-args.js';
import { parseSegmentListLine, ringKeepFromMs, ringPrunePlan, type RingSegment } from './window.js';

/** Where the ring stands: `recording` once a segment closed; `down` between a failed run and its restart. */
export type RingState = 'starting' | 'recording' | 'down' | 'stopped';

/** One camera's ring: its source, folder, sizes and supervision settings. */
export interface ClipRingOptions {
  cameraId: string;
  source: SourceOptions;
  /** File sources: the resolved path. */
  filePath?: string;
  /** Camera password for an RTSP source (secret: reaches ffmpeg on stdin only). */
  password?: string;
  /** The camera's ring folder (created; segments of an earlier process are deleted at start). */
  dir: string;
  ffmpegPath: string;
  /** Seconds of closed segments kept when no clip waits: preSeconds + margin. */
  keepSeconds: number;
  /** The ring's disk budget: the oldest segments go first when it is exceeded. */
  maxBytes: number;
  segmentSeconds: number;
  /** No closed segment for this long restarts ffmpeg. */
  stallMs: number;
  backoff: BackoffOptions;
  /** Bound to `{component:'clips', camera}`. */
  logger: Logger;
  /** Values blanked out of ffmpeg's stderr (passwords, also percent-encoded). */
  secrets: readonly string[];
  killGraceMs?: number;
  /** Each closed segment, after pruning (the recorder cuts clips that became ready). */
  onSegment?: (segment: RingSegment) => void;
  now?: () => number;
  random?: () => number;
}

/** What the ring holds and how its ffmpeg fared (status, bench). */
export interface RingStats {
  state: RingState;
  segments: number;
  bytes: number;
  restarts: number;
  lastError?: string;
  pid?: number;
}

/**
 * A camera's pre-roll ring: one supervised ffmpeg copying the stream into short MPEG-TS segments on disk
 * (ring-args.ts), restarted with backoff when it exits or closes no segment for `stallMs`, pruned to
 * `keepSeconds` (longer while a clip waits for its segments, see pin) and to its byte budget.
 */
export class ClipRing {
  private readonly options: ClipRingOptions;
  private readonly log: Logger;
  private readonly now: () => number;
  private readonly closed: RingSegment[] = [];
  private readonly pins = new Map<number, number>();
  private nextPin = 1;
  private state: RingState = 'stopped';
  private proc: FfmpegProcess | undefined;
  private stopping: Promise<void> | undefined;
  private started = false;
  private readonly watchdog: StallWatchdog;
  private readonly restartSchedule: RestartSchedule;
  private restarts = 0;
  private runCount = 0;
  private lastError: string | undefined;
  private stalled = false;
  /** The running ffmpeg's segment name prefix, segments it closed, and the open segment's size at the last check. */
  private run = { id: '', closed: 0, openBytes: -1 };

  constructor(options: ClipRingOptions) {
    this.options = options;
    this.log = options.logger;
    this.now = options.now ?? Date.now;
    this.watchdog = new StallWatchdog(options.stallMs);
    this.restartSchedule = new RestartSchedule(options.backoff, options.random);
  }

  /** Clears what an earlier process left (its segments' times are unknown) and starts recording. */
  start(): void {
    if (this.started || this.stopping) return;
    this.started = true;
    mkdirSync(this.options.dir, { recursive: true });
    for (const name of readdirSync(this.options.dir)) if (name.endsWith('.ts')) rmSync(join(this.options.dir, name), { force: true });
    void this.launch();
  }

  /** The ffmpeg binary this ring runs (the recorder cuts with the same). */
  get ffmpegPath(): string {
    return this.options.ffmpegPath;
  }

  /** Closed segments, oldest first. */
  segments(): RingSegment[] {
    return [...this.closed];
  }

  /** Absolute path of a segment. */
  pathOf(segment: RingSegment): string {
    return join(this.options.dir, segment.file);
  }

  /** Keeps every segment from `fromMs` on until the returned release is called (a clip waiting to be cut). */
  pin(fromMs: number): () => void {
    const id = this.nextPin++;
    this.pins.set(id, fromMs);
    return () => this.pins.delete(id);
  }

  stats(): RingStats {
    return {
      state: this.state,
      segments: this.closed.length,
      bytes: this.closed.reduce((sum, s) => sum + s.bytes, 0),
      restarts: this.restarts,
      ...(this.lastError !== undefined && { lastError: this.lastError }),
      ...(this.proc?.pid !== undefined && { pid: this.proc.pid }),
    };
  }

  /** Stops ffmpeg (SIGTERM, it closes its last segment) and keeps the files for the cuts still to come. */
  stop(): Promise<void> {
    this.stopping ??= (async () => {
      this.watchdog.clear();
      this.restartSchedule.clear();
      const proc = this.proc;
      this.proc = undefined;
      await proc?.stop();
      this.state = 'stopped';
    })();
    return this.stopping;
  }

  /** Deletes every segment file (after stop, when no cut needs them any more). */
  clear(): void {
    for (const s of this.closed.splice(0)) rmSync(this.pathOf(s), { force: true });
  }

  private async launch(): Promise<void> {
    this.state = this.state === 'stopped' ? 'starting' : this.state;
    let version;
    try {
      version = await probeFfmpeg(this.options.ffmpegPath);
    } catch (err) {
      if (this.stopping) return;
      this.fail(err instanceof Error ? err.message : String(err));
      return;
    }
    if (this.stopping) return;
    const runId = `r${this.now()}-${++this.runCount}`;
    const ring = buildRingArgs({
      source: this.options.source,
      ...(this.options.filePath !== undefined && { filePath: this.options.filePath }),
      ...(this.options.password !== undefined && { password: this.options.password }),
      version,
      dir: this.options.dir,
      runId,
      segmentSeconds: this.options.segmentSeconds,
    });
    if (ring.credentialsInArgs) this.log.warn({ source: ring.label }, `ffmpeg ${version.raw} is older than 5.0: the clip source URL with its password is visible in the process list`);
    this.stalled = false;
    this.run = { id: runId, closed: 0, openBytes: -1 };
    const proc = new FfmpegProcess({
      ffmpegPath: this.options.ffmpegPath,
      args: ring.args,
      ...(ring.stdin !== undefined && { stdin: ring.stdin }),
      secrets: this.options.secrets,
      logger: this.log,
      ...(this.options.killGraceMs !== undefined && { killGraceMs: this.options.killGraceMs }),
      onStdoutLine: (line) => this.onListLine(proc, line),
      onExit: (exit) => this.onExit(proc, exit),
    });
    this.proc = proc;
    this.armWatchdog(proc);
    try {
      proc.start();
      this.log.debug({ source: ring.label, pid: proc.pid }, 'clip ring recording');
    } catch (err) {
      this.proc = undefined;
      this.watchdog.clear();
      this.fail(`ffmpeg could not be started: ${err instanceof Error ? err.message : String(err)}`);
    }
  }

  private onListLine(proc: FfmpegProcess, line: string): void {
    const entry = parseSegmentListLine(line);
    if (entry === undefined) return;
    const file = basename(entry.file);
    const endMs = this.now();
    let bytes = 0;
    try {
      bytes = statSync(join(this.options.dir, file)).size;
    } catch {
      return; // deleted under us (disk cleanup by hand): nothing to keep
    }
    const segment: RingSegment = { file, startMs: endMs - entry.durationMs, endMs, bytes };
    this.closed.push(segment);
    if (proc === this.proc) {
      this.run.closed++;
      this.run.openBytes = -1;
      this.armWatchdog(proc);
      if (this.state !== 'recording') {
        this.restartSchedule.succeeded();
        this.state = 'recording';
        this.log.info({ restarts: this.restarts }, 'clip ring recording');
      }
    }
    this.prune();
    try {
      this.options.onSegment?.(segment);
    } catch (err) {
      this.log.error({ err }, 'clip ring segment listener threw');
    }
  }

  private prune(): void {
    const keepFromMs = ringKeepFromMs(this.now(), this.options.keepSeconds, [...this.pins.values()]);
    const doomed = ringPrunePlan(this.closed, keepFromMs, this.options.maxBytes);
    if (doomed.length === 0) return;
    const gone = new Set(doomed);
    const overBudget = doomed.filter((s) => s.endMs >= keepFromMs).length;
    if (overBudget > 0) this.log.warn({ segments: overBudget, maxBytes: this.options.maxBytes }, 'clip ring over its byte budget: oldest segments deleted early (raise cameras[].clips.maxBitrateKbps if the stream is faster)');
    for (const s of doomed) rmSync(this.pathOf(s), { force: true });
    const kept = this.closed.filter((s) => !gone.has(s));
    this.closed.splice(0, this.closed.length, ...kept);
  }

  private armWatchdog(proc: FfmpegProcess): void {
    this.watchdog.arm(() => {
      if (proc !== this.proc || this.stopping) return;
      // A camera with keyframes further apart than stallMs closes segments that rarely: still alive while
      // the open segment grows.
      const openBytes = this.openSegmentBytes();
      if (openBytes > this.run.openBytes) {
        this.run.openBytes = openBytes;
        return this.armWatchdog(proc);
      }
      this.stalled = true;
      // Down until a new run closes a segment: the status must not say `recording` while nothing is written.
      this.state = 'down';
      this.lastError = `no segment for ${Math.round(this.options.stallMs / 1000)} s`;
      this.log.warn({ stallMs: this.options.stallMs }, 'clip ring stalled; restarting ffmpeg');
      void proc.stop();
    });
  }

  /** Size of the segment the running ffmpeg writes now (-1 when it has not opened one). */
  private openSegmentBytes(): number {
    try {
      return statSync(join(this.options.dir, ringSegmentFile(this.run.id, this.run.closed))).size;
    } catch {
      return -1;
    }
  }

  private onExit(proc: FfmpegProcess, exit: FfmpegExit): void {
    if (proc !== this.proc || this.stopping) return;
    this.watchdog.clear();
    this.proc = undefined;
    const source = this.options.source;
    if (!this.stalled && 'file' in source && !source.loop && exit.code === 0) {
      this.state = 'stopped';
      this.log.info('clip ring: end of file');
      return;
    }
    if (this.stalled) return this.scheduleRestart();
    const reason = exit.spawnError?.message ?? exit.stderrTail.at(-1) ?? (exit.signal ? `signal ${exit.signal}` : `exit code ${exit.code ?? '?'}`);
    this.fail(`ffmpeg exited: ${reason}`);
  }

  private fail(message: string): void {
    this.lastError = message;
    this.state = 'down';
    this.log.warn({ lastError: message, failures: this.restartSchedule.failures + 1 }, 'clip ring down; restarting');
    this.scheduleRestart();
  }

  private scheduleRestart(): void {
    this.restartSchedule.schedule(() => {
      if (this.stopping) return;
      this.restarts++;
      void this.launch();
    });
  }
}
