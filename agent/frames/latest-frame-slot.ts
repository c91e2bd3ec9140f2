import type { Frame } from './types.js';

/**
 * One-frame mailbox between the decoder (which never waits) and analysis (which may be slow): a new
 * frame replaces an untaken one, which is counted as dropped. Memory stays at one frame per camera
 * however slow analysis gets, and analysis always sees the newest picture.
 */
export class LatestFrameSlot {
  /** Called with each frame overwritten before anyone took it (its buffer is free: no one saw it). */
  constructor(private readonly onOverwritten?: (frame: Frame) => void) {}

  private pending: Frame | undefined;
  private readonly waiters: Array<(frame: Frame | null) => void> = [];
  private closed = false;
  private dropped = 0;
  private delivered = 0;

  /** Offers a frame; wakes the oldest waiting `take()` or replaces the untaken frame. */
  put(frame: Frame): void {
    if (this.closed) return;
    const waiter = this.waiters.shift();
    if (waiter) {
      this.delivered++;
      waiter(frame);
      return;
    }
    const overwritten = this.pending;
    this.pending = frame;
    if (overwritten) {
      this.dropped++;
      this.onOverwritten?.(overwritten);
    }
  }

  /** The newest frame not yet taken, waiting for one if needed; null once closed or aborted. */
  take(signal?: AbortSignal): Promise<Frame | null> {
    if (this.closed || signal?.aborted) return Promise.resolve(null);
    const frame = this.pending;
    if (frame) {
      this.pending = undefined;
      this.delivered++;
      return Promise.resolve(frame);
    }
    return new Promise((resolve) => {
      const onAbort = (): void => {
        const i = this.waiters.indexOf(waiter);
        if (i >= 0) this.waiters.splice(i, 1);
        resolve(null);
      };
      const waiter = (f: Frame | null): void => {
        signal?.removeEventListener('abort', onAbort);
        resolve(f);
      };
      this.waiters.push(waiter);
      signal?.addEventListener('abort', onAbort, { once: true });
    });
  }

  /**
   * A frame newer than the one the caller holds, if the decoder delivered one since: the held frame counts
   * as dropped. Never waits. Lets analysis swap a frame that went stale while it queued for the detector.
   */
  takeNewer(): Frame | undefined {
    const frame = this.pending;
    if (!frame || this.closed) return undefined;
    this.pending = undefined;
    this.dropped++;
    return frame;
  }

  /** Ends the slot: waiting and later `take()` calls resolve null; an untaken frame is released. */
  close(): void {
    this.closed = true;
    this.pending = undefined;
    for (const waiter of this.waiters.splice(0)) waiter(null);
  }

  get framesDropped(): number {
    return this.dropped;
  }

  get framesDelivered(): number {
    return this.delivered;
  }
}
