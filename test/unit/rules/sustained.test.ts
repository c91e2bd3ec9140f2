import { describe, expect, it } from 'vitest';
import { Sustained } from '../../../agent/rules/sustained.js';

/** Feeds one observation per 200 ms and returns [event, tMs] for the non-empty events. */
function feed(s: Sustained, values: boolean[]): Array<[string, number]> {
  const out: Array<[string, number]> = [];
  values.forEach((v, i) => {
    const e = s.step(v, i * 200);
    if (e) out.push([e, i * 200]);
  });
  return out;
}
const rep = (v: boolean, n: number) => Array.from({ length: n }, () => v);

describe('Sustained', () => {
  it('starts after minMs, updates while true, ends after clearMs false', () => {
    const s = new Sustained({ minMs: 1000, clearMs: 600 });
    const ev = feed(s, [...rep(true, 8), ...rep(false, 5)]);
    expect(ev[0]).toEqual(['start', 1000]);
    expect(ev.filter(([e]) => e === 'update').map(([, t]) => t)).toEqual([1200, 1400]);
    expect(ev.at(-1)).toEqual(['end', 2200]); // false from 1600, 600 ms later
    expect(s.isOpen).toBe(false);
  });

  it('does not reset a building condition for a gap under the tolerance, but does for a longer one', () => {
    const a = new Sustained({ minMs: 1000, clearMs: 1000, gapToleranceMs: 500 });
    expect(feed(a, [true, true, true, false, false, true, true, true])[0]).toEqual(['start', 1000]);
    const b = new Sustained({ minMs: 1000, clearMs: 1000, gapToleranceMs: 500 });
    // 600 ms false: the run restarts at 1400.
    expect(feed(b, [true, true, false, false, false, false, ...rep(true, 8)])[0]).toEqual(['start', 2200]);
  });

  it('keeps an open episode through a short dip and reports the episode start', () => {
    const s = new Sustained({ minMs: 400, clearMs: 1000 });
    const ev = feed(s, [true, true, true, false, false, true, true]);
    expect(ev.map(([e]) => e)).toEqual(['start', 'update', 'update']);
    expect(s.sinceMs).toBe(0);
    expect(s.forceEnd()).toBe(true);
    expect(s.forceEnd()).toBe(false);
  });
});
