import { describe, expect, it } from 'vitest';
import { mergeTileDetections, planTiles } from '../../../agent/detection/tiles.js';
import type { Detection } from '../../../agent/detection/types.js';

const input = { width: 416, height: 416 };
const det = (x1: number, y1: number, x2: number, y2: number, score = 0.8, classId = 3): Detection => ({ classId, className: classId === 3 ? 'motorcycle' : 'car', score, box: { x1, y1, x2, y2 } });

describe('planTiles', () => {
  it('covers a 640x360 frame with two native-resolution windows sharing more than the minimum overlap', () => {
    const plan = planTiles({ x: 0, y: 0, width: 640, height: 360 }, input, { maxTiles: 2, minOverlapPx: 96 });
    expect(plan).toEqual([
      { x: 0, y: 0, width: 416, height: 360 },
      { x: 224, y: 0, width: 416, height: 360 },
    ]);
  });

  it('gives one window when the region fits the input (a crop at native resolution, same cost as the frame)', () => {
    expect(planTiles({ x: 100, y: 200, width: 300, height: 120 }, input)).toEqual([{ x: 100, y: 200, width: 300, height: 120 }]);
  });

  it('grows the windows (shrunk in the model) rather than exceed maxTiles, and still covers the region', () => {
    const region = { x: 0, y: 0, width: 1920, height: 1080 };
    const plan = planTiles(region, input, { maxTiles: 4, minOverlapPx: 96 });
    expect(plan.length).toBeLessThanOrEqual(4);
    expect(plan[0]!.width).toBeGreaterThan(416);
    expect(Math.min(...plan.map((t) => t.x))).toBe(0);
    expect(Math.max(...plan.map((t) => t.x + t.width))).toBe(1920);
    expect(Math.max(...plan.map((t) => t.y + t.height))).toBe(1080);
    // Neighbours share at least the minimum overlap.
    const xs = [...new Set(plan.map((t) => t.x))].sort((a, b) => a - b);
    for (let i = 1; i < xs.length; i++) expect(xs[i - 1]! + plan[0]!.width - xs[i]!).toBeGreaterThanOrEqual(96);
  });
});

describe('mergeTileDetections', () => {
  const left = { x: 0, y: 0, width: 416, height: 360 };
  const right = { x: 224, y: 0, width: 416, height: 360 };

  it('moves boxes to frame pixels and keeps one of an object both windows see whole', () => {
    const merged = mergeTileDetections([
      { rect: left, detections: [det(300, 100, 330, 150, 0.6)] },
      { rect: right, detections: [det(77, 101, 107, 151, 0.7)] },
    ], 0.45);
    expect(merged).toHaveLength(1);
    expect(merged[0]!.score).toBe(0.7);
    expect(merged[0]!.box).toEqual({ x1: 301, y1: 101, x2: 331, y2: 151 });
  });

  it('drops the piece of an object cut by a shared edge when the other window holds it whole', () => {
    // Car at frame x 380..460: cut by the left window's right edge (416), whole in the right window.
    const merged = mergeTileDetections([
      { rect: left, detections: [det(380, 100, 416, 160, 0.9, 2)] },
      { rect: right, detections: [det(156, 100, 236, 160, 0.5, 2)] },
    ], 0.45);
    expect(merged.map((d) => d.box)).toEqual([{ x1: 380, y1: 100, x2: 460, y2: 160 }]);
  });

  it('joins the pieces of an object wider than the overlap into one box', () => {
    // A bus at frame x 150..500: cut in both windows.
    const merged = mergeTileDetections([
      { rect: left, detections: [det(150, 80, 416, 200, 0.7, 5)] },
      { rect: right, detections: [det(0, 82, 276, 198, 0.6, 5)] },
    ], 0.45);
    expect(merged).toHaveLength(1);
    expect(merged[0]!.box).toEqual({ x1: 150, y1: 80, x2: 500, y2: 200 });
  });

  it('keeps two different objects of one class side by side in the overlap', () => {
    const merged = mergeTileDetections([
      { rect: left, detections: [det(250, 100, 270, 140), det(280, 100, 300, 140)] },
      { rect: right, detections: [det(26, 100, 46, 140), det(56, 100, 76, 140)] },
    ], 0.45);
    expect(merged).toHaveLength(2);
  });
});
