/** The quality scenario's arithmetic (scripts/bench/quality-score.ts): pure functions over eval-report data. */
import { describe, expect, it } from 'vitest';
import type { CountRow, RuleTypeScore } from '../../../agent/eval/index.js';
import { compareQuality, countError, incidentScore, pointsDelta, type IncidentScore, type QualityPath } from '../../../scripts/bench/quality-score.js';

function score(truePositives: number, produced: number, expected: number): IncidentScore {
  const s: RuleTypeScore = {
    ruleType: 'all',
    expected,
    produced,
    truePositives,
    falsePositives: produced - truePositives,
    misses: expected - truePositives,
    precision: null,
    recall: null,
    meanAbsStartErrorS: null,
    maxAbsStartErrorS: null,
    meanStartErrorS: null,
  };
  return incidentScore(s, 1);
}

function row(cls: string, expected: number | null, counted: number): CountRow {
  return { line: 'l', class: cls, direction: 'in', expected, counted, error: expected === null ? null : counted - expected, relativeError: null };
}

function path(overall: IncidentScore, cpuTotal: number, clips: QualityPath['clips'] = [], motorcycleAbsError = 0): QualityPath {
  const counts = { rows: 1, expected: 5, counted: 5 - motorcycleAbsError, absError: motorcycleAbsError };
  return {
    overrides: [],
    overall,
    splits: { tune: overall, holdout: overall },
    counts: { motorcycle: counts, vehicle: { rows: 0, expected: 0, counted: 0, absError: 0 }, all: counts },
    framesAnalysed: 100,
    inferencesRun: cpuTotal,
    inferenceShare: cpuTotal / 100,
    cpuSeconds: { harness: cpuTotal, decoders: 0, total: cpuTotal },
    wallSeconds: 1,
    clips,
  };
}

describe('bench quality score', () => {
  it('scores precision and recall from the counts, null when nothing was produced or expected', () => {
    expect(score(6, 7, 10)).toMatchObject({ precision: 0.857, recall: 0.6, falsePositives: 1, misses: 4 });
    expect(score(0, 0, 3)).toMatchObject({ precision: null, recall: 0 });
    expect(score(0, 2, 0)).toMatchObject({ precision: 0, recall: null });
  });

  it('gives fast − full in points and holds exactly one point as within, from exact rates rather than rounded ones', () => {
    // 20/25 = 0.80 vs 81/100 = 0.81: exactly −1 point (0.8 − 0.81 in floating point is −1.0000000000000009).
    expect(pointsDelta(score(20, 25, 25), score(81, 100, 100))).toEqual({ precisionPoints: -1, recallPoints: -1, withinOnePoint: true });
    // One more miss out of 30 expected: recall −3.33 points.
    expect(pointsDelta(score(20, 22, 30), score(21, 23, 30))).toEqual({ precisionPoints: -0.4, recallPoints: -3.33, withinOnePoint: false });
    // A gain beyond one point is outside too: the paths must agree, not one beat the other.
    expect(pointsDelta(score(22, 22, 30), score(21, 22, 30)).withinOnePoint).toBe(false);
  });

  it('treats a score undefined on both paths as equal and on one path only as a difference', () => {
    expect(pointsDelta(score(0, 0, 2), score(0, 0, 2))).toEqual({ precisionPoints: null, recallPoints: 0, withinOnePoint: true });
    expect(pointsDelta(score(0, 0, 2), score(1, 1, 2))).toEqual({ precisionPoints: null, recallPoints: -50, withinOnePoint: false });
  });

  it('sums |counted − expected| over the labelled rows of a class group, never over unlabelled ones', () => {
    const rows = [row('motorcycle', 5, 2), row('motorcycle', 0, 1), row('car', 7, 8), row('truck', 1, 0), row('person', null, 3)];
    expect(countError(rows, ['motorcycle'])).toEqual({ rows: 2, expected: 5, counted: 3, absError: 4 });
    expect(countError(rows, ['car', 'truck', 'bus'])).toEqual({ rows: 2, expected: 8, counted: 8, absError: 2 });
    expect(countError(rows)).toEqual({ rows: 4, expected: 13, counted: 11, absError: 6 });
  });

  it('compares the paths: deltas, count error change, CPU ratio and the clips whose results differ', () => {
    const clip = (file: string, tp: number, countAbsError: number) => ({ file, split: 'tune', truePositives: tp, falsePositives: 0, misses: 0, countAbsError, framesAnalysed: 10, inferencesRun: 10 });
    const fast = path(score(9, 10, 10), 30, [clip('a.yaml', 4, 0), clip('b.yaml', 5, 2)], 2);
    const full = path(score(9, 10, 10), 40, [clip('a.yaml', 4, 0), clip('b.yaml', 5, 3)], 3);
    expect(compareQuality(fast, full)).toEqual({
      overall: { precisionPoints: 0, recallPoints: 0, withinOnePoint: true },
      splits: { tune: { precisionPoints: 0, recallPoints: 0, withinOnePoint: true }, holdout: { precisionPoints: 0, recallPoints: 0, withinOnePoint: true } },
      countAbsError: { motorcycle: -1, vehicle: 0, all: -1 },
      inferenceShare: -0.1,
      cpuRatio: { harness: 0.75, decoders: null, total: 0.75 },
      clipsChanged: ['b.yaml'],
    });
  });
});
