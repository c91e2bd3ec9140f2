import { describe, expect, it } from 'vitest';
import { motionExplained, predictDetections, TrackCoaster } from '../../../agent/tracking/coast.js';
import type { Track } from '../../../agent/tracking/index.js';

/** A motorbike-sized track last seen at `lastSeenMs`, moving right at 100 px/s. */
function track(id: number, x: number, lastSeenMs = 1_000, velocity: { x: number; y: number } | null = { x: 100, y: 0 }): Track {
  return {
    id, classId: 3, className: 'motorcycle', score: 0.6, riders: 1, box: { x1: x, y1: 200, x2: x + 30, y2: 250 },
    firstSeenMs: 0, lastSeenMs, hits: 5, history: [], ...(velocity && { velocityPxPerS: velocity }),
  };
}
const W = 640; // frame width: a 32 px margin

describe('predictDetections', () => {
  it('moves each track along its velocity to the frame time, keeping class, score and riders', () => {
    const [d] = predictDetections([track(1, 100)], 1_200)!;
    expect(d).toEqual({ classId: 3, className: 'motorcycle', score: 0.6, riders: 1, box: { x1: 120, y1: 200, x2: 150, y2: 250 } });
  });
  it('gives nothing to coast on without tracks, or when a track has no velocity yet', () => {
    expect(predictDetections([], 1_200)).toBeUndefined();
    expect(predictDetections([track(1, 100), track(2, 300, 1_000, null)], 1_200)).toBeUndefined();
  });
});

describe('motionExplained', () => {
  const box = { x1: 120, y1: 200, x2: 150, y2: 250 };
  it('accepts motion on a predicted box, with a motion cell of slack around it', () => {
    expect(motionExplained([{ x1: 96, y1: 192, x2: 160, y2: 256 }], [box], 32)).toBe(true);
    expect(motionExplained([], [box], 32)).toBe(true);
  });
  it('refuses motion elsewhere: something new entered the picture', () => {
    expect(motionExplained([{ x1: 96, y1: 192, x2: 160, y2: 256 }, { x1: 400, y1: 100, x2: 432, y2: 132 }], [box], 32)).toBe(false);
    // A region twice as wide as the padded box is mostly off it.
    expect(motionExplained([{ x1: 80, y1: 192, x2: 300, y2: 256 }], [box], 32)).toBe(false);
  });
});

describe('TrackCoaster', () => {
  it('coasts a frame whose motion is all on tracked objects, but never two frames in a row', () => {
    const c = new TrackCoaster();
    const tracks = [track(1, 100)];
    const onTrack = [{ x1: 96, y1: 192, x2: 160, y2: 256 }];
    expect(c.decide(onTrack, tracks, 1_200, W)?.[0]!.box.x1).toBe(120);
    expect(c.decide(onTrack, tracks, 1_200, W)).toBeUndefined(); // measured again
    expect(c.decide(onTrack, tracks, 1_200, W)).toBeDefined();
  });
  it('runs the detector on new motion, a whole-scene change, or nothing tracked', () => {
    const c = new TrackCoaster();
    expect(c.decide([{ x1: 400, y1: 100, x2: 432, y2: 132 }], [track(1, 100)], 1_200, W)).toBeUndefined();
    expect(c.decide(undefined, [track(1, 100)], 1_200, W)).toBeUndefined();
    expect(c.decide([], [], 1_200, W)).toBeUndefined();
  });
});
