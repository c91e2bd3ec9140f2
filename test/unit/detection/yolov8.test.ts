import { describe, expect, it } from 'vitest';
import { decodeYolov8 } from '../../../agent/detection/layouts/yolov8.js';
import { setColumn, setRow, zeros } from './synthetic.js';

const opts = { inputWidth: 640, inputHeight: 640, scoreThreshold: 0.3 };
const expected = [
  { classId: 1, score: 0.875, x1: 90, y1: 45, x2: 110, y2: 55 },
  { classId: 0, score: 0.5, x1: 0, y1: 0, x2: 8, y2: 4 },
];

describe('decodeYolov8', () => {
  it('decodes the channels-first [1,4+C,N] Ultralytics layout', () => {
    const t = zeros([1, 6, 8]); // 2 classes, 8 anchors
    setColumn(t, 1, [100, 50, 20, 10, 0.25, 0.875]);
    setColumn(t, 3, [4, 2, 8, 4, 0.5, 0.125]);
    setColumn(t, 4, [4, 2, 8, 4, 0.25, 0.125]); // below threshold
    expect(decodeYolov8(t, opts)).toEqual(expected);
    expect(decodeYolov8(t, { ...opts, numClasses: 2 })).toEqual(expected);
  });

  it('decodes the transposed [1,N,4+C] layout to the same boxes', () => {
    const t = zeros([1, 8, 6]);
    setRow(t, 1, [100, 50, 20, 10, 0.25, 0.875]);
    setRow(t, 3, [4, 2, 8, 4, 0.5, 0.125]);
    expect(decodeYolov8(t, opts)).toEqual(expected);
  });

  it('uses the class count to pick the axis when the guess would be wrong', () => {
    // 3 anchors, 6 classes → [1,10,3]; the short axis (3) is not the channel axis.
    const t = zeros([1, 3, 10]);
    setRow(t, 0, [50, 50, 10, 10, 0, 0, 0, 0, 0, 0.9]);
    expect(decodeYolov8(t, { ...opts, numClasses: 6 })).toEqual([{ classId: 5, score: expect.closeTo(0.9, 6), x1: 45, y1: 45, x2: 55, y2: 55 }]);
    expect(() => decodeYolov8(t, { ...opts, numClasses: 7 })).toThrow(/for 7 classes/);
  });
});
