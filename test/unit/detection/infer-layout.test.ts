import { describe, expect, it } from 'vitest';
import { bindLayout, type LayoutContext, type TensorInfo } from '../../../agent/detection/infer-layout.js';
import { isCamwatchError } from '../../../agent/core/errors.js';

const f32 = (name: string, ...dims: number[]): TensorInfo => ({ name, dims, type: 'float32' });
const ctx = (size: number, numClasses = 80): LayoutContext => ({ inputWidth: size, inputHeight: size, numClasses });
const nanodetOutputs = [8, 16, 32].flatMap((s) => [f32(`cls_pred_stride_${s}`, 1, (40 / (s / 8)) ** 2, 80), f32(`dis_pred_stride_${s}`, 1, (40 / (s / 8)) ** 2, 32)]);

function layoutError(fn: () => unknown): Error {
  try { fn(); } catch (err) {
    expect(isCamwatchError(err, 'MODEL_LAYOUT')).toBe(true);
    return err as Error;
  }
  throw new Error('expected MODEL_LAYOUT');
}

describe('bindLayout (inferred from output shapes)', () => {
  it('YOLOX: [1, 3549, 85] at 416 = 52²+26²+13² anchors x (5 + 80)', () => {
    expect(bindLayout([f32('output', 1, 3549, 85)], ctx(416))).toMatchObject({ layout: 'yolox', output: 'output', inferred: true });
  });

  it('NanoDet: one cls/dis pair per stride, 40²/20²/10² cells at 320', () => {
    const b = bindLayout(nanodetOutputs, ctx(320));
    expect(b).toMatchObject({ layout: 'nanodet', inferred: true });
    expect(b.layout === 'nanodet' && b.levels).toEqual([
      { stride: 8, cls: 'cls_pred_stride_8', dis: 'dis_pred_stride_8' },
      { stride: 16, cls: 'cls_pred_stride_16', dis: 'dis_pred_stride_16' },
      { stride: 32, cls: 'cls_pred_stride_32', dis: 'dis_pred_stride_32' },
    ]);
    // Shapes alone suffice: anonymous output names (older exports) bind the same way.
    const anon = nanodetOutputs.map((t, i) => ({ ...t, name: String(790 + i) }));
    expect(bindLayout(anon, ctx(320))).toMatchObject({ layout: 'nanodet', levels: [{ stride: 8, cls: '790', dis: '791' }, { stride: 16 }, { stride: 32 }] });
  });

  it('PP-PicoDet: four levels (strides 8..64) of Paddle-named outputs, all classes first, bound by shape', () => {
    const cells = [1600, 400, 100, 25];
    const paddle = [...cells.map((n) => [n, 80]), ...cells.map((n) => [n, 32])].map(([n, c], k) => f32(`save_infer_model/scale_${k}.tmp_1`, 1, n!, c!));
    const b = bindLayout(paddle, ctx(320));
    expect(b).toMatchObject({ layout: 'nanodet', inferred: true });
    expect(b.layout === 'nanodet' && b.levels).toEqual([8, 16, 32, 64].map((stride, i) => ({ stride, cls: `save_infer_model/scale_${i}.tmp_1`, dis: `save_infer_model/scale_${i + 4}.tmp_1` })));
    expect(b.reason).toContain('stride 8/16/32/64');
    // Declared "nanodet" without strides: the output count still gives four levels, so stride 64 is not dropped.
    const declared = bindLayout(paddle, ctx(320), 'nanodet');
    expect(declared.layout === 'nanodet' && declared.levels.map((l) => l.stride)).toEqual([8, 16, 32, 64]);
    // Declared strides win over the count (and a 3-level NanoDet is not mistaken for PicoDet).
    expect(bindLayout(nanodetOutputs, ctx(320))).toMatchObject({ levels: [{ stride: 8 }, { stride: 16 }, { stride: 32 }] });
    expect(bindLayout(paddle, { ...ctx(320), strides: [8, 16, 32, 64] })).toMatchObject({ layout: 'nanodet', levels: [{}, {}, {}, { stride: 64, cls: 'save_infer_model/scale_3.tmp_1' }] });
  });

  it('YOLOv8: [1, 84, 8400] and its transpose at 640; YOLOv5: [1, 25200, 85]', () => {
    expect(bindLayout([f32('output0', 1, 84, 8400)], ctx(640))).toMatchObject({ layout: 'yolov8', output: 'output0' });
    expect(bindLayout([f32('output0', 1, 8400, 84)], ctx(640))).toMatchObject({ layout: 'yolov8' });
    expect(bindLayout([f32('output0', 1, 25200, 85)], ctx(640))).toMatchObject({ layout: 'yolov5' });
  });

  it('DETR family: RF-DETR (dets + logits), D-FINE (labels/boxes/scores + orig_target_sizes), Ultralytics RT-DETR', () => {
    expect(bindLayout([f32('dets', 1, 300, 4), f32('labels', 1, 300, 91)], ctx(560))).toMatchObject({ layout: 'detr', kind: 'classScores', boxes: 'dets', scores: 'labels' });
    const dfine = [{ name: 'labels', dims: [1, 300], type: 'int64' }, f32('boxes', 1, 300, 4), f32('scores', 1, 300)];
    const b = bindLayout(dfine, { ...ctx(640), inputNames: ['images', 'orig_target_sizes'] });
    expect(b).toMatchObject({ layout: 'detr', kind: 'labelled', boxes: 'boxes', scores: 'scores', labels: 'labels' });
    expect(b.reason).toContain('orig_target_sizes');
    expect(bindLayout([f32('output0', 1, 300, 84)], ctx(640))).toMatchObject({ layout: 'detr', kind: 'combined' });
  });

  it('fails with MODEL_LAYOUT listing the shapes seen and the known layouts', () => {
    const err = layoutError(() => bindLayout([f32('logits', 1, 1000)], ctx(224)));
    expect(err.message).toContain('logits[1,1000]');
    expect(err.message).toContain('yolox, nanodet, yolov8, yolov5, detr');
    // The class count matters: a 91-class YOLOX-shaped output does not fit 80 class names.
    expect(layoutError(() => bindLayout([f32('output', 1, 3549, 96)], ctx(416))).message).toContain('80 classes');
  });
});

describe('bindLayout (declared in the manifest)', () => {
  it('binds roles without requiring the class count to match', () => {
    expect(bindLayout([f32('output', 1, 3549, 96)], ctx(416), 'yolox')).toMatchObject({ layout: 'yolox', inferred: false });
  });

  it('rejects a declared layout the outputs cannot fit', () => {
    const err = layoutError(() => bindLayout(nanodetOutputs, ctx(320), 'yolox'));
    expect(err.message).toMatch(/manifest says layout "yolox".*cls_pred_stride_8\[1,1600,80\]/);
  });
});
