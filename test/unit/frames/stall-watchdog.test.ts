import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { StallWatchdog } from '../../../agent/frames/index.js';

describe('StallWatchdog', () => {
  beforeEach(() => vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'performance'] }));
  afterEach(() => vi.useRealTimers());

  it('calls onStall stallMs after the last arm, once', () => {
    const stalls: string[] = [];
    const dog = new StallWatchdog(1_000);
    dog.arm(() => stalls.push('first'));
    vi.advanceTimersByTime(900);
    dog.arm(() => stalls.push('second')); // a sign of life: a fresh window, the first callback is dropped
    vi.advanceTimersByTime(900);
    expect(stalls).toEqual([]);
    vi.advanceTimersByTime(100);
    expect(stalls).toEqual(['second']);
    vi.advanceTimersByTime(5_000);
    expect(stalls).toEqual(['second']);
  });

  it('calls nothing once cleared', () => {
    const onStall = vi.fn();
    const dog = new StallWatchdog(1_000);
    dog.arm(onStall);
    dog.clear();
    vi.advanceTimersByTime(2_000);
    expect(onStall).not.toHaveBeenCalled();
  });

  it('names a pause also when a frame comes before the overdue timer runs, and blames nothing', () => {
    vi.useRealTimers();
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    let nowMs = 0;
    const clock = vi.spyOn(performance, 'now').mockImplementation(() => nowMs);
    try {
      const pauses: number[] = [];
      const onStall = vi.fn();
      const dog = new StallWatchdog(1_000, (ms) => pauses.push(ms));
      dog.arm(onStall);
      nowMs = 500;
      dog.arm(onStall); // a frame on time: nothing to name
      expect(pauses).toEqual([]);
      // Stopped for 8 s; on resume the frames read first, before the overdue timer: the pause is named once.
      nowMs = 8_500;
      dog.arm(onStall);
      expect(pauses).toEqual([7_000]);
      nowMs = 9_000;
      dog.arm(onStall);
      expect(pauses).toEqual([7_000]);
      dog.clear();
      expect(onStall).not.toHaveBeenCalled();
    } finally {
      clock.mockRestore();
    }
  });
});
