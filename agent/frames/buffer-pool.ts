/** Frame buffers a camera keeps for its next frames: enough for a decoder that outruns analysis a little. */
export const DEFAULT_POOLED_FRAME_BUFFERS = 3;

/**
 * Frame buffers that nobody saw, reused for the camera's next frames. Only frames that were never handed to
 * analysis (overwritten in the latest-frame slot) or that analysis skipped at once (load shedding) come back
 * here: a frame that reached the detector, the rules, an incident or the console may be held for seconds,
 * so it is left to the garbage collector. Why: each new 0.9 MB frame (640x452 RGB) is external memory to V8;
 * frames that wait long enough to be promoted are freed only by full (mark-compact) collections, which an
 * overloaded agent ran every ~1 s (scripts/bench/profile.ts with --trace-gc), costing CPU when it had none.
 */
export class FrameBufferPool {
  private readonly free: Buffer[] = [];

  constructor(private readonly max = DEFAULT_POOLED_FRAME_BUFFERS) {}

  /** A buffer of `bytes` (contents undefined): a pooled one of that size, else a new one. */
  take(bytes: number): Buffer {
    const pooled = this.free.pop();
    if (pooled && pooled.length === bytes) return pooled;
    // A pooled buffer of another size (the stream changed size) is dropped with the rest of that size.
    if (pooled) this.free.length = 0;
    return Buffer.allocUnsafe(bytes);
  }

  /** Hands back a buffer no one else holds. Only whole buffers (not views into a larger one) are kept. */
  give(buffer: Buffer): void {
    if (this.free.length >= this.max || buffer.byteOffset !== 0 || buffer.buffer.byteLength !== buffer.length) return;
    if (this.free.length > 0 && this.free[0]!.length !== buffer.length) this.free.length = 0;
    if (!this.free.includes(buffer)) this.free.push(buffer);
  }

  /** Buffers waiting to be reused. */
  get size(): number {
    return this.free.length;
  }
}
