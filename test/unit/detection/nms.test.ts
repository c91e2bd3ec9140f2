import { describe, expect, it } from 'vitest';
import { iou } from '../../../agent/core/geometry.js';
import { nms } from '../../../agent/detection/nms.js';

const box = (classId: number, score: number, x1: number, y1: number, x2: number, y2: number) => ({ classId, score, x1, y1, x2, y2 });

describe('iou', () => {
  it('is intersection over union, 0 for disjoint or empty boxes', () => {
    expect(iou(box(0, 1, 0, 0, 10, 10), box(0, 1, 5, 0, 15, 10))).toBeCloseTo(50 / 150, 12);
    expect(iou(box(0, 1, 0, 0, 10, 10), box(0, 1, 10, 0, 20, 10))).toBe(0);
    expect(iou(box(0, 1, 0, 0, 0, 0), box(0, 1, 0, 0, 0, 0))).toBe(0);
  });
});

describe('nms', () => {
  const a = box(0, 0.9, 0, 0, 10, 10);
  const aDup = box(0, 0.8, 1, 0, 11, 10); // IoU 90/110 = 0.82 with a
  const aOther = box(1, 0.7, 1, 0, 11, 10); // same place, other class
  const far = box(0, 0.6, 50, 50, 60, 60);

  it('suppresses same-class overlaps only, best first', () => {
    expect(nms([far, aDup, aOther, a], { iouThreshold: 0.5 })).toEqual([a, aOther, far]);
  });

  it('suppresses across classes when class-agnostic', () => {
    expect(nms([a, aOther, far], { iouThreshold: 0.5, classAgnostic: true })).toEqual([a, far]);
  });

  it('keeps a box whose IoU is exactly the threshold (suppression needs IoU > threshold)', () => {
    const half = box(0, 0.5, 5, 0, 15, 10); // IoU 1/3 with a
    expect(nms([a, half], { iouThreshold: iou(a, half) })).toHaveLength(2);
    expect(nms([a, half], { iouThreshold: 0.33 })).toEqual([a]);
  });

  it('caps the kept boxes and the candidates considered', () => {
    const many = Array.from({ length: 10 }, (_, i) => box(0, i / 10, i * 20, 0, i * 20 + 10, 10));
    expect(nms(many, { iouThreshold: 0.5, maxDetections: 3 }).map((c) => c.score)).toEqual([0.9, 0.8, 0.7]);
    expect(nms(many, { iouThreshold: 0.5, maxCandidates: 2 })).toHaveLength(2);
  });
});
