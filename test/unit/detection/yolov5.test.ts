import { describe, expect, it } from 'vitest';
import { decodeYolov5 } from '../../../agent/detection/layouts/yolov5.js';
import { setRow, zeros } from './synthetic.js';

describe('decodeYolov5', () => {
  it('reads pixel cx,cy,w,h and scores obj*cls, best class per row', () => {
    const t = zeros([1, 4, 7]); // 2 classes
    setRow(t, 2, [100, 50, 20, 10, 0.5, 0.25, 1]);
    setRow(t, 3, [10, 10, 4, 4, 0.5, 0.5, 0.25]); // 0.25 < 0.3
    expect(decodeYolov5(t, { inputWidth: 640, inputHeight: 640, scoreThreshold: 0.3 })).toEqual([
      { classId: 1, score: 0.5, x1: 90, y1: 45, x2: 110, y2: 55 },
    ]);
  });

  it('rejects a 2-D output', () => {
    expect(() => decodeYolov5({ data: new Float32Array(10), dims: [1, 10] }, { inputWidth: 64, inputHeight: 64, scoreThreshold: 0.3 })).toThrow(/yolov5 decoder/);
  });
});
