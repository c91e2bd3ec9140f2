import { describe, expect, it } from 'vitest';
import { AdaptiveRate, type RateChange } from '../../../agent/ops/adaptive-rate.js';

/** Feeds frames at `fps` for `seconds`, each with the given lag and detector busy share; returns the changes seen. */
function drive(rate: AdaptiveRate, fromMs: number, seconds: number, fps: number, lagMs: number | undefined, detectorBusy = 0.5) {
  const changes: RateChange[] = [];
  let admitted = 0;
  for (let t = fromMs; t < fromMs + seconds * 1000; t += 1000 / fps) {
    if (!rate.admit(t)) continue;
    admitted++;
    const c = rate.observe({ tMs: t, lagMs, detectorBusy });
    if (c) changes.push(c);
  }
  return { changes, admitted };
}

describe('AdaptiveRate', () => {
  it('admits every frame at the configured rate while lag is within budget', () => {
    const rate = new AdaptiveRate({ maxFps: 5 });
    const { admitted, changes } = drive(rate, 0, 20, 5, 100);
    expect(admitted).toBe(100);
    expect(changes).toEqual([]);
    expect(rate.fps).toBe(5);
  });

  it('sheds load step by step down to the floor when p95 lag exceeds the budget, saying how busy the detector is', () => {
    const rate = new AdaptiveRate({ maxFps: 5, minFps: 1, lagBudgetMs: 600 });
    const { changes } = drive(rate, 0, 60, 5, 1500, 0.97);
    expect(changes[0]).toEqual({ fromFps: 5, toFps: 3.7, p95LagMs: 1500, detectorBusy: 0.97 });
    expect(changes.map((c) => c.toFps)).toEqual([...changes.map((c) => c.toFps)].sort((a, b) => b - a));
    expect(rate.fps).toBe(1);
  });

  it('decides nothing on the first window after start: start-up bursts are not an overload', () => {
    const rate = new AdaptiveRate({ maxFps: 5, lagBudgetMs: 600, adjustEveryMs: 5_000 });
    // A burst of late frames while the cameras connect, then steady frames within budget.
    const burst = drive(rate, 0, 5, 5, 1500, 0.7);
    const steady = drive(rate, 5_000, 20, 5, 100, 0.7);
    expect([...burst.changes, ...steady.changes]).toEqual([]);
    expect(rate.fps).toBe(5);
    // A lasting overload is acted on one window later.
    const late = new AdaptiveRate({ maxFps: 5, lagBudgetMs: 600, adjustEveryMs: 5_000 });
    const { changes } = drive(late, 0, 11, 5, 1500, 0.97);
    expect(changes).toEqual([{ fromFps: 5, toFps: 3.7, p95LagMs: 1500, detectorBusy: 0.97 }]);
  });

  it('admits fewer frames once lowered, then climbs back one fps at a time when load falls', () => {
    const rate = new AdaptiveRate({ maxFps: 5, lagBudgetMs: 600 });
    drive(rate, 0, 12, 5, 2000, 1);
    const lowered = rate.fps;
    expect(lowered).toBeLessThan(5);
    const { admitted } = drive(rate, 12_000, 4, 5, 2000, 1);
    expect(admitted).toBeLessThan(20);
    const { changes } = drive(rate, 16_000, 60, 5, 50, 0.3);
    expect(changes.every((c) => c.toFps - c.fromFps <= 1)).toBe(true);
    expect(rate.fps).toBe(5);
  });

  it('does not climb back while the detector is nearly full, even with the lag gone', () => {
    const rate = new AdaptiveRate({ maxFps: 5, lagBudgetMs: 600 });
    drive(rate, 0, 12, 5, 2000, 1);
    drive(rate, 12_000, 6, 5, 50, 0.9); // flushes the window still holding overloaded frames
    const lowered = rate.fps;
    expect(lowered).toBeLessThan(5);
    expect(drive(rate, 18_000, 30, 5, 50, 0.9).changes).toEqual([]);
    expect(rate.fps).toBe(lowered);
  });

  it('climbs back when the motion gate leaves the detector nothing to do (no lag samples at all)', () => {
    const rate = new AdaptiveRate({ maxFps: 5, lagBudgetMs: 600 });
    drive(rate, 0, 12, 5, 2000, 1);
    expect(rate.fps).toBeLessThan(5);
    drive(rate, 12_000, 60, 5, undefined, 0);
    expect(rate.fps).toBe(5);
  });

  it('holds the rate in the dead band between half the budget and the budget', () => {
    const rate = new AdaptiveRate({ maxFps: 5, lagBudgetMs: 600 });
    drive(rate, 0, 12, 5, 1000);
    drive(rate, 12_000, 6, 5, 450); // flushes the window still holding overloaded frames
    const held = rate.fps;
    expect(drive(rate, 18_000, 30, 5, 450).changes).toEqual([]);
    expect(rate.fps).toBe(held);
  });
});

describe('AdaptiveRate at the configured rate', () => {
  it('sheds nothing however jittery the frame arrivals are', () => {
    const rate = new AdaptiveRate({ maxFps: 5 });
    const arrivals = [0, 120, 210, 330, 380, 600, 650, 700, 900, 1100];
    expect(arrivals.filter((t) => rate.admit(t))).toEqual(arrivals);
  });
});

describe('AdaptiveRate below the configured rate', () => {
  /** A 5 fps camera lowered by an overload, then held in the dead band (its rate no longer moves). */
  function lowered(): AdaptiveRate {
    const rate = new AdaptiveRate({ maxFps: 5, lagBudgetMs: 600 });
    drive(rate, 0, 12, 5, 2000, 1);
    drive(rate, 12_000, 6, 5, 450); // flushes the window still holding overloaded frames
    expect(rate.fps).toBeLessThan(4);
    return rate;
  }

  it('analyses the lowered rate over time when the arrivals jitter and bunch', () => {
    const rate = lowered();
    const held = rate.fps;
    // 5 fps arrivals, each up to ±60 ms off its slot, and every third pair bunched 50 ms apart (a late main thread).
    const arrivals: number[] = [];
    for (let k = 0; k < 300; k++) arrivals.push(20_000 + k * 200 + (((k * 37) % 7) - 3) * 20 + (k % 3 === 0 ? 50 : 0));
    arrivals.sort((a, b) => a - b);
    let admitted = 0;
    for (const t of arrivals) if (rate.admit(t)) admitted++, rate.observe({ tMs: t, lagMs: 450, detectorBusy: 0.9 });
    const fps = rate.fps;
    expect(fps).toBe(held);
    // 60 s at the lowered rate, within a frame or two.
    expect(admitted).toBeGreaterThanOrEqual(Math.floor(60 * fps) - 2);
    expect(admitted).toBeLessThanOrEqual(Math.ceil(60 * fps) + 2);
  });

  it('does not catch up after a pause in the stream: the schedule restarts at the next frame', () => {
    const rate = lowered();
    const before = [20_000, 20_200, 20_400].filter((t) => rate.admit(t)).length;
    // 10 s without frames, then frames at 5 fps again: no burst of "overdue" frames.
    const after = [30_400, 30_600, 30_800, 31_000, 31_200].filter((t) => rate.admit(t));
    expect(before).toBeGreaterThan(0);
    expect(after.length).toBeLessThanOrEqual(4);
    expect(after[0]).toBe(30_400);
  });
});
