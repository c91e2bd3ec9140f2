import { describe, expect, it } from 'vitest';
import { InferenceGate, MotionDetector } from '../../../agent/motion/index.js';
import type { Track } from '../../../agent/tracking/types.js';

const W = 320;
const H = 240;

/** A gray frame with optional filled rectangles (frame pixels) of another gray level. */
function frame(level: number, boxes: Array<{ x: number; y: number; w: number; h: number; level: number }> = []) {
  const data = Buffer.alloc(W * H * 3, level);
  for (const b of boxes) {
    for (let y = b.y; y < b.y + b.h; y++) for (let x = b.x; x < b.x + b.w; x++) data.fill(b.level, (y * W + x) * 3, (y * W + x) * 3 + 3);
  }
  return { width: W, height: H, data };
}

describe('MotionDetector', () => {
  it('lets the first frame through, then sees no motion in a static scene', () => {
    const m = new MotionDetector();
    expect(m.detect(frame(100)).motion).toBe(true);
    for (let i = 0; i < 5; i++) expect(m.detect(frame(100)).motion).toBe(false);
  });

  it('reports a moving block with its region in frame pixels', () => {
    const m = new MotionDetector();
    m.detect(frame(100));
    const r = m.detect(frame(100, [{ x: 200, y: 40, w: 40, h: 30, level: 220 }]));
    expect(r.motion).toBe(true);
    expect(r.region!.x1).toBeGreaterThanOrEqual(196);
    expect(r.region!.x2).toBeLessThanOrEqual(244);
    expect(r.region!.y1).toBeGreaterThanOrEqual(36);
    expect(r.region!.y2).toBeLessThanOrEqual(74);
  });

  it('reports separate moving objects as separate regions, and their union', () => {
    const m = new MotionDetector();
    m.detect(frame(100));
    const r = m.detect(frame(100, [{ x: 16, y: 16, w: 24, h: 24, level: 220 }, { x: 240, y: 160, w: 40, h: 40, level: 20 }]));
    expect(r.regions).toHaveLength(2);
    expect(r.regions![0]).toEqual({ x1: 16, y1: 16, x2: 40, y2: 40 });
    expect(r.regions![1]).toEqual({ x1: 240, y1: 160, x2: 280, y2: 200 });
    expect(r.region).toEqual({ x1: 16, y1: 16, x2: 280, y2: 200 });
  });

  it('does not add up scattered noise into motion: 2 % of pixels flickering all over the frame is no region', () => {
    const m = new MotionDetector();
    m.detect(frame(100));
    const noisy = frame(100);
    // Every 50th pixel of the frame jumps (H.264 flicker, sensor noise): far above the 0.2 % minimum in total.
    let seed = 7;
    for (let p = 0; p < W * H; p++) {
      seed = (seed * 1103515245 + 12345) & 0x7fffffff;
      if (seed % 50 === 0) noisy.data.fill(230, p * 3, p * 3 + 3);
    }
    const r = m.detect(noisy);
    expect(r.changedFraction).toBeGreaterThan(0.01);
    expect(r.motion).toBe(false);
  });

  it('ignores changes smaller than the minimum area (sensor noise, a leaf)', () => {
    const m = new MotionDetector();
    m.detect(frame(100));
    expect(m.detect(frame(100, [{ x: 10, y: 10, w: 2, h: 2, level: 250 }])).motion).toBe(false);
  });

  it('treats a whole-frame brightness jump as light (exposure, clouds), not motion, and still sees an object on it', () => {
    const m = new MotionDetector();
    m.detect(frame(100));
    expect(m.detect(frame(180))).toMatchObject({ motion: false });
    expect(m.detect(frame(180)).motion).toBe(false);
    expect(m.detect(frame(180, [{ x: 100, y: 100, w: 40, h: 40, level: 20 }])).motion).toBe(true);
  });

  it('a scene that changes almost everywhere at once is recalibrated, not reported', () => {
    const m = new MotionDetector();
    m.detect(frame(100));
    // A third brighter, a third darker, a third as it was: no single shift explains two thirds of it.
    const changed = frame(100, [{ x: 0, y: 0, w: W, h: 80, level: 220 }, { x: 0, y: 80, w: W, h: 80, level: 20 }]);
    expect(m.detect(changed)).toMatchObject({ motion: false, recalibrated: true });
  });

  it('an object that stood still and then left leaves no ghost: the empty place is not motion', () => {
    const m = new MotionDetector();
    const person = { x: 120, y: 80, w: 40, h: 80, level: 30 };
    m.detect(frame(100));
    // Stands for 20 s at 5 fps: the background learns it.
    for (let i = 0; i < 100; i++) m.detect(frame(100, [person]), i * 200);
    expect(m.detect(frame(100), 20_000).motion).toBe(true); // the frame they leave in
    for (let i = 1; i <= 10; i++) expect(m.detect(frame(100), 20_000 + i * 200).motion).toBe(false);
  });

  it('ignores motion inside a mask polygon, not outside it', () => {
    const m = new MotionDetector({ masks: [[[0, 0], [0.5, 0], [0.5, 0.5], [0, 0.5]]] });
    m.detect(frame(100));
    expect(m.detect(frame(100, [{ x: 20, y: 20, w: 60, h: 60, level: 240 }])).motion).toBe(false);
    expect(m.detect(frame(100, [{ x: 220, y: 160, w: 60, h: 60, level: 240 }])).motion).toBe(true);
  });
});

describe('InferenceGate', () => {
  const track = (speedPxPerS: number | undefined): Track => ({
    id: 1, classId: 2, className: 'car', score: 0.9, box: { x1: 0, y1: 0, x2: 10, y2: 10 }, firstSeenMs: 0, lastSeenMs: 0, hits: 3, history: [], speedPxPerS,
  });

  it('runs on motion and on moving tracks; otherwise only on the keep-alive cadence', () => {
    const gate = new InferenceGate({ keepAliveSeconds: 1 });
    expect(gate.decide(true, [], 0)).toBe('motion');
    expect(gate.decide(false, [track(50)], 200)).toBe('active-tracks');
    expect(gate.decide(false, [track(0)], 400)).toBe('skip');
    expect(gate.decide(false, [], 1000)).toBe('skip');
    expect(gate.decide(false, [track(0)], 1200)).toBe('keep-alive');
    expect(gate.decide(false, [track(0)], 1400)).toBe('skip');
  });

  it('re-checks stationary objects on the keep-alive, and an empty scene only on the slower sweep', () => {
    const gate = new InferenceGate({ keepAliveSeconds: 1, emptySweepSeconds: 5 });
    expect(gate.decide(true, [], 0)).toBe('motion');
    expect(gate.decide(false, [], 1000)).toBe('skip');
    expect(gate.decide(false, [], 4800)).toBe('skip');
    expect(gate.decide(false, [], 5000)).toBe('sweep');
    expect(gate.decide(false, [track(0)], 5800)).toBe('skip');
    expect(gate.decide(false, [track(0)], 6000)).toBe('keep-alive');
  });

  it('treats a track of unknown speed as moving (a fresh track has no speed yet)', () => {
    expect(new InferenceGate().decide(false, [track(undefined)], 0)).toBe('active-tracks');
  });
});
