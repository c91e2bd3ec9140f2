import { describe, expect, it } from 'vitest';
import { CountBinner, binPayload, binStartMs, mergeBins, emptyBin, addCrossings, type Crossing } from '../../../agent/counts/bins.js';

const T0 = Date.UTC(2026, 11, 7, 8, 0, 0); // 08:00:00Z, a whole quarter hour
const car = (direction: 'in' | 'out', count = 1): Crossing => ({ ruleId: 'r', lineId: 'l', className: 'car', direction, count });

describe('count bins', () => {
  it('aligns bins on the epoch', () => {
    expect(binStartMs(T0 + 59_999, 60)).toBe(T0);
    expect(binStartMs(T0 + 60_000, 60)).toBe(T0 + 60_000);
    expect(binStartMs(T0 + 14 * 60_000 + 59_999, 900)).toBe(T0);
  });

  it('closes each period when it ends; the 15-minute roll-up is the sum of its 1-minute bins', () => {
    const b = new CountBinner('cam', [60, 900]);
    for (let m = 0; m < 15; m++) {
      const t = T0 + m * 60_000 + 30_000;
      const closed = b.advance(t);
      expect(closed.map((c) => c.periodSeconds)).toEqual(m === 0 ? [] : [60]);
      b.addCrossings(t, [car('in', m + 1), car('out')]);
    }
    const closed = b.advance(T0 + 15 * 60_000);
    expect(closed.map((c) => [c.periodSeconds, c.startMs])).toEqual([[60, T0 + 14 * 60_000], [900, T0]]);
    const rollup = closed.find((c) => c.periodSeconds === 900)!;
    // 1 + 2 + ... + 15 in, 15 out
    expect(rollup.lines[0]!.classes.car).toEqual({ in: 120, out: 15 });
    expect(closed[0]!.lines[0]!.classes.car).toEqual({ in: 15, out: 1 });
  });

  it('a minute with nothing counted produces no bin (only bins that saw something are published)', () => {
    const b = new CountBinner('cam', [60]);
    b.addCrossings(T0, [car('in')]);
    expect(b.advance(T0 + 3 * 60_000)).toHaveLength(1);
    expect(b.advance(T0 + 4 * 60_000)).toHaveLength(0);
  });

  it('occupancy: mean over the samples of the bin (a class absent from a sample counts 0), max of one sample', () => {
    const b = new CountBinner('cam', [60]);
    b.addOccupancy(T0 + 1, [{ zoneId: 'z', perClass: { person: 2 } }]);
    b.addOccupancy(T0 + 2, [{ zoneId: 'z', perClass: { person: 4, motorcycle: 1 } }]);
    b.addOccupancy(T0 + 3, [{ zoneId: 'z', perClass: {} }]);
    const [bin] = b.advance(T0 + 60_000);
    const p = binPayload(bin!, 'edge');
    expect(p.zones).toEqual([{ zoneId: 'z', samples: 3, classes: { motorcycle: { mean: 0.33, max: 1 }, person: { mean: 2, max: 4 } } }]);
    expect(p).toMatchObject({ schema: 'camwatch.counts-bin/1', id: `cam:60:${T0}`, agentId: 'edge', start: new Date(T0).toISOString(), end: new Date(T0 + 60_000).toISOString() });
  });

  it('resumes persisted open bins: counting continues in them instead of from zero', () => {
    const first = new CountBinner('cam', [60, 900]);
    first.addCrossings(T0 + 10_000, [car('in', 3)]);
    const persisted = JSON.parse(JSON.stringify(first.openBins()));
    // "Restart": a new binner from what was persisted, the same minute.
    const second = new CountBinner('cam', [60, 900], persisted);
    expect(second.advance(T0 + 20_000)).toEqual([]);
    second.addCrossings(T0 + 20_000, [car('in', 2)]);
    const closed = second.advance(T0 + 60_000);
    expect(closed.map((c) => c.lines[0]!.classes.car!.in)).toEqual([5]);
    const later = second.advance(T0 + 900_000);
    expect(later.map((c) => [c.periodSeconds, c.lines[0]!.classes.car!.in])).toEqual([[900, 5]]);
  });

  it('a persisted bin whose period ended while the agent was down is closed by the first advance, with what it held', () => {
    const stale = emptyBin('cam', 60, T0);
    addCrossings(stale, [car('out', 4)]);
    const b = new CountBinner('cam', [60], [stale]);
    const closed = b.advance(T0 + 10 * 60_000);
    expect(closed).toHaveLength(1);
    expect(closed[0]!.lines[0]!.classes.car).toEqual({ in: 0, out: 4 });
  });

  it('mergeBins adds counts and occupancy sums', () => {
    const a = emptyBin('cam', 60, T0);
    addCrossings(a, [car('in')]);
    const b = emptyBin('cam', 60, T0);
    addCrossings(b, [car('in', 2), { ...car('out'), className: 'bus' }]);
    expect(mergeBins(a, b).lines[0]!.classes).toEqual({ car: { in: 3, out: 0 }, bus: { in: 0, out: 1 } });
  });

  it('rejects a period that is not a whole number of seconds', () => {
    expect(() => new CountBinner('cam', [0.5])).toThrow(/whole number/);
  });
});
