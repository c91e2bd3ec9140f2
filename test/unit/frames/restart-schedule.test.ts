import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { RestartSchedule } from '../../../agent/frames/index.js';

const BACKOFF = { initialDelayMs: 1_000, maxDelayMs: 4_000, multiplier: 2, jitterRatio: 0 };

describe('RestartSchedule', () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  it('waits longer for each failure in a row, and the shortest delay again after a run that worked', () => {
    const schedule = new RestartSchedule(BACKOFF);
    const restart = vi.fn();
    expect([schedule.schedule(restart), schedule.schedule(restart), schedule.schedule(restart), schedule.schedule(restart)]).toEqual([1_000, 2_000, 4_000, 4_000]);
    expect(schedule.failures).toBe(4);
    vi.advanceTimersByTime(4_000);
    expect(restart).toHaveBeenCalledTimes(1); // one pending restart at a time
    schedule.succeeded();
    expect(schedule.schedule(restart)).toBe(1_000);
  });

  it('runs nothing once cleared', () => {
    const schedule = new RestartSchedule(BACKOFF);
    const restart = vi.fn();
    schedule.schedule(restart);
    schedule.clear();
    vi.advanceTimersByTime(10_000);
    expect(restart).not.toHaveBeenCalled();
  });
});
