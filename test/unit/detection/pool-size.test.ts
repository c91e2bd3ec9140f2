import { describe, expect, it } from 'vitest';
import { decidePoolSize, maxDetectorWorkers, quietEnoughToShrink, type PoolSizeInput } from '../../../agent/detection/pool-size.js';

const base: PoolSizeInput = { workers: 1, maxWorkers: 2, meanBusy: 0.5, nowMs: 100_000, lastChangeMs: 0, quietSinceMs: undefined, starting: false };

describe('decidePoolSize', () => {
  it('grows when the workers are saturated, the last change has settled and there is room', () => {
    expect(decidePoolSize({ ...base, meanBusy: 0.9 })).toBe('grow');
    expect(decidePoolSize({ ...base, meanBusy: 0.84 })).toBe('keep');
    expect(decidePoolSize({ ...base, meanBusy: 0.9, workers: 2 })).toBe('keep'); // at the cap
    expect(decidePoolSize({ ...base, meanBusy: 0.9, starting: true })).toBe('keep');
    expect(decidePoolSize({ ...base, meanBusy: 0.9, lastChangeMs: 98_000 })).toBe('keep'); // 2 s < 3 s settle
    expect(decidePoolSize({ ...base, meanBusy: 0.9, lastChangeMs: 97_000 })).toBe('grow');
  });

  it('shrinks only after a quiet minute, and never below one worker', () => {
    const quiet = { ...base, workers: 2, meanBusy: 0.1 };
    expect(decidePoolSize({ ...quiet, quietSinceMs: 100_000 - 59_000 })).toBe('keep');
    expect(decidePoolSize({ ...quiet, quietSinceMs: 100_000 - 60_000 })).toBe('shrink');
    expect(decidePoolSize({ ...base, workers: 1, meanBusy: 0, quietSinceMs: 0 })).toBe('keep');
  });

  it('leaves a gap between growing and shrinking: the load that made 1 worker grow does not shrink 2', () => {
    // 0.9 on one worker is ~0.45 on each of two: far above what shrinking asks.
    expect(quietEnoughToShrink(2, 0.45)).toBe(false);
    expect(quietEnoughToShrink(2, 0.2)).toBe(true);
    expect(quietEnoughToShrink(1, 0)).toBe(false);
    expect(decidePoolSize({ ...base, workers: 2, meanBusy: 0.45, quietSinceMs: 0 })).toBe('keep');
  });
});

describe('maxDetectorWorkers', () => {
  it("'auto' gives one per core the intra-op threads leave, 1 to 4", () => {
    expect(maxDetectorWorkers('auto', 2, 1)).toBe(2);
    expect(maxDetectorWorkers('auto', 1, 1)).toBe(1);
    expect(maxDetectorWorkers('auto', 16, 4)).toBe(4);
    expect(maxDetectorWorkers('auto', 32, 1)).toBe(4);
    expect(maxDetectorWorkers('auto', 4, 8)).toBe(1);
  });
  it('a number is taken as it is', () => {
    expect(maxDetectorWorkers(1, 8, 1)).toBe(1);
    expect(maxDetectorWorkers(6, 2, 1)).toBe(6);
  });
});
