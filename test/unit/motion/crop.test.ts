import { describe, expect, it } from 'vitest';
import type { Detection } from '../../../agent/detection/types.js';
import { MotionCropper, cropWindow, mergeCropDetections } from '../../../agent/motion/crop.js';
import { cropImage } from '../../../agent/core/index.js';

const frame = { width: 640, height: 452 };
const input = { width: 416, height: 416 };
const det = (x1: number, y1: number, x2: number, y2: number, className = 'car'): Detection => ({ classId: 2, className, score: 0.8, box: { x1, y1, x2, y2 } });

describe('cropWindow', () => {
  it('centres a model-sized window on the padded motion, clamped inside the frame', () => {
    expect(cropWindow({ x1: 300, y1: 200, x2: 340, y2: 230 }, frame, input, 24)).toEqual({ x: 112, y: 7, width: 416, height: 416 });
    expect(cropWindow({ x1: 600, y1: 420, x2: 630, y2: 440 }, frame, input, 24)).toEqual({ x: 224, y: 36, width: 416, height: 416 });
  });

  it('gives up when the padded motion is larger than one window, or when the frame already fits the model', () => {
    expect(cropWindow({ x1: 10, y1: 10, x2: 420, y2: 40 }, frame, input, 24)).toBeUndefined();
    expect(cropWindow({ x1: 10, y1: 10, x2: 40, y2: 40 }, { width: 416, height: 234 }, input, 24)).toBeUndefined();
  });
});

describe('cropImage', () => {
  it('copies the window row by row', () => {
    const img = { width: 4, height: 3, data: Buffer.from(Array.from({ length: 36 }, (_, i) => i)) };
    const out = cropImage(img, { x: 1, y: 1, width: 2, height: 2 });
    expect([...out.data]).toEqual([15, 16, 17, 18, 19, 20, 27, 28, 29, 30, 31, 32]);
  });
});

describe('mergeCropDetections', () => {
  const rect = { x: 112, y: 0, width: 416, height: 416 };
  const region = { x1: 300, y1: 200, x2: 340, y2: 230 };

  it('moves crop boxes back to frame pixels and drops objects cut by an inner edge of the window', () => {
    const out = mergeCropDetections([det(190, 200, 230, 232), det(380, 50, 416, 90)], rect, [], frame, region);
    expect(out).toEqual([det(302, 200, 342, 232)]);
  });

  it('keeps previous detections the window did not wholly see, drops those where things moved', () => {
    const outside = det(560, 300, 620, 340, 'parked');
    const straddling = det(500, 100, 560, 140, 'bus');
    const oldPositionOfMover = det(296, 196, 336, 226);
    const insideStill = det(150, 300, 190, 330, 'bench');
    const out = mergeCropDetections([det(190, 200, 230, 232)], rect, [outside, straddling, oldPositionOfMover, insideStill], frame, region);
    // The still object wholly inside the window is the crop's to find again (here it did not): not kept.
    expect(out.map((d) => d.className)).toEqual(['parked', 'bus', 'car']);
  });
});

describe('MotionCropper', () => {
  it('crops only frames let through for motion, and runs the whole frame at least every full-frame period', () => {
    const c = new MotionCropper({ fullFrameEverySeconds: 1 });
    const region = { x1: 300, y1: 200, x2: 340, y2: 230 };
    const plan = (reason: 'motion' | 'keep-alive' | 'active-tracks', t: number) => c.plan(reason, region, frame, input, t) !== undefined;
    expect([plan('motion', 0), plan('motion', 200), plan('motion', 400), plan('active-tracks', 600), plan('motion', 800), plan('motion', 1_600), plan('motion', 1_800)]).toEqual([
      false, // nothing ran whole yet
      true,
      true,
      false, // tracks moving somewhere: the whole frame
      true,
      false, // 1 s since the last whole frame
      true,
    ]);
  });
});
