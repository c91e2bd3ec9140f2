import { describe, expect, it } from 'vitest';
import { ClockCells, DEFAULT_CLOCK_STREAK } from '../../../agent/motion/clock-cells.js';
import { MotionDetector } from '../../../agent/motion/index.js';

describe('ClockCells', () => {
  it('a cell that changes on whole seconds, eight times in a row, is a clock; a few beats are not enough', () => {
    const c = new ClockCells(4);
    // Capture times jitter by a few tens of ms, and a digit is sometimes missed (2 s intervals).
    const beats = [0, 1030, 2010, 2990, 5000, 6020, 7000, 8040, 9010];
    beats.forEach((t, i) => {
      c.moved(1, t);
      expect(c.isClock(1, t)).toBe(i >= DEFAULT_CLOCK_STREAK);
    });
    expect(c.isClock(0, 9010)).toBe(false);
  });

  it('traffic does not look like a clock: motion at frame intervals off the beat resets the streak', () => {
    const c = new ClockCells(1);
    let t = 0;
    // A lane with cars: runs of consecutive frames (200 ms apart) with gaps between them.
    for (let car = 0; car < 40; car++) {
      for (let f = 0; f < 4; f++) c.moved(0, (t += 200));
      t += 1000 + ((car * 7) % 5) * 200;
    }
    expect(c.isClock(0, t)).toBe(false);
  });

  it('a clock cell stays one through a car passing behind it, and is forgotten once its beat stops', () => {
    const c = new ClockCells(1);
    for (let s = 0; s <= 9; s++) c.moved(0, s * 1000);
    expect(c.isClock(0, 9000)).toBe(true);
    c.moved(0, 9200);
    c.moved(0, 9400);
    expect(c.isClock(0, 9400)).toBe(true);
    expect(c.isClock(0, 9000 + 30_001)).toBe(false);
  });
});

describe('MotionDetector with a burned-in clock', () => {
  const W = 320;
  const H = 240;
  /** A still scene with a "seconds digit" in the corner that alternates its pattern every second. */
  function frame(second: number) {
    const data = Buffer.alloc(W * H * 3, 90);
    for (let y = 8; y < 32; y++) for (let x = 8; x < 24; x++) if ((x + y + second) % 3 === 0) data.fill(250, (y * W + x) * 3, (y * W + x) * 3 + 3);
    return { width: W, height: H, data };
  }

  it('reports the clock as motion at first, then finds it and ignores it', () => {
    const m = new MotionDetector();
    const motionAt: number[] = [];
    for (let k = 0; k <= 100; k++) {
      const t = k * 200;
      if (m.detect(frame(Math.floor(t / 1000)), t).motion && k > 0) motionAt.push(t / 1000);
    }
    expect(motionAt.length).toBeGreaterThanOrEqual(DEFAULT_CLOCK_STREAK);
    expect(Math.max(...motionAt)).toBeLessThanOrEqual(DEFAULT_CLOCK_STREAK + 1);
    expect(m.clockCells(20_000)).toBeGreaterThan(0);
  });

  it('finds no clock when asked not to (ignoreClock: false): the digit stays motion', () => {
    const m = new MotionDetector({ ignoreClock: false });
    let last = 0;
    for (let k = 0; k <= 100; k++) if (m.detect(frame(Math.floor((k * 200) / 1000)), k * 200).motion) last = k * 200;
    expect(last).toBe(20_000);
  });
});
