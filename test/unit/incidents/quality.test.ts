import { describe, expect, it } from 'vitest';
import { snapshotQuality } from '../../../agent/incidents/quality.js';

const W = 640;
const H = 360;
const q = (score: number, box: { x1: number; y1: number; x2: number; y2: number }, occlusion?: number) =>
  snapshotQuality({ score, box, ...(occlusion !== undefined && { occlusion }) }, W, H);

describe('snapshotQuality', () => {
  const mid = { x1: 200, y1: 100, x2: 300, y2: 200 }; // 100x100: 4.3 % of the frame, "large enough"

  it('prefers confident, large, unoccluded boxes inside the frame', () => {
    expect(q(0.9, mid)).toBeCloseTo(0.9, 6);
    expect(q(0.45, mid)).toBeCloseTo(0.45, 6);
    expect(q(0.9, { x1: 200, y1: 100, x2: 220, y2: 120 })).toBeLessThan(0.4); // small and far
    expect(q(0.9, mid, 0.5)).toBeCloseTo(0.45, 6);
    expect(q(0.9, { x1: 0, y1: 100, x2: 100, y2: 200 })).toBeCloseTo(0.54, 6); // cut by the left edge
  });

  it('is 0..1 and tolerates odd input', () => {
    expect(q(1.5, mid)).toBeLessThanOrEqual(1);
    expect(q(0.9, { x1: 300, y1: 100, x2: 200, y2: 50 })).toBe(0);
    expect(snapshotQuality({ score: 0.9, box: mid }, 0, 0)).toBe(0);
    expect(q(1, { x1: 0, y1: 0, x2: W, y2: H })).toBe(1); // camera-level hit: no edge penalty
  });
});
