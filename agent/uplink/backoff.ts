import type { BackoffOptions } from '../core/index.js';

/** First reconnect delay (ms): a broker restart is usually back within a second. */
export const DEFAULT_RECONNECT_MIN_MS = 500;
/** Longest reconnect delay (ms): after hours of outage the box still reconnects within half a minute. */
export const DEFAULT_RECONNECT_MAX_MS = 30_000;
/**
 * ± share of the delay drawn at random, so a city's worth of boxes does not reconnect in lockstep when
 * the central broker comes back.
 */
export const DEFAULT_RECONNECT_JITTER = 0.2;

/** How the uplink's reconnect delays are given (MqttUplinkOptions.backoff): converted once by reconnectBackoff. */
export interface ReconnectDelays {
  minMs?: number;
  maxMs?: number;
  jitter?: number;
}

/**
 * The kernel's backoff for broker reconnects (give it to backoffDelayMs): doubling from minMs, capped at
 * maxMs, ± jitter; defaults filled in.
 */
export function reconnectBackoff(delays: ReconnectDelays = {}): BackoffOptions {
  return {
    initialDelayMs: delays.minMs ?? DEFAULT_RECONNECT_MIN_MS,
    maxDelayMs: delays.maxMs ?? DEFAULT_RECONNECT_MAX_MS,
    multiplier: 2,
    jitterRatio: delays.jitter ?? DEFAULT_RECONNECT_JITTER,
  };
}

