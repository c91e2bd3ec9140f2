import { describe, expect, it } from 'vitest';
import { angleBetweenDeg, headingDeg, motionOf, trackDirection, trackSpeedPxPerS } from '../../../agent/tracking/motion.js';
import type { Track, TrackPoint } from '../../../agent/tracking/types.js';

function track(history: TrackPoint[]): Track {
  const last = history[history.length - 1]!;
  return {
    id: 1,
    classId: 2,
    className: 'car',
    score: 0.9,
    box: { x1: last.x - 10, y1: last.y - 20, x2: last.x + 10, y2: last.y },
    firstSeenMs: history[0]!.tMs,
    lastSeenMs: last.tMs,
    hits: history.length,
    history,
  };
}

describe('motion helpers', () => {
  it('measures speed in px/s over the recent window only', () => {
    // Stationary for 2 s, then 10 px per 200 ms to the right (50 px/s).
    const h: TrackPoint[] = [];
    for (let i = 0; i <= 10; i++) h.push({ tMs: i * 200, x: 100, y: 50 });
    for (let i = 1; i <= 5; i++) h.push({ tMs: 2000 + i * 200, x: 100 + i * 10, y: 50 });
    const t = track(h);
    expect(trackSpeedPxPerS(t)).toBeCloseTo(50, 6);
    // A 3 s window includes the stationary part: the mean speed drops.
    expect(trackSpeedPxPerS(t, { windowMs: 3000 })).toBeCloseTo(50 / 3, 6);
  });

  it('gives direction as a unit vector in image coordinates, and heading in degrees (90 = down)', () => {
    const t = track([
      { tMs: 0, x: 0, y: 0 },
      { tMs: 500, x: 0, y: 30 },
    ]);
    expect(trackDirection(t)).toEqual({ x: 0, y: 1 });
    expect(motionOf(t.history)?.headingDeg).toBeCloseTo(90, 10);
    expect(headingDeg({ x: -1, y: 0 })).toBeCloseTo(180, 10);
    expect(headingDeg({ x: 0, y: -1 })).toBeCloseTo(270, 10);
  });

  it('has no direction for jitter below the minimum displacement, and no motion with one point', () => {
    const jitter = track([
      { tMs: 0, x: 100, y: 100 },
      { tMs: 200, x: 102, y: 99 },
      { tMs: 400, x: 101, y: 101 },
    ]);
    expect(trackDirection(jitter)).toBeUndefined();
    expect(trackSpeedPxPerS(jitter)).toBeCloseTo((Math.hypot(1, 1) * 1000) / 400, 6);
    expect(motionOf([{ tMs: 0, x: 1, y: 1 }])).toBeUndefined();
    expect(motionOf([])).toBeUndefined();
  });

  it('compares headings across the 0/360 wrap', () => {
    expect(angleBetweenDeg(350, 10)).toBeCloseTo(20, 10);
    expect(angleBetweenDeg(0, 180)).toBeCloseTo(180, 10);
    expect(angleBetweenDeg(-90, 270)).toBeCloseTo(0, 10);
  });
});
