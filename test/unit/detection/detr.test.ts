import { describe, expect, it } from 'vitest';
import { decodeDetr, DETR_DEFAULTS } from '../../../agent/detection/layouts/detr.js';
import { setRow, zeros } from './synthetic.js';

const base = { inputWidth: 100, inputHeight: 50, scoreThreshold: 0.3 };
const sigmoid = (x: number): number => 1 / (1 + Math.exp(-x));

describe('decodeDetr', () => {
  it('classScores: normalised cxcywh boxes, sigmoid over logits, best class, no NMS', () => {
    const boxes = zeros([1, 3, 4]);
    const logits = zeros([1, 3, 2]);
    setRow(boxes, 0, [0.5, 0.5, 0.25, 0.5]);
    setRow(logits, 0, [2, -1]);
    setRow(boxes, 1, [0.5, 0.5, 0.25, 0.5]); // same box, other class: kept (set prediction, no NMS here)
    setRow(logits, 1, [-4, 1]);
    setRow(logits, 2, [-3, -2]); // sigmoid(-2) = 0.12 < 0.3
    const out = decodeDetr({ kind: 'classScores', boxes, scores: logits }, { ...base, ...DETR_DEFAULTS.classScores });
    expect(out).toEqual([
      { classId: 0, score: expect.closeTo(sigmoid(2), 6), x1: 37.5, y1: 12.5, x2: 62.5, y2: 37.5 },
      { classId: 1, score: expect.closeTo(sigmoid(1), 6), x1: 37.5, y1: 12.5, x2: 62.5, y2: 37.5 },
    ]);
  });

  it('labelled (D-FINE deploy graph): xyxy pixel boxes, scores as given, int64 labels', () => {
    const boxes = zeros([1, 2, 4]);
    setRow(boxes, 0, [10, 5, 30, 45]);
    setRow(boxes, 1, [1, 1, 2, 2]);
    const scores = { data: new Float32Array([0.875, 0.25]), dims: [1, 2] };
    const labels = { data: new Float64Array([7, 2]), dims: [1, 2] };
    expect(decodeDetr({ kind: 'labelled', boxes, scores, labels }, { ...base, ...DETR_DEFAULTS.labelled })).toEqual([
      { classId: 7, score: 0.875, x1: 10, y1: 5, x2: 30, y2: 45 },
    ]);
  });

  it('combined (Ultralytics RT-DETR): [1,Q,4+C] with probabilities', () => {
    const t = zeros([1, 2, 7]);
    setRow(t, 1, [0.25, 0.5, 0.5, 0.5, 0.125, 0.5, 0.75]);
    expect(decodeDetr({ kind: 'combined', output: t }, { ...base, ...DETR_DEFAULTS.combined })).toEqual([
      { classId: 2, score: 0.75, x1: 0, y1: 12.5, x2: 50, y2: 37.5 },
    ]);
  });

  it('honours a normalised xyxy override and rejects boxes that are not [1,Q,4]', () => {
    const boxes = zeros([1, 1, 4]);
    setRow(boxes, 0, [0.25, 0.5, 0.5, 1]);
    const scores = zeros([1, 1, 1]);
    setRow(scores, 0, [5]);
    const opts = { ...base, boxFormat: 'xyxy' as const, normalized: true, activation: 'sigmoid' as const };
    expect(decodeDetr({ kind: 'classScores', boxes, scores }, opts)[0]).toMatchObject({ x1: 25, y1: 25, x2: 50, y2: 50 });
    expect(() => decodeDetr({ kind: 'classScores', boxes: zeros([1, 1, 5]), scores }, opts)).toThrow(/expected \[1,Q,4\]/);
  });
});
