/** Exponential backoff with jitter, shared by everything that retries (camera decoders, the broker link). */
export interface BackoffOptions {
  initialDelayMs: number;
  maxDelayMs: number;
  multiplier: number;
  /** ± share of each delay drawn at random, so devices that failed together do not retry in lockstep. */
  jitterRatio: number;
}

/**
 * Delay (ms) before retry number `failures` (1 = first retry after a failure): grows by `multiplier`
 * from `initialDelayMs`, never above `maxDelayMs`, jittered by ±`jitterRatio`. Pure.
 */
export function backoffDelayMs(failures: number, options: BackoffOptions, random: () => number = Math.random): number {
  const steps = Math.max(0, Math.floor(failures) - 1);
  // Capped before exponentiating further so 1000 failures do not overflow to Infinity * 0 = NaN.
  const base = Math.min(options.maxDelayMs, options.initialDelayMs * options.multiplier ** Math.min(steps, 64));
  const jitter = base * options.jitterRatio * (2 * random() - 1);
  return Math.max(0, Math.round(Math.min(options.maxDelayMs, base + jitter)));
}
