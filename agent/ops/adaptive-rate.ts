import { quantile } from './camera-pipeline.js';

/** p95 frame-to-decision latency above this means the box cannot keep up (ms). */
export const DEFAULT_LATENCY_BUDGET_MS = 600;
/** Lowest analysis rate a camera is throttled to (fps): a vehicle crossing still shows in ≥ 2 frames. */
export const DEFAULT_MIN_FPS = 1;
/** How often the rate is reconsidered (ms): long enough for a p95 over ~10+ frames. */
export const DEFAULT_ADJUST_EVERY_MS = 5_000;

export interface RateChange {
  fromFps: number;
  toFps: number;
  p95LatencyMs: number;
}

/**
 * Per-camera load shedding. When p95 latency exceeds the budget, the camera analyses fewer frames (down
 * to a floor) instead of queueing; when latency falls below half the budget, it climbs back one step at
 * a time. Skipping frames in the pipeline is cheaper than restarting ffmpeg at a new rate, and instant.
 * Pure: time comes in as an argument.
 */
export class AdaptiveRate {
  private fpsNow: number;
  private readonly maxFps: number;
  private readonly minFps: number;
  private readonly budgetMs: number;
  private readonly adjustEveryMs: number;
  private window: number[] = [];
  private lastAdjustMs?: number;
  private lastAnalysedMs = Number.NEGATIVE_INFINITY;

  constructor(options: { maxFps: number; minFps?: number; latencyBudgetMs?: number; adjustEveryMs?: number }) {
    this.maxFps = options.maxFps;
    this.fpsNow = options.maxFps;
    this.minFps = Math.min(options.minFps ?? DEFAULT_MIN_FPS, options.maxFps);
    this.budgetMs = options.latencyBudgetMs ?? DEFAULT_LATENCY_BUDGET_MS;
    this.adjustEveryMs = options.adjustEveryMs ?? DEFAULT_ADJUST_EVERY_MS;
  }

  /** The analysis rate now in force (fps). */
  get fps(): number {
    return this.fpsNow;
  }

  /** Whether a frame captured at `tMs` is analysed; a frame sooner than 1/fps after the last one is shed. */
  admit(tMs: number): boolean {
    // At the configured rate the decoder already paces frames; its jitter must not cost any of them.
    if (this.fpsNow >= this.maxFps) {
      this.lastAnalysedMs = tMs;
      return true;
    }
    if (tMs - this.lastAnalysedMs < (1000 / this.fpsNow) * 0.9) return false;
    this.lastAnalysedMs = tMs;
    return true;
  }

  /** Records one analysed frame's latency; returns a change when the rate moves. */
  observe(latencyMs: number, tMs: number): RateChange | undefined {
    this.window.push(latencyMs);
    this.lastAdjustMs ??= tMs;
    if (tMs - this.lastAdjustMs < this.adjustEveryMs) return undefined;
    const p95 = quantile(this.window, 0.95) ?? 0;
    this.window = [];
    this.lastAdjustMs = tMs;
    const from = this.fpsNow;
    if (p95 > this.budgetMs) this.fpsNow = Math.max(this.minFps, Math.floor(from * 0.75 * 10) / 10);
    else if (p95 < this.budgetMs / 2) this.fpsNow = Math.min(this.maxFps, from + 1);
    return this.fpsNow === from ? undefined : { fromFps: from, toFps: this.fpsNow, p95LatencyMs: Math.round(p95) };
  }
}
