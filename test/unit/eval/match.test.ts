import { describe, expect, it } from 'vitest';
import type { ExpectedIncident } from '../../../agent/eval/clip-schema.js';
import { compareCounts, emptySpanShare, matchIncidents, type ProducedIncident } from '../../../agent/eval/match.js';

const exp = (startS: number, extra: Partial<ExpectedIncident> = {}): ExpectedIncident => ({ rule: 'stop', startS, toleranceS: 2, ...extra });
let n = 0;
const prod = (startS: number, extra: Partial<ProducedIncident> = {}): ProducedIncident => ({
  id: `p${++n}`,
  rule: 'stop',
  ruleType: 'illegal_stop',
  class: 'car',
  startS,
  trackId: n,
  ...extra,
});

describe('matchIncidents', () => {
  it('matches inside the tolerance on both sides, edges included, and not beyond', () => {
    const m = matchIncidents([exp(10), exp(30), exp(50), exp(70)], [prod(8), prod(32), prod(47.9), prod(72.1)]);
    expect(m.matches.map((x) => [x.expected, x.produced, x.startErrorS])).toEqual([
      [0, 0, -2],
      [1, 1, 2],
    ]);
    expect(m.misses).toEqual([2, 3]);
    expect(m.falsePositives).toEqual([2, 3]);
  });

  it('is one-to-one: two produced near one expected leave one false positive', () => {
    const m = matchIncidents([exp(10)], [prod(10.5), prod(9.8)]);
    expect(m.matches).toEqual([{ expected: 0, produced: 1, startErrorS: -0.2 }]);
    expect(m.falsePositives).toEqual([0]);
    expect(m.misses).toEqual([]);
  });

  it('is greedy by time distance over all pairs, not by list order', () => {
    // Expected 10 and 12; produced 11.9 is closest to 12, so 10 takes 9.0 although 11.9 is nearer to it than 9.0.
    const m = matchIncidents([exp(10), exp(12)], [prod(11.9), prod(9.0)]);
    expect(m.matches.map((x) => [x.expected, x.produced])).toEqual([
      [0, 1],
      [1, 0],
    ]);
  });

  it('needs the same rule id, and the same class when the truth gives one', () => {
    const m = matchIncidents([exp(10, { class: 'motorcycle' }), exp(20)], [prod(10, { class: 'person' }), prod(20, { rule: 'other' }), prod(20.5, { class: 'bus' })]);
    expect(m.matches.map((x) => [x.expected, x.produced])).toEqual([[1, 2]]);
    expect(m.misses).toEqual([0]);
    expect(m.falsePositives).toEqual([0, 1]);
  });

  it('honours a per-incident tolerance and reports the end error when both ends are known', () => {
    const m = matchIncidents([exp(10, { toleranceS: 0.5, endS: 20 }), exp(40, { toleranceS: 5 })], [prod(10.6), prod(44, { endS: 50 }), prod(10.4, { endS: 21.5 })]);
    expect(m.matches).toEqual([
      { expected: 0, produced: 2, startErrorS: 0.4, endErrorS: 1.5 },
      { expected: 1, produced: 1, startErrorS: 4 },
    ]);
    expect(m.falsePositives).toEqual([0]);
  });

  it('nothing expected: every produced incident is a false positive; nothing produced: every expected one a miss', () => {
    expect(matchIncidents([], [prod(1), prod(2)])).toEqual({ matches: [], misses: [], falsePositives: [0, 1] });
    expect(matchIncidents([exp(1)], [])).toEqual({ matches: [], misses: [0], falsePositives: [] });
  });
});

describe('compareCounts', () => {
  it('gives signed and relative errors per direction, zero when the class was never counted', () => {
    const rows = compareCounts(
      [
        { line: 'stop', class: 'motorcycle', in: 10, out: 0 },
        { line: 'stop', class: 'car', in: 2, out: 1 },
      ],
      { stop: { motorcycle: { in: 8, out: 1 } } },
    );
    expect(rows).toEqual([
      { line: 'stop', class: 'motorcycle', direction: 'in', expected: 10, counted: 8, error: -2, relativeError: -0.2 },
      { line: 'stop', class: 'motorcycle', direction: 'out', expected: 0, counted: 1, error: 1, relativeError: null },
      { line: 'stop', class: 'car', direction: 'in', expected: 2, counted: 0, error: -2, relativeError: -1 },
      { line: 'stop', class: 'car', direction: 'out', expected: 1, counted: 0, error: -1, relativeError: -1 },
    ]);
  });

  it('lists classes counted on a labelled line but not labelled, unscored; ignores unlabelled lines', () => {
    const rows = compareCounts([{ line: 'a', class: 'car', in: 1, out: 0 }], { a: { car: { in: 1, out: 0 }, person: { in: 3, out: 0 } }, b: { car: { in: 5, out: 5 } } });
    expect(rows.filter((r) => r.expected === null)).toEqual([{ line: 'a', class: 'person', direction: 'in', expected: null, counted: 3, error: null, relativeError: null }]);
    expect(rows.some((r) => r.line === 'b')).toBe(false);
  });
});

describe('emptySpanShare', () => {
  it('counts analysed frames with fromS ≤ t < toS and the share the gate skipped', () => {
    const frames = [0, 0.2, 0.4, 0.6, 0.8, 1.0, 1.2].map((tS, i) => ({ tS, inferenceRun: i % 2 === 0 }));
    // Span [0.2, 1.0): frames 0.2 (skipped), 0.4 (run), 0.6 (skipped), 0.8 (run); 1.0 is outside.
    expect(emptySpanShare(frames, [{ fromS: 0.2, toS: 1.0 }])).toEqual({ framesInSpans: 4, skippedInSpans: 2, skippedShare: 0.5 });
    expect(emptySpanShare(frames, [])).toEqual({ framesInSpans: 0, skippedInSpans: 0, skippedShare: null });
    // Overlapping spans count a frame once.
    expect(emptySpanShare(frames, [{ fromS: 0, toS: 0.5 }, { fromS: 0.3, toS: 0.7 }]).framesInSpans).toBe(4);
  });
});
