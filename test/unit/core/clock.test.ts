import { describe, expect, it } from 'vitest';
import { VideoClock } from '../../../agent/core/clock.js';

describe('VideoClock', () => {
  it('fires each timer once per interval of video time passed, in time order, with now() at the due time', () => {
    const clock = new VideoClock(1_000);
    const seen: string[] = [];
    clock.every(1_000, () => seen.push(`a@${clock.now()}`));
    clock.every(1_500, () => seen.push(`b@${clock.now()}`));
    clock.advanceTo(1_800);
    expect(seen).toEqual([]);
    clock.advanceTo(4_200);
    expect(seen).toEqual(['a@2000', 'b@2500', 'a@3000', 'a@4000', 'b@4000']);
    expect(clock.now()).toBe(4_200);
  });

  it('never goes back, and a cancelled timer stops firing', () => {
    const clock = new VideoClock(0);
    let n = 0;
    const cancel = clock.every(100, () => n++);
    clock.advanceTo(250);
    clock.advanceTo(100);
    expect(clock.now()).toBe(250);
    cancel();
    clock.advanceTo(1_000);
    expect(n).toBe(2);
  });
});
