import ort from 'onnxruntime-node';
import { describe, expect, it } from 'vitest';
import { buildFeeds, sliceBatch, type ModelSession } from '../../../agent/detection/session.js';

describe('buildFeeds', () => {
  it('feeds the image batch and, for D-FINE-style graphs, orig_target_sizes = input (w, h) per image', () => {
    const ms = { imageInput: 'images', sizeInput: 'orig_target_sizes' } as ModelSession;
    const input = new Float32Array(3 * 3 * 8 * 4); // room for 3 images of 8x4
    const feeds = buildFeeds(ms, input, 2, 8, 4);
    expect(feeds.images!.dims).toEqual([2, 3, 4, 8]);
    expect(feeds.images!.data).toHaveLength(2 * 3 * 32);
    expect(feeds.orig_target_sizes!.type).toBe('int64');
    expect(Array.from(feeds.orig_target_sizes!.data as BigInt64Array)).toEqual([8n, 4n, 8n, 4n]);
    expect(Object.keys(buildFeeds({ imageInput: 'x' } as ModelSession, input, 1, 8, 4))).toEqual(['x']);
  });
});

describe('sliceBatch', () => {
  it('views one batch item with batch dim 1', () => {
    const t = new ort.Tensor('float32', Float32Array.from([1, 2, 3, 4, 5, 6]), [2, 1, 3]);
    expect(sliceBatch(t, 1)).toEqual({ data: Float32Array.from([4, 5, 6]), dims: [1, 1, 3] });
  });

  it('converts int64 labels to numbers', () => {
    const t = new ort.Tensor('int64', BigInt64Array.from([7n, 2n, 9n, 0n]), [2, 2]);
    expect(sliceBatch(t, 1)).toEqual({ data: Float64Array.from([9, 0]), dims: [1, 2] });
  });
});
