import { describe, expect, it } from 'vitest';
import { decodeOutputs } from '../../../agent/detection/decode.js';
import { bindLayout, type LayoutBinding } from '../../../agent/detection/infer-layout.js';
import type { TensorView } from '../../../agent/detection/layouts/types.js';
import { nms } from '../../../agent/detection/nms.js';
import { computeTransform, mapBoxToImage } from '../../../agent/detection/preprocess.js';
import { anchorIndex, setColumn, setRow, sideLogits, zeros } from './synthetic.js';

/**
 * Decode → NMS → letterbox un-mapping, per layout. A 200x100 image centred in a 64x64 input: scale 0.32,
 * 64x32 resized, 16 px of padding above and below. Each model sees the same scene: an object at input box
 * (16,28)-(32,44) reported twice (NMS must keep the better) and, overlapping it, an object of another class.
 * In image pixels (x / 0.32, (y - 16) / 0.32): (50, 37.5)-(100, 87.5).
 */
const t = computeTransform(200, 100, 64, 64, 'center');
const W = 64;
const opts = { inputWidth: W, inputHeight: W, scoreThreshold: 0.3, numClasses: 2 };

function run(binding: LayoutBinding, outputs: Record<string, TensorView>) {
  return nms(decodeOutputs(binding, outputs, opts), { iouThreshold: 0.5 }).map((c) => ({
    classId: c.classId, score: c.score, box: mapBoxToImage(c.x1, c.y1, c.x2, c.y2, t, 200, 100),
  }));
}

function expectScene(got: ReturnType<typeof run>, best: number): void {
  expect(t).toMatchObject({ scaleX: 0.32, scaleY: 0.32, padX: 0, padY: 16 });
  expect(got).toHaveLength(2);
  expect(got[0]!.classId).toBe(0);
  expect(got[0]!.score).toBeCloseTo(best, 6);
  for (const [k, v] of Object.entries({ x1: 50, y1: 37.5, x2: 100, y2: 87.5 })) expect(got[0]!.box[k as 'x1']).toBeCloseTo(v, 5);
  expect(got[1]!.classId).toBe(1);
}

type DistributiveOmit<T, K extends PropertyKey> = T extends unknown ? Omit<T, K> : never;
const bind = (b: DistributiveOmit<LayoutBinding, 'inferred' | 'reason'>): LayoutBinding => ({ ...b, inferred: false, reason: 'test' });

describe('decode → NMS → image pixels', () => {
  it('yolox', () => {
    const o = zeros([1, 84, 7]);
    const S = [8, 16, 32];
    // Stride 8, cell (2,4), d = (1, 0.5), log size ln 2 → centre (24, 36), 16 x 16 → (16,28)-(32,44).
    setRow(o, anchorIndex(W, W, S, 8, 2, 4), [1, 0.5, Math.log(2), Math.log(2), 1, 0.9, 0]);
    setRow(o, anchorIndex(W, W, S, 8, 3, 4), [0, 0.5, Math.log(2), Math.log(2), 1, 0.8, 0]); // same box from the next cell, worse
    setRow(o, anchorIndex(W, W, S, 8, 3, 5), [0, 0, Math.log(2), Math.log(2), 1, 0, 0.6]); // class 1, (16,32)-(32,48)
    expectScene(run(bind({ layout: 'yolox', output: 'output' }), { output: o }), 0.9);
  });

  it('yolov8', () => {
    const o = zeros([1, 6, 10]);
    setColumn(o, 2, [24, 36, 16, 16, 0.9, 0]);
    setColumn(o, 7, [25, 36, 16, 16, 0.7, 0.1]);
    setColumn(o, 9, [26, 38, 16, 16, 0, 0.6]);
    expectScene(run(bind({ layout: 'yolov8', output: 'o' }), { o }), 0.9);
  });

  it('yolov5', () => {
    const o = zeros([1, 10, 7]);
    setRow(o, 1, [24, 36, 16, 16, 1, 0.9, 0]);
    setRow(o, 4, [24, 37, 16, 16, 0.9, 0.9, 0]);
    setRow(o, 8, [26, 38, 16, 16, 1, 0, 0.6]);
    expectScene(run(bind({ layout: 'yolov5', output: 'o' }), { o }), 0.9);
  });

  it('nanodet', () => {
    const out: Record<string, ReturnType<typeof zeros>> = {};
    for (const s of [8, 16, 32]) {
      out[`cls${s}`] = zeros([1, (W / s) ** 2, 2]);
      out[`dis${s}`] = zeros([1, (W / s) ** 2, 32]);
    }
    // Stride 8, cell (2,4): centre (20, 36); l,t,r,b = 0.5, 1, 1.5, 1 bins = 4, 8, 12, 8 px → (16,28)-(32,44).
    setRow(out.cls8!, 4 * 8 + 2, [0.9, 0]);
    setRow(out.dis8!, 4 * 8 + 2, sideLogits(8, [0.5, 1, 1.5, 1]));
    // Cell (3,4), centre (28, 36): the same box again, worse score.
    setRow(out.cls8!, 4 * 8 + 3, [0.7, 0]);
    setRow(out.dis8!, 4 * 8 + 3, sideLogits(8, [1.5, 1, 0.5, 1]));
    // Cell (3,5), centre (28, 44): the same box, class 1 (kept: NMS is class-wise).
    setRow(out.cls8!, 5 * 8 + 3, [0, 0.6]);
    setRow(out.dis8!, 5 * 8 + 3, sideLogits(8, [1.5, 2, 0.5, 0]));
    const binding = bind({ layout: 'nanodet', levels: [8, 16, 32].map((s) => ({ stride: s, cls: `cls${s}`, dis: `dis${s}` })) });
    expectScene(run(binding, out), 0.9);
  });

  it('picodet (GFL on four strides, outputs bound by shape, input stretched without letterbox)', () => {
    // 200x100 image stretched to 64x64: x scale 0.32, y scale 0.64, no padding. Strides 8/16/32/64 → 8², 4², 2², 1² cells.
    const strides = [8, 16, 32, 64];
    const cls = strides.map((s) => zeros([1, (W / s) ** 2, 2]));
    const dis = strides.map((s) => zeros([1, (W / s) ** 2, 32]));
    const out: Record<string, ReturnType<typeof zeros>> = {};
    [...cls, ...dis].forEach((tensor, k) => { out[`save_infer_model/scale_${k}.tmp_1`] = tensor; });
    const binding = bindLayout(Object.entries(out).map(([name, v]) => ({ name, dims: v.dims, type: 'float32' })), { inputWidth: W, inputHeight: W, numClasses: 2 });
    // Stride 64, its one cell: centre (32, 32); l,t,r,b = 0.5, 0, 0, 0.5 bins = 32, 0, 0, 32 px → (0,32)-(32,64).
    setRow(cls[3]!, 0, [0.9, 0]);
    setRow(dis[3]!, 0, sideLogits(8, [0.5, 0, 0, 0.5]));
    // Stride 32, cell (0,1), centre (16, 48): the same box, worse score (NMS drops it).
    setRow(cls[2]!, 2, [0.7, 0]);
    setRow(dis[2]!, 2, sideLogits(8, [0.5, 0.5, 0.5, 0.5]));
    // Stride 8, cell (5,1), centre (44, 12): class 1, sides 1 bin = 8 px → (36,4)-(52,20).
    setRow(cls[0]!, 1 * 8 + 5, [0, 0.6]);
    setRow(dis[0]!, 1 * 8 + 5, sideLogits(8, [1, 1, 1, 1]));
    const st = computeTransform(200, 100, W, W, 'none');
    const got = nms(decodeOutputs(binding, out, opts), { iouThreshold: 0.5 }).map((c) => ({ classId: c.classId, score: c.score, box: mapBoxToImage(c.x1, c.y1, c.x2, c.y2, st, 200, 100) }));
    expect(got.map((g) => [g.classId, g.score])).toEqual([[0, expect.closeTo(0.9, 6)], [1, expect.closeTo(0.6, 6)]]);
    for (const [k, v] of Object.entries({ x1: 0, y1: 50, x2: 100, y2: 100 })) expect(got[0]!.box[k as 'x1']).toBeCloseTo(v, 5);
    for (const [k, v] of Object.entries({ x1: 112.5, y1: 6.25, x2: 162.5, y2: 31.25 })) expect(got[1]!.box[k as 'x1']).toBeCloseTo(v, 5);
  });

  it('detr (normalised cxcywh + logits; duplicates are not expected from DETR, NMS still applies)', () => {
    const boxes = zeros([1, 3, 4]);
    const logits = zeros([1, 3, 2]);
    setRow(boxes, 0, [24 / W, 36 / W, 16 / W, 16 / W]);
    setRow(logits, 0, [Math.log(9), -9]); // sigmoid = 0.9
    setRow(boxes, 1, [24.5 / W, 36 / W, 16 / W, 16 / W]);
    setRow(logits, 1, [1, -9]);
    setRow(boxes, 2, [26 / W, 38 / W, 16 / W, 16 / W]);
    setRow(logits, 2, [-9, 1]);
    expectScene(run(bind({ layout: 'detr', kind: 'classScores', boxes: 'b', scores: 'l' }), { b: boxes, l: logits }), 0.9);
  });
});
