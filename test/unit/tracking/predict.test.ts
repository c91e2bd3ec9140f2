import { describe, expect, it } from 'vitest';
import { predictedBox } from '../../../agent/tracking/predict.js';
import type { TrackPoint } from '../../../agent/tracking/types.js';

const box = { x1: 100, y1: 50, x2: 120, y2: 90 };

describe('predictedBox', () => {
  it("moves the last box by the tracker's velocity over the time since it was last seen", () => {
    const t = { box, lastSeenMs: 1000, velocityPxPerS: { x: 50, y: -20 }, history: [] };
    // 400 ms later: +20 px right, 8 px up.
    expect(predictedBox(t, 1400)).toEqual({ x1: 120, y1: 42, x2: 140, y2: 82 });
    // Asked about an earlier time (a frame out of order) it does not move backwards.
    expect(predictedBox(t, 900)).toEqual(box);
  });

  it('falls back on the displacement of the recent history when the tracker has no velocity', () => {
    // Bottom-centre 10 px right per 200 ms: 50 px/s.
    const history: TrackPoint[] = Array.from({ length: 5 }, (_, i) => ({ tMs: i * 200, x: 110 + i * 10 - 40, y: 90 }));
    const t = { box, lastSeenMs: 800, history };
    expect(predictedBox(t, 1000)).toEqual({ x1: 110, y1: 50, x2: 130, y2: 90 });
  });

  it('stays put for a track with neither (a new one)', () => {
    expect(predictedBox({ box, lastSeenMs: 0, history: [{ tMs: 0, x: 110, y: 90 }] }, 500)).toEqual(box);
  });
});
