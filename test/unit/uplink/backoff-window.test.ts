import { describe, expect, it } from 'vitest';
import { reconnectDelayMs } from '../../../agent/uplink/backoff.js';
import { DrainWindow } from '../../../agent/uplink/drain-window.js';

describe('reconnectDelayMs', () => {
  const opts = { minMs: 500, maxMs: 30_000, jitter: 0.2 };
  const mid = () => 0.5; // no jitter

  it('doubles from minMs and caps at maxMs', () => {
    expect([1, 2, 3, 4, 7, 8, 50].map((n) => reconnectDelayMs(n, opts, mid))).toEqual([500, 1000, 2000, 4000, 30_000, 30_000, 30_000]);
  });

  it('spreads by at most ± jitter and never above maxMs', () => {
    expect(reconnectDelayMs(3, opts, () => 0)).toBe(1600);
    expect(reconnectDelayMs(3, opts, () => 1)).toBe(2400);
    expect(reconnectDelayMs(20, opts, () => 1)).toBe(30_000);
  });
});

describe('DrainWindow', () => {
  it('bounds rows in flight and advances the cursor', () => {
    const w = new DrainWindow(2);
    expect(w.room()).toBe(2);
    w.sent(5);
    w.sent(9);
    expect(w.room()).toBe(0);
    expect(w.nextAfter()).toBe(9);
    expect(w.acked(5)).toBe(true);
    expect(w.room()).toBe(1);
    expect(w.nextAfter()).toBe(9);
  });

  it('ignores an ack for a row it never sent, or one already acked', () => {
    const w = new DrainWindow(4);
    w.sent(1);
    expect(w.acked(1)).toBe(true);
    expect(w.acked(1)).toBe(false);
    expect(w.acked(42)).toBe(false);
    expect(w.inflightCount()).toBe(0);
  });

  it('refuses to hand out rows out of seq order', () => {
    const w = new DrainWindow(4);
    w.sent(10);
    expect(() => w.sent(7)).toThrow(/out of order/);
  });

  it('rejects a non-positive limit', () => {
    expect(() => new DrainWindow(0)).toThrow();
  });
});
