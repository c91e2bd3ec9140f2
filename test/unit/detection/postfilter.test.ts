import { describe, expect, it } from 'vitest';
import { COCO_COARSE_REMAP, lowestScoreThreshold, postfilter, remapTargets } from '../../../agent/detection/postfilter.js';
import type { Detection } from '../../../agent/detection/types.js';

const det = (className: string, classId: number, score: number, w: number, h: number): Detection => ({
  className, classId, score, box: { x1: 10, y1: 10, x2: 10 + w, y2: 10 + h },
});

describe('postfilter', () => {
  const person = det('person', 0, 0.45, 20, 50);
  const car = det('car', 2, 0.45, 60, 30);
  const dog = det('dog', 16, 0.9, 30, 20);

  it('applies per-class thresholds, the default threshold for the rest', () => {
    expect(postfilter([person, car, dog], 0.4, { classThresholds: { person: 0.5 } })).toEqual([car, dog]);
    expect(postfilter([person, car, dog], 0.5, { classThresholds: { car: 0.4 } })).toEqual([car, dog]);
  });

  it('filters by area (px²) and aspect ratio (w/h)', () => {
    expect(postfilter([person, car, dog], 0, { minAreaPx: 700, maxAreaPx: 1500 })).toEqual([person]); // 1000; car 1800, dog 600
    expect(postfilter([person, car, dog], 0, { minAspectRatio: 1, maxAspectRatio: 1.6 })).toEqual([dog]); // 0.4, 2, 1.5
  });

  it('remaps classes: ids index the target list, fallback catches the rest, null drops them', () => {
    expect(remapTargets(COCO_COARSE_REMAP)).toEqual(['person', 'vehicle', 'object']);
    expect(postfilter([person, car, dog], 0, { classRemap: COCO_COARSE_REMAP }).map((d) => [d.className, d.classId])).toEqual([
      ['person', 0], ['vehicle', 1], ['object', 2],
    ]);
    expect(postfilter([person, car, dog], 0, { classRemap: { map: { car: 'vehicle' }, fallback: null } }).map((d) => d.className)).toEqual(['vehicle']);
    expect(car.className).toBe('car'); // inputs untouched
  });

  it('lowers the decoder threshold to the smallest per-class threshold', () => {
    expect(lowestScoreThreshold(0.35, { classThresholds: { person: 0.2, car: 0.5 } })).toBe(0.2);
    expect(lowestScoreThreshold(0.35)).toBe(0.35);
  });
});
