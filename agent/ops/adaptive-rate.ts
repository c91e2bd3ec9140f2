import { quantile } from '../core/index.js';

/**
 * p95 lag (detector dispatch − capture of the frame the camera asked with) above this means the camera
 * waits too long for its turn (ms): with YOLOX-nano at ~15–30 ms a run, that is 20+ runs queued ahead.
 * Frame-to-decision stays under the 1 s target with the analysis itself on top.
 */
export const DEFAULT_LAG_BUDGET_MS = 600;
/** Lowest analysis rate a camera is throttled to (fps): a vehicle crossing still shows in ≥ 2 frames. */
export const DEFAULT_MIN_FPS = 1;
/** How often the rate is reconsidered (ms): long enough for a p95 over ~10+ frames. */
export const DEFAULT_ADJUST_EVERY_MS = 5_000;
/**
 * The rate climbs back only while the detector is busy less than this share: at 85 % one more fps per
 * camera would fill it again and the lag would come straight back (lower, raise, lower…).
 */
export const DEFAULT_RAISE_BELOW_BUSY = 0.85;

export interface RateChange {
  fromFps: number;
  toFps: number;
  /** p95 lag over the window that decided (ms). */
  p95LagMs: number;
  /** Detector busy share when it decided (0..1). */
  detectorBusy: number;
}

export interface AdaptiveRateOptions {
  /** The configured analysis rate (fps): never exceeded. */
  maxFps: number;
  minFps?: number;
  lagBudgetMs?: number;
  adjustEveryMs?: number;
  raiseBelowBusy?: number;
}

/**
 * Per-camera load shedding. When the p95 lag exceeds the budget, the camera analyses fewer frames (down
 * to a floor) instead of falling behind; when lag is under half the budget and the detector has room,
 * it climbs back one fps at a time. ffmpeg keeps decoding at the configured rate and the pipeline
 * skips frames: instant and free, where restarting ffmpeg at a new rate would lose ~1 s of video and a
 * reconnect. The first window after start decides nothing (start-up bursts). Pure: time and measurements come in as arguments.
 */
export class AdaptiveRate {
  private fpsNow: number;
  private readonly maxFps: number;
  private readonly minFps: number;
  private readonly budgetMs: number;
  private readonly adjustEveryMs: number;
  private readonly raiseBelowBusy: number;
  private window: number[] = [];
  private lastAdjustMs?: number;
  /** Whether the first window (start-up) has passed: it is measured but decides nothing. */
  private primed = false;
  /** When the next frame is due at the lowered rate (epoch ms); undefined at the configured rate. */
  private nextDueMs?: number;

  constructor(options: AdaptiveRateOptions) {
    this.maxFps = options.maxFps;
    this.fpsNow = options.maxFps;
    this.minFps = Math.min(options.minFps ?? DEFAULT_MIN_FPS, options.maxFps);
    this.budgetMs = options.lagBudgetMs ?? DEFAULT_LAG_BUDGET_MS;
    this.adjustEveryMs = options.adjustEveryMs ?? DEFAULT_ADJUST_EVERY_MS;
    this.raiseBelowBusy = options.raiseBelowBusy ?? DEFAULT_RAISE_BELOW_BUSY;
  }

  /** The analysis rate now in force (fps). */
  get fps(): number {
    return this.fpsNow;
  }

  /**
   * Whether a frame captured at `tMs` is analysed. Below the configured rate, frames are due on a schedule of
   * 1/fps steps and a frame up to half a decoder interval early still counts, so the camera analyses the
   * lowered rate over time however the arrivals jitter. Why a schedule and not "1/fps since the last one":
   * measured with 9 cameras lowered to 4.7 fps (scripts/bench/profile.ts), arrivals bunched by the busy main
   * thread made the gap rule shed a third of the frames, 3.2 fps analysed instead of 4.7.
   */
  admit(tMs: number): boolean {
    // At the configured rate the decoder already paces frames; its jitter must not cost any of them.
    if (this.fpsNow >= this.maxFps) {
      this.nextDueMs = undefined;
      return true;
    }
    const periodMs = 1000 / this.fpsNow;
    const earlyMs = 500 / this.maxFps;
    // First frame at this rate, or the stream paused for over a period: start the schedule here, no catching up.
    if (this.nextDueMs === undefined || tMs - this.nextDueMs > periodMs) this.nextDueMs = tMs;
    if (tMs < this.nextDueMs - earlyMs) return false;
    this.nextDueMs += periodMs;
    return true;
  }

  /**
   * Records one analysed frame: its lag when it went through the detector (absent when the motion gate
   * skipped it: no queue, no lag) and the detector's busy share now. Returns a change when the rate moves.
   */
  observe(sample: { tMs: number; lagMs?: number; detectorBusy: number }): RateChange | undefined {
    const { tMs, lagMs, detectorBusy } = sample;
    if (lagMs !== undefined) this.window.push(lagMs);
    if (this.lastAdjustMs === undefined) {
      this.lastAdjustMs = tMs;
      this.primed = false;
    }
    if (tMs - this.lastAdjustMs < this.adjustEveryMs) return undefined;
    const p95 = quantile(this.window, 0.95) ?? 0;
    this.window = [];
    this.lastAdjustMs = tMs;
    // The first window holds the start: every camera's ffmpeg connecting at once and their first frames
    // bursting in together. Measured (capacity step, 8 cameras, nothing else on the box): all 8 lowered at
    // once on p95 lag ~1 s with the detector 69-73 % busy. A real overload is still there one window later.
    if (!this.primed) {
      this.primed = true;
      return undefined;
    }
    const from = this.fpsNow;
    if (p95 > this.budgetMs) this.fpsNow = Math.max(this.minFps, Math.floor(from * 0.75 * 10) / 10);
    else if (p95 < this.budgetMs / 2 && detectorBusy < this.raiseBelowBusy) this.fpsNow = Math.min(this.maxFps, from + 1);
    return this.fpsNow === from ? undefined : { fromFps: from, toFps: this.fpsNow, p95LagMs: Math.round(p95), detectorBusy: Math.round(detectorBusy * 100) / 100 };
  }
}
