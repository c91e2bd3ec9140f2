import { describe, expect, it } from 'vitest';
import { allocateInput, computeTransform, mapBoxToImage, preprocessInto, type PreprocessSpec } from '../../../agent/detection/preprocess.js';

// 2x1 RGB image: pixel 0 = (10,20,30), pixel 1 = (50,60,70).
const tiny = { width: 2, height: 1, data: Buffer.from([10, 20, 30, 50, 60, 70]) };
const plain: PreprocessSpec = { colorOrder: 'rgb', scale: 1, mean: [0, 0, 0], std: [1, 1, 1], letterbox: 'top-left', padValue: 114 };

const plane = (t: Float32Array, p: number, w: number, h: number): number[][] =>
  Array.from({ length: h }, (_, y) => Array.from(t.subarray(p * w * h + y * w, p * w * h + (y + 1) * w)));

describe('preprocessInto', () => {
  it('resizes bilinearly with half-pixel centres and pads bottom for top-left letterbox', () => {
    const out = allocateInput(4, 4);
    const t = preprocessInto(tiny, plain, 4, 4, out);
    expect(t).toEqual({ scaleX: 2, scaleY: 2, padX: 0, padY: 0, resizedWidth: 4, resizedHeight: 2 });
    // Source x for output columns 0..3 = -0.25(clamped), 0.25, 0.75, 1.25(clamped) → R 10, 20, 40, 50.
    expect(plane(out, 0, 4, 4)).toEqual([[10, 20, 40, 50], [10, 20, 40, 50], [114, 114, 114, 114], [114, 114, 114, 114]]);
    expect(plane(out, 1, 4, 4)[0]).toEqual([20, 30, 50, 60]);
    expect(plane(out, 2, 4, 4)[1]).toEqual([30, 40, 60, 70]);
  });

  it('orders planes BGR, normalises (v*scale - mean)/std per plane, and centres the padding', () => {
    const spec: PreprocessSpec = { colorOrder: 'bgr', scale: 0.5, mean: [1, 2, 3], std: [2, 2, 2], letterbox: 'center', padValue: 114 };
    const out = allocateInput(4, 4);
    const t = preprocessInto(tiny, spec, 4, 4, out);
    expect(t.padY).toBe(1);
    // Plane 0 is blue: B (30,40,60,70) → (v/2 - 1)/2; the pad 114 → (57 - 1)/2 = 28.
    expect(plane(out, 0, 4, 4)).toEqual([[28, 28, 28, 28], [7, 9.5, 14.5, 17], [7, 9.5, 14.5, 17], [28, 28, 28, 28]]);
    expect(plane(out, 1, 4, 4)[1]).toEqual([4, 6.5, 11.5, 14]);
    expect(plane(out, 2, 4, 4)).toEqual([[27, 27, 27, 27], [1, 3.5, 8.5, 11], [1, 3.5, 8.5, 11], [27, 27, 27, 27]]);
  });

  it('writes batch slots independently and rejects a short buffer', () => {
    const out = allocateInput(4, 4, 2);
    preprocessInto(tiny, plain, 4, 4, out, 1);
    expect(Array.from(out.subarray(0, 48)).every((v) => v === 0)).toBe(true);
    expect(out[48]).toBe(10);
    expect(() => preprocessInto({ width: 3, height: 3, data: Buffer.alloc(5) }, plain, 4, 4, out)).toThrow(RangeError);
  });

  it('stretches without padding when letterbox is none', () => {
    const out = allocateInput(4, 2);
    const t = preprocessInto(tiny, { ...plain, letterbox: 'none' }, 4, 2, out);
    expect(t).toMatchObject({ scaleX: 2, scaleY: 2, padX: 0, padY: 0 });
    expect(plane(out, 0, 4, 2)).toEqual([[10, 20, 40, 50], [10, 20, 40, 50]]);
  });
});

describe('computeTransform / mapBoxToImage', () => {
  it('centres an 810x1080 image in 640x640 like Ultralytics (480x640, 80 px each side)', () => {
    const t = computeTransform(810, 1080, 640, 640, 'center');
    expect(t).toMatchObject({ resizedWidth: 480, resizedHeight: 640, padX: 80, padY: 0 });
    expect(mapBoxToImage(80, 0, 560, 640, t, 810, 1080)).toEqual({ x1: 0, y1: 0, x2: 810, y2: 1080 });
    expect(mapBoxToImage(320, 320, 380, 400, t, 810, 1080)).toEqual({ x1: 405, y1: 540, x2: 506.25, y2: 675 });
  });

  it('clips boxes reaching into the padding to the image', () => {
    const t = computeTransform(200, 100, 64, 64, 'top-left');
    expect(t).toMatchObject({ scaleX: 0.32, scaleY: 0.32, padX: 0, padY: 0, resizedHeight: 32 });
    expect(mapBoxToImage(-4, 16, 70, 50, t, 200, 100)).toEqual({ x1: 0, y1: 50, x2: 200, y2: 100 });
  });
});
