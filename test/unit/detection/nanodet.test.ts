import { describe, expect, it } from 'vitest';
import { decodeNanodet, type NanodetLevel } from '../../../agent/detection/layouts/nanodet.js';
import { peakedSides, setRow, zeros } from './synthetic.js';

// 32x32 input → grids ceil(32/8)=4x4, 2x2, 1x1; 2 classes; reg_max 7 → 4 sides x 8 bins = 32.
function levels(): (NanodetLevel & { cls: ReturnType<typeof zeros>; dis: ReturnType<typeof zeros> })[] {
  return [8, 16, 32].map((stride) => {
    const n = Math.ceil(32 / stride) ** 2;
    return { stride, cls: zeros([1, n, 2]), dis: zeros([1, n, 32]) };
  });
}
const opts = { inputWidth: 32, inputHeight: 32, scoreThreshold: 0.3 };

describe('decodeNanodet', () => {
  it('places boxes around the cell centre ((g+0.5)*s) with distribution expectations x stride', () => {
    const lv = levels();
    // stride 16, cell 3 = (gx 1, gy 1) → centre (24, 24); sides l,t,r,b = bins 1,0,2,3 → 16, 0, 32, 48.
    setRow(lv[1]!.cls, 3, [0.25, 0.625]);
    setRow(lv[1]!.dis, 3, peakedSides(8, [1, 0, 2, 3]));
    const out = decodeNanodet(lv, opts);
    expect(out).toHaveLength(1);
    expect(out[0]!.classId).toBe(1);
    expect(out[0]!.score).toBe(0.625);
    for (const [k, v] of Object.entries({ x1: 8, y1: 24, x2: 56, y2: 72 })) expect(out[0]![k as 'x1']).toBeCloseTo(v, 9);
  });

  it('takes the softmax expectation, not the arg-max bin', () => {
    const lv = levels();
    // stride 8, cell 5 = (1,1) → centre (12,12). Left side: logits 0 and ln 3 on bins 0,1 → p = 1/4, 3/4 → 0.75 bins = 6 px.
    // The other sides: all-zero logits → uniform → 3.5 bins = 28 px.
    const dis = new Array<number>(32).fill(0);
    for (let k = 2; k < 8; k++) dis[k] = -1e9;
    dis[1] = Math.log(3);
    setRow(lv[0]!.cls, 5, [0.5, 0]);
    setRow(lv[0]!.dis, 5, dis);
    const [c] = decodeNanodet(lv, opts);
    expect(c!.x1).toBeCloseTo(12 - 6, 5);
    expect(c!.y1).toBeCloseTo(12 - 28, 9);
    expect(c!.x2).toBeCloseTo(12 + 28, 9);
    expect(c!.y2).toBeCloseTo(12 + 28, 9);
  });

  it('decodes a PicoDet fourth level (stride 64) on the ceil grid: 96 px → 2x2 cells, centres at 32 and 96', () => {
    const lv = [8, 16, 32, 64].map((stride) => {
      const n = Math.ceil(96 / stride) ** 2;
      return { stride, cls: zeros([1, n, 2]), dis: zeros([1, n, 32]) };
    });
    // Stride 64, cell 3 = (gx 1, gy 1) → centre (96, 96), outside the 96 px input as the ceil grid allows;
    // sides l,t,r,b = bins 1, 1, 0, 0 → 64 px left and up.
    setRow(lv[3]!.cls, 3, [0, 0.8]);
    setRow(lv[3]!.dis, 3, peakedSides(8, [1, 1, 0, 0]));
    const out = decodeNanodet(lv, { inputWidth: 96, inputHeight: 96, scoreThreshold: 0.3 });
    expect(out).toHaveLength(1);
    expect(out[0]).toMatchObject({ classId: 1, score: expect.closeTo(0.8, 6) });
    for (const [k, v] of Object.entries({ x1: 32, y1: 32, x2: 96, y2: 96 })) expect(out[0]![k as 'x1']).toBeCloseTo(v, 6);
  });

  it('checks each level against the ceil grid (MODEL_LAYOUT names the tensor)', () => {
    const lv = levels();
    lv[2]!.dis = zeros([1, 1, 28]);
    expect(() => decodeNanodet(lv, opts)).toThrow(/dis_pred_stride_32.*\[1,1,28\].*\[1,1,32\]/);
  });
});
