/** Frame buffers reused for a camera's next frames (agent/frames/buffer-pool.ts). */
import { describe, expect, it } from 'vitest';
import { FrameBufferPool } from '../../../agent/frames/buffer-pool.js';

describe('FrameBufferPool', () => {
  // Frames are far larger than Node's 4 KB pooled-allocation threshold: each is a whole buffer of its own.
  it('hands a returned buffer out again for the same size, and a new one otherwise', () => {
    const pool = new FrameBufferPool(2);
    const a = pool.take(6000);
    expect(a.length).toBe(6000);
    pool.give(a);
    expect(pool.size).toBe(1);
    expect(pool.take(6000)).toBe(a);
    expect(pool.take(6000)).not.toBe(a);
  });

  it('keeps at most its maximum, each buffer once, and only whole buffers', () => {
    const pool = new FrameBufferPool(2);
    const [a, b, c] = [pool.take(6000), pool.take(6000), pool.take(6000)];
    pool.give(a);
    pool.give(a);
    pool.give(b);
    pool.give(c);
    expect(pool.size).toBe(2);
    // A view into a larger buffer may share memory with something still in use: never pooled.
    const fresh = new FrameBufferPool(2);
    fresh.give(Buffer.alloc(12000).subarray(0, 6000));
    expect(fresh.size).toBe(0);
  });

  it('drops buffers of the old size when the stream changes size', () => {
    const pool = new FrameBufferPool(3);
    const small = pool.take(6000);
    pool.give(small);
    const big = pool.take(12000);
    expect(big).not.toBe(small);
    expect(big.length).toBe(12000);
    expect(pool.size).toBe(0);
    pool.give(big);
    pool.give(Buffer.allocUnsafeSlow(6000));
    expect(pool.size).toBe(1);
    expect(pool.take(6000).length).toBe(6000);
  });
});
