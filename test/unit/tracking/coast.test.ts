import { describe, expect, it } from 'vitest';
import { allTracked, motionExplained, predictDetections, TrackCoaster } from '../../../agent/tracking/coast.js';
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
    const c = new TrackCoaster(0.35);
    const tracks = [track(1, 100)];
    const onTrack = [{ x1: 96, y1: 192, x2: 160, y2: 256 }];
    expect(c.decide(onTrack, tracks, [], 1_200, W)?.[0]!.box.x1).toBe(120);
    expect(c.decide(onTrack, tracks, [], 1_200, W)).toBeUndefined(); // measured again
    expect(c.decide(onTrack, tracks, [], 1_200, W)).toBeDefined();
  });
  it('runs the detector on new motion, a whole-scene change, or nothing tracked', () => {
    const c = new TrackCoaster(0.35);
    expect(c.decide([{ x1: 400, y1: 100, x2: 432, y2: 132 }], [track(1, 100)], [], 1_200, W)).toBeUndefined();
    expect(c.decide(undefined, [track(1, 100)], [], 1_200, W)).toBeUndefined();
    expect(c.decide([], [], [], 1_200, W)).toBeUndefined();
  });
});

describe('objects not tracked yet', () => {
  const bag = { classId: 24, className: 'backpack', score: 0.5, box: { x1: 300, y1: 300, x2: 330, y2: 330 } };
  const onTrack = { classId: 3, className: 'motorcycle', score: 0.6, box: { x1: 101, y1: 200, x2: 131, y2: 250 } };
  it('a confident detection on no track keeps the detector running; a low-score one does not', () => {
    expect(allTracked([onTrack], [track(1, 100)], 0.35)).toBe(true);
    expect(allTracked([onTrack, bag], [track(1, 100)], 0.35)).toBe(false);
    expect(allTracked([onTrack, { ...bag, score: 0.2 }], [track(1, 100)], 0.35)).toBe(true);
  });
  it('so a frame right after a new object was first seen is inferred, even with its motion on a track', () => {
    const c = new TrackCoaster(0.35);
    expect(c.decide([{ x1: 96, y1: 192, x2: 160, y2: 256 }], [track(1, 100)], [onTrack, bag], 1_200, W)).toBeUndefined();
  });
});
