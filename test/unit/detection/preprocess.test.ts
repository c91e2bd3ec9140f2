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

  it('pads every cell the image does not cover in a reused tensor buffer (above, below, left and right of it)', () => {
    // A tall 1x2 image centred in 4x4 leaves columns on both sides; a wide one leaves rows above and below.
    const tall = { width: 1, height: 2, data: Buffer.from([10, 20, 30, 50, 60, 70]) };
    for (const image of [tiny, tall]) {
      for (const letterbox of ['center', 'top-left'] as const) {
        const spec = { ...plain, letterbox };
        const fresh = allocateInput(4, 4).fill(114);
        preprocessInto(image, spec, 4, 4, fresh);
        const dirty = allocateInput(4, 4).fill(Number.NaN);
        preprocessInto(image, spec, 4, 4, dirty);
        expect(Array.from(dirty)).toEqual(Array.from(fresh));
      }
    }
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

  it('gives bit for bit the per-pixel bilinear formula when shrinking, enlarging, at native size and at the edges', () => {
    // The definition: each output value blends its four source pixels, x first then y, in doubles.
    const reference = (img: { width: number; height: number; data: Buffer }, spec: PreprocessSpec, inW: number, inH: number): Float32Array => {
      const out = allocateInput(inW, inH);
      const t = computeTransform(img.width, img.height, inW, inH, spec.letterbox);
      const ch = spec.colorOrder === 'bgr' ? [2, 1, 0] : [0, 1, 2];
      for (let p = 0; p < 3; p++) {
        const a = spec.scale / spec.std[p]!;
        const b = -spec.mean[p]! / spec.std[p]!;
        out.fill(spec.padValue * a + b, p * inW * inH, (p + 1) * inW * inH);
        for (let y = 0; y < t.resizedHeight; y++) {
          const sy = Math.min(Math.max((y + 0.5) * (img.height / t.resizedHeight) - 0.5, 0), img.height - 1);
          const y0 = Math.floor(sy), y1 = Math.min(y0 + 1, img.height - 1), wy = sy - y0;
          for (let x = 0; x < t.resizedWidth; x++) {
            const sx = Math.min(Math.max((x + 0.5) * (img.width / t.resizedWidth) - 0.5, 0), img.width - 1);
            const x0 = Math.floor(sx), x1 = Math.min(x0 + 1, img.width - 1), wx = Math.fround(sx - x0);
            const v = (yy: number, xx: number) => img.data[(yy * img.width + xx) * 3 + ch[p]!]!;
            const top = v(y0, x0) + (v(y0, x1) - v(y0, x0)) * wx;
            const bot = v(y1, x0) + (v(y1, x1) - v(y1, x0)) * wx;
            out[p * inW * inH + (t.padY + y) * inW + t.padX + x] = (top + (bot - top) * wy) * a + b;
          }
        }
      }
      return out;
    };
    const noise = (width: number, height: number) => {
      const data = Buffer.alloc(width * height * 3);
      for (let i = 0, s = 7; i < data.length; i++) data[i] = s = (s * 1103515245 + 12345) & 0xff;
      return { width, height, data };
    };
    const yolox: PreprocessSpec = { colorOrder: 'bgr', scale: 1, mean: [0, 0, 0], std: [1, 1, 1], letterbox: 'top-left', padValue: 114 };
    const yolov8: PreprocessSpec = { colorOrder: 'rgb', scale: 1 / 255, mean: [0, 0, 0], std: [1, 1, 1], letterbox: 'center', padValue: 114 };
    const picodet: PreprocessSpec = { colorOrder: 'rgb', scale: 1 / 255, mean: [0.485, 0.456, 0.406], std: [0.229, 0.224, 0.225], letterbox: 'none', padValue: 0 };
    for (const [img, spec, w, h] of [
      [noise(640, 452), yolox, 416, 416],
      [noise(640, 360), yolov8, 320, 320],
      [noise(97, 301), picodet, 320, 320],
      [noise(50, 7), yolox, 416, 416],
      [noise(1, 1), yolov8, 64, 64],
      // Native size (a tile or a motion crop of the input's size), and a smaller window padded at native size.
      [noise(416, 416), yolox, 416, 416],
      [noise(320, 320), picodet, 320, 320],
      [noise(416, 200), yolox, 416, 416],
    ] as const) {
      const out = allocateInput(w, h);
      preprocessInto(img, spec, w, h, out);
      expect(Buffer.from(out.buffer).equals(Buffer.from(reference(img, spec, w, h).buffer))).toBe(true);
    }
  });
});
