import { describe, expect, it } from 'vitest';
import { applyHomography, groundSpeedKmh, homographyFromPoints, type Homography } from '../../../agent/tracking/calibration.js';

/** A known perspective mapping (image px → metres), as a road seen from a pole would give. */
const KNOWN: Homography = [0.05, 0.01, -3, 0.002, 0.12, -8, 0.0001, 0.003, 1];

describe('homographyFromPoints', () => {
  it('recovers a known homography from four of its point pairs', () => {
    const src = [
      { x: 100, y: 300 },
      { x: 540, y: 300 },
      { x: 600, y: 460 },
      { x: 40, y: 460 },
    ];
    const dst = src.map((p) => applyHomography(KNOWN, p));
    const H = homographyFromPoints(src, dst);
    H.forEach((h, i) => expect(h).toBeCloseTo(KNOWN[i]!, 8));
    // And maps other points the same way.
    for (const p of [{ x: 320, y: 380 }, { x: 10, y: 200 }, { x: 639, y: 479 }]) {
      const a = applyHomography(H, p);
      const b = applyHomography(KNOWN, p);
      expect(a.x).toBeCloseTo(b.x, 6);
      expect(a.y).toBeCloseTo(b.y, 6);
    }
  });

  it('maps a rectangle of known size exactly (lane markings 3.5 m x 10 m)', () => {
    const H = homographyFromPoints(
      [{ x: 250, y: 200 }, { x: 390, y: 200 }, { x: 460, y: 400 }, { x: 180, y: 400 }],
      [{ x: 0, y: 10 }, { x: 3.5, y: 10 }, { x: 3.5, y: 0 }, { x: 0, y: 0 }],
    );
    const far = applyHomography(H, { x: 320, y: 200 });
    expect(far.x).toBeCloseTo(1.75, 6);
    expect(far.y).toBeCloseTo(10, 6);
  });

  it('refuses collinear points', () => {
    expect(() =>
      homographyFromPoints([{ x: 0, y: 0 }, { x: 1, y: 1 }, { x: 2, y: 2 }, { x: 0, y: 5 }], [{ x: 0, y: 0 }, { x: 1, y: 0 }, { x: 1, y: 1 }, { x: 0, y: 1 }]),
    ).toThrow(RangeError);
    expect(() => homographyFromPoints([{ x: 0, y: 0 }], [{ x: 0, y: 0 }])).toThrow(/4 point pairs/);
  });
});

describe('groundSpeedKmh', () => {
  it('converts image motion to ground speed through the homography', () => {
    // Scale homography: 1 px = 0.1 m. 50 px/s = 5 m/s = 18 km/h.
    const H: Homography = [0.1, 0, 0, 0, 0.1, 0, 0, 0, 1];
    const history = Array.from({ length: 11 }, (_, i) => ({ tMs: i * 200, x: 100, y: 100 + 10 * i }));
    expect(groundSpeedKmh(H, history)).toBeCloseTo(18, 6);
    // Only the last second counts: a car that stopped reads 0.
    const stopped = [...history, ...Array.from({ length: 6 }, (_, i) => ({ tMs: 2200 + i * 200, x: 100, y: 200 }))];
    expect(groundSpeedKmh(H, stopped)).toBeCloseTo(0, 6);
  });

  it('is undefined without two points at distinct times', () => {
    const H: Homography = [1, 0, 0, 0, 1, 0, 0, 0, 1];
    expect(groundSpeedKmh(H, [])).toBeUndefined();
    expect(groundSpeedKmh(H, [{ tMs: 0, x: 0, y: 0 }])).toBeUndefined();
  });
});
