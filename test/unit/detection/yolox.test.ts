import { describe, expect, it } from 'vitest';
import { decodeYolox } from '../../../agent/detection/layouts/yolox.js';
import { isCamwatchError } from '../../../agent/core/errors.js';
import { anchorIndex, setRow, zeros } from './synthetic.js';

// 64x64 input, strides 8/16/32 → 8x8 + 4x4 + 2x2 = 84 anchors; 3 classes → rows of 8.
const S = [8, 16, 32];
const opts = { inputWidth: 64, inputHeight: 64, scoreThreshold: 0.3 };

describe('decodeYolox', () => {
  it('decodes grid offsets, log sizes and obj*cls at the right stride and cell', () => {
    const t = zeros([1, 84, 8]);
    // stride 16, cell (1,2): centre ((0.5+1)*16, (0.25+2)*16) = (24, 36), size exp(0)*16 = 16.
    setRow(t, anchorIndex(64, 64, S, 16, 1, 2), [0.5, 0.25, 0, 0, 0.75, 0.25, 0.5, 0.125]);
    // stride 32, cell (1,0): centre ((0+1)*32, 0*32) = (32, 0), w = exp(ln 2)*32 = 64, h = 32.
    setRow(t, anchorIndex(64, 64, S, 32, 1, 0), [0, 0, Math.log(2), 0, 1, 0.5, 0, 0]);
    const out = decodeYolox(t, opts);
    expect(out).toHaveLength(2);
    expect(out[0]).toEqual({ classId: 1, score: 0.375, x1: 16, y1: 28, x2: 32, y2: 44 });
    expect(out[1]!.classId).toBe(0);
    expect(out[1]!.score).toBe(0.5);
    expect(out[1]!.x1).toBeCloseTo(0, 5);
    expect(out[1]!.x2).toBeCloseTo(64, 5);
    expect([out[1]!.y1, out[1]!.y2]).toEqual([-16, 16]);
  });

  it('drops anchors whose obj*cls is under the threshold even if objectness is high', () => {
    const t = zeros([1, 84, 8]);
    setRow(t, 0, [0, 0, 0, 0, 0.9, 0.3, 0.2, 0.1]); // 0.27 < 0.3
    setRow(t, 1, [0, 0, 0, 0, 0.2, 1, 1, 1]); // obj 0.2 < 0.3
    expect(decodeYolox(t, opts)).toEqual([]);
  });

  it('rejects an output whose anchor count does not fit the input size (MODEL_LAYOUT)', () => {
    const t = zeros([1, 3549, 85]);
    let caught: unknown;
    try { decodeYolox(t, opts); } catch (err) { caught = err; }
    expect(isCamwatchError(caught, 'MODEL_LAYOUT')).toBe(true);
    expect((caught as Error).message).toContain('[1,3549,85]');
    expect((caught as Error).message).toContain('[1,84,5+C]');
  });
});
