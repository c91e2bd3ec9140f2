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
});
