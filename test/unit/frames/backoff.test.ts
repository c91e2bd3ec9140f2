import { describe, expect, it } from 'vitest';
import { DEFAULT_BACKOFF, restartDelayMs } from '../../../agent/frames/backoff.js';

const NO_JITTER = { ...DEFAULT_BACKOFF, jitterRatio: 0 };

describe('restartDelayMs', () => {
  it('doubles from the initial delay up to the cap', () => {
    const delays = [1, 2, 3, 4, 5, 6, 7, 8].map((n) => restartDelayMs(n, NO_JITTER));
    expect(delays).toEqual([1000, 2000, 4000, 8000, 16000, 30000, 30000, 30000]);
  });

  it('stays within ±jitter of the base delay and never above the cap', () => {
    for (const failures of [1, 3, 5, 6, 50]) {
      const base = restartDelayMs(failures, NO_JITTER);
      for (const r of [0, 0.001, 0.25, 0.5, 0.75, 0.999]) {
        const d = restartDelayMs(failures, DEFAULT_BACKOFF, () => r);
        expect(d).toBeGreaterThanOrEqual(Math.floor(base * 0.8));
        expect(d).toBeLessThanOrEqual(Math.min(DEFAULT_BACKOFF.maxDelayMs, Math.ceil(base * 1.2)));
      }
    }
  });

  it('actually jitters (two cameras failing together do not retry in lockstep)', () => {
    expect(restartDelayMs(3, DEFAULT_BACKOFF, () => 0)).toBeLessThan(restartDelayMs(3, DEFAULT_BACKOFF, () => 0.99));
  });

  it('copes with absurd failure counts and zero', () => {
    expect(restartDelayMs(10_000, NO_JITTER)).toBe(30000);
    expect(restartDelayMs(0, NO_JITTER)).toBe(1000);
    expect(Number.isFinite(restartDelayMs(1e9, DEFAULT_BACKOFF))).toBe(true);
  });

  it('honours test overrides', () => {
    const fast = { initialDelayMs: 100, maxDelayMs: 400, multiplier: 2, jitterRatio: 0 };
    expect([1, 2, 3, 4].map((n) => restartDelayMs(n, fast))).toEqual([100, 200, 400, 400]);
  });
});
