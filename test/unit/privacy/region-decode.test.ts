import { describe, expect, it } from 'vitest';
import { decodeUlfd, decodeY5fu, decodeYunet, tileOrigins } from '../../../agent/privacy/index.js';

describe('privacy detector decoders', () => {
  it('YuNet: sqrt(cls·obj), centre from the grid cell plus offset, size e^d times the stride', () => {
    const out: Record<string, Float32Array> = {};
    for (const s of [8, 16, 32]) {
      const cells = (32 / s) * (32 / s);
      out[`cls_${s}`] = new Float32Array(cells);
      out[`obj_${s}`] = new Float32Array(cells);
      out[`bbox_${s}`] = new Float32Array(cells * 4);
    }
    // Stride 16 on a 32x32 input: 2x2 cells; cell (r=1, c=0) holds a face.
    out.cls_16![2] = 0.81;
    out.obj_16![2] = 1.2; // clamped to 1
    out.bbox_16!.set([0.5, 0.25, Math.log(2), 0], 8);
    const [face, ...rest] = decodeYunet(out, 32, 32, 0.5);
    expect(rest).toEqual([]);
    expect(face!.score).toBeCloseTo(0.9);
    // centre (8, 20), size 32x16.
    expect([face!.x1, face!.y1, face!.x2, face!.y2].map((v) => Math.round(v * 1000) / 1000)).toEqual([-8, 12, 24, 28]);
  });

  it('ULFD: face score at index 1, corners as fractions of the input', () => {
    const found = decodeUlfd({ scores: new Float32Array([0.9, 0.1, 0.2, 0.8]), boxes: new Float32Array([0, 0, 1, 1, 0.25, 0.5, 0.5, 1]) }, 320, 240, 0.7);
    expect(found).toEqual([{ x1: 80, y1: 120, x2: 160, y2: 240, score: expect.closeTo(0.8, 5) }]);
  });

  it('y5fu: objectness times the better class, centre-size boxes in input pixels', () => {
    const row = (cx: number, obj: number, c1: number, c2: number) => [cx, 50, 40, 10, obj, 0, 0, 0, 0, 0, 0, 0, 0, c1, c2];
    const found = decodeY5fu({ output: new Float32Array([...row(100, 0.9, 0.2, 0.8), ...row(10, 0.1, 1, 0), ...row(200, 0.5, 0.3, 0.1)]) }, 0.3);
    expect(found).toEqual([{ x1: 80, y1: 45, x2: 120, y2: 55, score: expect.closeTo(0.72, 5) }]);
  });

  it('tiles cover the image with overlap, evenly spread, the last flush with the edge', () => {
    expect(tileOrigins(320, 320)).toEqual([0]);
    expect(tileOrigins(200, 320)).toEqual([0]);
    expect(tileOrigins(640, 320, 64)).toEqual([0, 160, 320]);
    const xs = tileOrigins(1920, 320, 64);
    expect(xs.at(-1)).toBe(1600);
    for (let i = 1; i < xs.length; i++) expect(xs[i - 1]! + 320 - xs[i]!).toBeGreaterThanOrEqual(64);
  });
});
