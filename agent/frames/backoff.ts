import { backoffDelayMs, type BackoffOptions } from '../core/index.js';

/**
 * Restart delays for a failing camera. Defaults: 1 s, 2 s, 4 s ... capped at 30 s, each ±20 % at random.
 * A camera rebooting (30-90 s) is picked up within ~30 s of coming back; a permanently dead camera
 * costs one ffmpeg start every ~30 s; jitter keeps a site's cameras, which often fail together when a
 * switch reboots, from reconnecting in lockstep.
 */
export const DEFAULT_RESTART_INITIAL_DELAY_MS = 1_000;
export const DEFAULT_RESTART_MAX_DELAY_MS = 30_000;
export const DEFAULT_RESTART_MULTIPLIER = 2;
/** ± share of each delay drawn at random. */
export const DEFAULT_RESTART_JITTER_RATIO = 0.2;

export type { BackoffOptions } from '../core/index.js';

export const DEFAULT_BACKOFF: Readonly<BackoffOptions> = {
  initialDelayMs: DEFAULT_RESTART_INITIAL_DELAY_MS,
  maxDelayMs: DEFAULT_RESTART_MAX_DELAY_MS,
  multiplier: DEFAULT_RESTART_MULTIPLIER,
  jitterRatio: DEFAULT_RESTART_JITTER_RATIO,
};

/** Delay (ms) before decoder restart number `failures`; see backoffDelayMs. */
export function restartDelayMs(failures: number, options: BackoffOptions = DEFAULT_BACKOFF, random: () => number = Math.random): number {
  return backoffDelayMs(failures, options, random);
}
