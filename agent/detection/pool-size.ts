/**
 * How many detector workers the load needs: a pure decision, time and measurements come in as arguments.
 *
 * One worker runs one inference at a time on one core. On the 2-core box it is the first thing to run out:
 * at 7 main-stream cameras the worker was busy 100 % with 25 % of the cores still idle (`npm run bench --
 * --quick`, capacity steps: agent 126 %, decoders 43 %, RTSP server 6 % of 200 %), and giving the one
 * session two intra-op threads instead gained 8 % (36.2 → 33.2 ms a run, bench `threads` scenario) for
 * 13 % more CPU. A second session in its own worker runs a second frame at the same time on the other core.
 * It costs ~50-100 MB of RSS while it runs (its isolate, the weights, onnxruntime's arena, the frames in flight:
 * bench, 8 sub-streams, 350 vs 243 MB), so it starts only when the first is saturated, and is closed when the
 * load has gone. Same run: 8 sub-streams sustained with the pool, not with one worker.
 */

/** Mean busy share of the running workers over a full window from which one more is started (0..1). */
export const DEFAULT_GROW_AT_BUSY = 0.85;
/**
 * The pool shrinks when the work would fit in one worker fewer at under half the grow threshold: with
 * 2 workers, when they are busy 21 % on average (one worker would be 42 %). The gap between the two stops
 * start/close cycles: a load that just made the pool grow is ~2 × 0.85 / 2 = 0.43 per worker after it.
 */
export const SHRINK_SHARE_OF_GROW = 0.5;
/**
 * Time after a change (or the start) before the pool grows (ms). Saturation is real load, not a burst, once
 * it lasts this long: 3 s is ~100 runs of YOLOX-nano.
 */
export const DEFAULT_SETTLE_MS = 3_000;
/** A quiet spell must last this long before a worker is closed (ms): a minute of lulls in traffic is normal. */
export const DEFAULT_SHRINK_AFTER_MS = 60_000;

export interface PoolSizeInput {
  workers: number;
  maxWorkers: number;
  /** Mean busy share of the workers over the last window (0..1). */
  meanBusy: number;
  nowMs: number;
  /** When the pool last changed size (or started). */
  lastChangeMs: number;
  /** Since when meanBusy has been low enough to shrink (undefined: it is not). */
  quietSinceMs: number | undefined;
  /** A worker is being started: no decision until it is ready. */
  starting: boolean;
  growAtBusy?: number;
  settleMs?: number;
  shrinkAfterMs?: number;
}

export type PoolSizeDecision = 'grow' | 'shrink' | 'keep';

/** Whether the mean busy share is low enough that one worker fewer would carry the load (see SHRINK_SHARE_OF_GROW). */
export function quietEnoughToShrink(workers: number, meanBusy: number, growAtBusy = DEFAULT_GROW_AT_BUSY): boolean {
  if (workers <= 1) return false;
  return (meanBusy * workers) / (workers - 1) < growAtBusy * SHRINK_SHARE_OF_GROW;
}

/** Grow when every worker is saturated over a settled window; shrink after a long quiet spell; else keep. */
export function decidePoolSize(input: PoolSizeInput): PoolSizeDecision {
  const growAt = input.growAtBusy ?? DEFAULT_GROW_AT_BUSY;
  if (input.starting || input.nowMs - input.lastChangeMs < (input.settleMs ?? DEFAULT_SETTLE_MS)) return 'keep';
  if (input.workers < input.maxWorkers && input.meanBusy >= growAt) return 'grow';
  if (input.quietSinceMs !== undefined && quietEnoughToShrink(input.workers, input.meanBusy, growAt) && input.nowMs - input.quietSinceMs >= (input.shrinkAfterMs ?? DEFAULT_SHRINK_AFTER_MS)) return 'shrink';
  return 'keep';
}

/**
 * Workers a pool may grow to: `detection.workers` when a number; 'auto' gives one per core the intra-op
 * threads leave (2 on a 2-core box at 1 thread), at most 4 (decoders need cores too; beyond that a GPU build
 * or a bigger model is the better use).
 */
export function maxDetectorWorkers(setting: number | 'auto', cores: number, threadsPerWorker: number): number {
  if (setting !== 'auto') return Math.max(1, setting);
  return Math.max(1, Math.min(4, Math.floor(cores / Math.max(1, threadsPerWorker))));
}
