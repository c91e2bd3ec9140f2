import { describe, expect, it } from 'vitest';
import { backoffDelayMs } from '../../../agent/core/index.js';
import { reconnectBackoff } from '../../../agent/uplink/backoff.js';
import { DrainWindow } from '../../../agent/uplink/drain-window.js';

describe('reconnectBackoff', () => {
  const opts = reconnectBackoff({ minMs: 500, maxMs: 30_000, jitter: 0.2 });
  const mid = () => 0.5; // no jitter

  it('doubles from minMs and caps at maxMs', () => {
    expect([1, 2, 3, 4, 7, 8, 50].map((n) => backoffDelayMs(n, opts, mid))).toEqual([500, 1000, 2000, 4000, 30_000, 30_000, 30_000]);
  });

  it('spreads by at most ± jitter and never above maxMs', () => {
    expect(backoffDelayMs(3, opts, () => 0)).toBe(1600);
    expect(backoffDelayMs(3, opts, () => 1)).toBe(2400);
    expect(backoffDelayMs(20, opts, () => 1)).toBe(30_000);
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

  it('keeps one cursor per lane: live and history rows interleave, each lane in order', () => {
    const w = new DrainWindow(8);
    w.sent(3, 'history');
    w.sent(101, 'live');
    w.sent(4, 'history');
    expect(w.nextAfter('history')).toBe(4);
    expect(w.nextAfter('live')).toBe(101);
    expect(() => w.sent(2, 'history')).toThrow(/out of order in the history lane/);
    expect(w.inflightCount('live')).toBe(1);
    expect(w.inflightCount('history')).toBe(2);
    expect(w.acked(101)).toBe(true);
    expect(w.inflightCount('live')).toBe(0);
  });

  it('live rows take all the room when no backlog waits, and leave a quarter to it when one does', () => {
    const w = new DrainWindow(16);
    expect(w.historyReserve).toBe(4);
    expect(w.liveRoom(false)).toBe(16);
    expect(w.liveRoom(true)).toBe(12);
    for (let s = 1; s <= 12; s++) w.sent(100 + s, 'live');
    // 12 live in flight: the backlog's 4 slots stay free for it.
    expect(w.liveRoom(true)).toBe(0);
    expect(w.room()).toBe(4);
    // Without a backlog, live may use them too.
    expect(w.liveRoom(false)).toBe(4);
  });

  it('the backlog may fill the whole window; then a live row waits only for one acknowledgement', () => {
    const w = new DrainWindow(4);
    for (let s = 1; s <= 4; s++) w.sent(s, 'history');
    expect(w.liveRoom(true)).toBe(0);
    w.acked(1);
    // One slot free: live comes first (it is below its cap of limit - reserve = 3).
    expect(w.liveRoom(true)).toBe(1);
  });

  it('a window of one has no reserve: live first, the backlog when the slot is free', () => {
    const w = new DrainWindow(1);
    expect(w.historyReserve).toBe(0);
    expect(w.liveRoom(true)).toBe(1);
  });
});
