import { backoffDelayMs } from '../core/index.js';

/** First reconnect delay (ms): a broker restart is usually back within a second. */
export const DEFAULT_RECONNECT_MIN_MS = 500;
/** Longest reconnect delay (ms): after hours of outage the box still reconnects within half a minute. */
export const DEFAULT_RECONNECT_MAX_MS = 30_000;
/**
 * ± share of the delay drawn at random, so a city's worth of boxes does not reconnect in lockstep when
 * the central broker comes back.
 */
export const DEFAULT_RECONNECT_JITTER = 0.2;

export interface BackoffOptions {
  minMs: number;
  maxMs: number;
  jitter: number;
}

/** Delay before reconnect attempt number `failures` (1 = first retry): doubling from minMs, capped at maxMs. Pure. */
export function reconnectDelayMs(failures: number, options: BackoffOptions, random: () => number = Math.random): number {
  return backoffDelayMs(failures, { initialDelayMs: options.minMs, maxDelayMs: options.maxMs, multiplier: 2, jitterRatio: options.jitter }, random);
}
