/**
 * A one-item channel between two loops (one producer, one consumer). The producer waits while the item
 * it handed over is untaken, so it runs at most one item ahead; the consumer waits for the next item.
 */
export class Handoff<T> {
  private slot: { value: T } | undefined;
  private taker?: (item: { value: T } | undefined) => void;
  private putter?: () => void;
  private ended = false;

  /** Hands over `value` once the previous item was taken; dropped if the channel has ended. */
  async put(value: T): Promise<void> {
    while (this.slot && !this.ended) await new Promise<void>((resolve) => (this.putter = resolve));
    if (this.ended) return;
    const taker = this.taker;
    if (taker) {
      this.taker = undefined;
      taker({ value });
    } else {
      this.slot = { value };
    }
  }

  /** The next item; undefined once the channel has ended and nothing is left. */
  take(): Promise<{ value: T } | undefined> {
    const item = this.slot;
    if (item) {
      this.slot = undefined;
      const putter = this.putter;
      this.putter = undefined;
      putter?.();
      return Promise.resolve(item);
    }
    if (this.ended) return Promise.resolve(undefined);
    return new Promise((resolve) => (this.taker = resolve));
  }

  /** No more items: a waiting take() resolves undefined (after the last item), a waiting put() returns. */
  end(): void {
    this.ended = true;
    if (!this.slot) {
      this.taker?.(undefined);
      this.taker = undefined;
    }
    this.putter?.();
    this.putter = undefined;
  }
}
