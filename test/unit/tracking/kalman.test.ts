import { describe, expect, it } from 'vitest';
import { BoxKalman } from '../../../agent/tracking/kalman.js';

const box = (cx: number, cy: number, w: number, h: number) => ({ x1: cx - w / 2, y1: cy - h / 2, x2: cx + w / 2, y2: cy + h / 2 });

describe('BoxKalman', () => {
  it('learns a constant velocity and predicts ahead with it', () => {
    const kf = new BoxKalman(box(100, 200, 40, 80));
    // 100 px/s to the right, 50 px/s down, sampled at 5 fps.
    for (let i = 1; i <= 15; i++) {
      kf.predict(0.2);
      kf.update(box(100 + 20 * i, 200 + 10 * i, 40, 80));
    }
    const v = kf.bottomVelocity();
    expect(v.x).toBeCloseTo(100, 0);
    expect(v.y).toBeCloseTo(50, 0);
    kf.predict(0.5);
    const b = kf.box();
    expect((b.x1 + b.x2) / 2).toBeCloseTo(100 + 20 * 15 + 50, 0);
    expect((b.y1 + b.y2) / 2).toBeCloseTo(200 + 10 * 15 + 25, 0);
    expect(b.y2 - b.y1).toBeCloseTo(80, 0);
    expect(b.x2 - b.x1).toBeCloseTo(40, 0);
  });

  it('smooths jitter of a still object: the state moves less than the measurements', () => {
    const kf = new BoxKalman(box(300, 300, 50, 50));
    const jitter = [3, -3, 2, -2, 3, -3, 2, -2, 3, -3];
    let maxDev = 0;
    let path = 0;
    let prev = 300;
    for (const j of jitter) {
      kf.predict(0.2);
      kf.update(box(300 + j, 300 - j, 50, 50));
      const b = kf.box();
      const cx = (b.x1 + b.x2) / 2;
      maxDev = Math.max(maxDev, Math.abs(cx - 300));
      path += Math.abs(cx - prev);
      prev = cx;
    }
    const rawPath = jitter.reduce((s, j, i) => s + Math.abs(j - (i === 0 ? 0 : jitter[i - 1]!)), 0);
    expect(maxDev).toBeLessThan(3);
    expect(path).toBeLessThan(0.8 * rawPath);
  });

  it('freezes the height of a lost track and ignores non-positive time steps', () => {
    const kf = new BoxKalman(box(100, 100, 20, 40));
    for (let i = 1; i <= 5; i++) {
      kf.predict(0.2);
      kf.update(box(100, 100, 20 + 4 * i, 40 + 8 * i)); // growing box
    }
    const before = kf.box();
    kf.predict(0);
    kf.predict(-1);
    expect(kf.box()).toEqual(before);
    kf.predict(1, true);
    const after = kf.box();
    expect(after.y2 - after.y1).toBeCloseTo(before.y2 - before.y1, 6);
  });
});
