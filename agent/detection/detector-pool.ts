import type { Logger } from '../core/index.js';
import { BusyMeter } from './busy-meter.js';
import type { ModelRunStats, OnnxDetector } from './onnx-detector.js';
import { decidePoolSize, DEFAULT_SETTLE_MS, quietEnoughToShrink, type PoolSizeDecision } from './pool-size.js';
import type { Detection, RgbImage } from './types.js';

/** How often after runs the pool reconsiders its size (ms): its decisions need seconds (pool-size.ts), the busy meters cost a loop over a window of runs. */
const RESIZE_CHECK_MS = 250;
/**
 * How often a pool of several workers reconsiders its size when no run comes at all (ms): every camera
 * offline, or a night with nothing moving and no re-checks. Without it the extra worker (~50-100 MB) would
 * stay until the next run; a quiet minute is what closes it, so 5 s late is nothing.
 */
export const DEFAULT_IDLE_CHECK_MS = 5_000;

interface Member {
  detector: OnnxDetector;
  inFlight: number;
  meter: BusyMeter;
  busySinceMs?: number;
}

export interface DetectorPoolOptions {
  /** Workers the pool may grow to (pool-size.ts maxDetectorWorkers). */
  maxWorkers: number;
  /** Opens one more detector like the first (a worker thread with its own session). */
  spawn: () => Promise<OnnxDetector>;
  logger?: Logger;
  /** Epoch-ms clock (tests pass a fake one). */
  clock?: () => number;
  settleMs?: number;
  shrinkAfterMs?: number;
  /** See DEFAULT_IDLE_CHECK_MS. */
  idleCheckMs?: number;
}

/**
 * Several detector workers behind one detector: each run goes to the worker with the fewest runs waiting,
 * so two frames are inferred at the same time on two cores. It starts with one worker and grows, up to
 * `maxWorkers`, only while the workers it has are saturated (pool-size.ts says when and why); a worker
 * that is no longer needed is closed after a quiet minute. Every worker opens the same model with the same
 * options, so which one ran a frame never changes its detections.
 */
export class DetectorPool implements OnnxDetector {
  private readonly members: Member[];
  private readonly clock: () => number;
  private lastChangeMs: number;
  private quietSinceMs?: number;
  private starting?: Promise<void>;
  /** A worker that would not start is not retried: the reason is logged once and the pool stays as it is. */
  private growFailed = false;
  private closing?: Promise<void>;
  /** Stats of workers already closed, so stats() never goes backwards. */
  private readonly retired: ModelRunStats[] = [];
  /** When the size was last considered: the decisions are in seconds, the runs ~30 a second. */
  private lastResizeCheckMs = Number.NEGATIVE_INFINITY;
  /** Reconsiders the size while the pool has more than one worker, runs or not. */
  private idleCheck?: NodeJS.Timeout;

  constructor(
    first: OnnxDetector,
    private readonly options: DetectorPoolOptions,
  ) {
    this.clock = options.clock ?? Date.now;
    this.lastChangeMs = this.clock();
    this.members = [this.member(first)];
  }

  get model() {
    return this.members[0]!.detector.model;
  }
  get preprocess() {
    return this.members[0]!.detector.preprocess;
  }
  get binding() {
    return this.members[0]!.detector.binding;
  }
  get maxBatch(): number {
    return this.members[0]!.detector.maxBatch;
  }
  /** Workers running now: the scheduler keeps this many runs going at once. */
  get parallelRuns(): number {
    return this.members.length;
  }

  /** Mean busy share of the workers over the last window (0..1). */
  meanBusy(): number {
    const now = this.clock();
    return this.members.reduce((s, m) => s + m.meter.recent(now, m.busySinceMs), 0) / this.members.length;
  }

  detect(image: RgbImage): Promise<Detection[]> {
    return this.detectBatch([image]).then((r) => r[0]!);
  }

  async detectBatch(images: readonly RgbImage[]): Promise<Detection[][]> {
    if (this.closing) throw new Error('detector is closed');
    const m = this.members.reduce((best, x) => (x.inFlight < best.inFlight ? x : best));
    if (m.inFlight++ === 0) m.busySinceMs = this.clock();
    try {
      return await m.detector.detectBatch(images);
    } finally {
      if (--m.inFlight === 0 && m.busySinceMs !== undefined) {
        m.meter.record(m.busySinceMs, this.clock());
        m.busySinceMs = undefined;
      }
      this.resize();
    }
  }

  /** Counts and times summed over every worker the pool has had; the last run's and the warm-up's are the first worker's. */
  stats(): ModelRunStats {
    const running = this.members.map((m) => m.detector.stats());
    const all = [...this.retired, ...running];
    const sum = (k: keyof ModelRunStats) => all.reduce((s, x) => s + x[k], 0);
    return { runs: sum('runs'), images: sum('images'), preprocessMs: sum('preprocessMs'), inferenceMs: sum('inferenceMs'), postprocessMs: sum('postprocessMs'), lastInferenceMs: running[0]!.lastInferenceMs, warmupMs: running[0]!.warmupMs };
  }

  close(): Promise<void> {
    this.closing ??= (async () => {
      clearInterval(this.idleCheck);
      await this.starting?.catch(() => undefined);
      await Promise.all(this.members.map((m) => m.detector.close()));
    })();
    return this.closing;
  }

  /**
   * A worker's busy share is measured over the settle time, the span a saturation must last before the pool
   * grows. Not the scheduler's 10 s: after a quiet start (cameras still connecting) a 10 s window needed ~8.5 s
   * of saturation; with 11 sub-streams (scripts/bench/profile.ts) the first worker was saturated, every camera
   * waiting in line, for ~7 s before the second came, and load shedding had lowered every camera meanwhile.
   */
  private member(detector: OnnxDetector): Member {
    return { detector, inFlight: 0, meter: new BusyMeter(this.clock(), this.options.settleMs ?? DEFAULT_SETTLE_MS) };
  }

  /** After a run, at most every RESIZE_CHECK_MS: one more worker when all are saturated, one fewer after a quiet spell. */
  private resize(): void {
    const now = this.clock();
    if (this.closing || now - this.lastResizeCheckMs < RESIZE_CHECK_MS) return;
    this.lastResizeCheckMs = now;
    const meanBusy = this.meanBusy();
    if (!quietEnoughToShrink(this.members.length, meanBusy)) this.quietSinceMs = undefined;
    else this.quietSinceMs ??= now;
    const decision: PoolSizeDecision = decidePoolSize({
      workers: this.members.length,
      maxWorkers: this.growFailed ? this.members.length : this.options.maxWorkers,
      meanBusy,
      nowMs: now,
      lastChangeMs: this.lastChangeMs,
      quietSinceMs: this.quietSinceMs,
      starting: this.starting !== undefined,
      ...(this.options.settleMs !== undefined && { settleMs: this.options.settleMs }),
      ...(this.options.shrinkAfterMs !== undefined && { shrinkAfterMs: this.options.shrinkAfterMs }),
    });
    if (decision === 'grow') this.grow(meanBusy);
    else if (decision === 'shrink') this.shrink(meanBusy);
  }

  private grow(meanBusy: number): void {
    const busyPct = Math.round(meanBusy * 100);
    this.starting = this.options
      .spawn()
      .then(async (detector) => {
        if (this.closing) return detector.close();
        this.members.push(this.member(detector));
        this.idleCheck ??= setInterval(() => this.resize(), this.options.idleCheckMs ?? DEFAULT_IDLE_CHECK_MS).unref();
        this.options.logger?.info({ workers: this.members.length, maxWorkers: this.options.maxWorkers, busyPercent: busyPct }, `detector workers busy ${busyPct} %: worker ${this.members.length} of at most ${this.options.maxWorkers} started (detection.workers)`);
      })
      .catch((err: unknown) => {
        this.growFailed = true;
        this.options.logger?.warn({ err, workers: this.members.length }, `detector workers busy ${busyPct} %, but another worker could not start: staying at ${this.members.length} (set detection.workers: ${this.members.length} to silence this)`);
      })
      .finally(() => {
        this.starting = undefined;
        this.lastChangeMs = this.clock();
      });
  }

  private shrink(meanBusy: number): void {
    // The last idle worker goes; a run in flight on it would otherwise be lost.
    let idx = this.members.length - 1;
    while (idx > 0 && this.members[idx]!.inFlight > 0) idx--;
    if (idx === 0) return;
    const [m] = this.members.splice(idx, 1);
    this.retired.push(m!.detector.stats());
    if (this.members.length === 1) {
      clearInterval(this.idleCheck);
      this.idleCheck = undefined;
    }
    this.lastChangeMs = this.clock();
    this.quietSinceMs = undefined;
    this.options.logger?.info({ workers: this.members.length, busyPercent: Math.round(meanBusy * 100) }, `detector workers busy ${Math.round(meanBusy * 100)} % for a minute: one closed, ${this.members.length} left`);
    void m!.detector.close().catch((err: unknown) => this.options.logger?.warn({ err }, 'a detector worker did not close cleanly'));
  }
}
