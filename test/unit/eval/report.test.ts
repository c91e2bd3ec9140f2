import { describe, expect, it } from 'vitest';
import { MARKDOWN_BEGIN, MARKDOWN_END, replaceBetweenMarkers } from '../../../agent/eval/format.js';
import type { ClipReport } from '../../../agent/eval/report.js';
import { summarise, summariseSplits } from '../../../agent/eval/report.js';

function clip(split: 'tune' | 'holdout', over: Partial<ClipReport> = {}): ClipReport {
  return {
    file: `${split}.yaml`,
    name: split,
    split,
    video: 'v.mp4',
    analysis: { fps: 5, width: 640 },
    durationS: 10,
    framesAnalysed: 50,
    inferencesRun: 40,
    inferencesSkipped: 10,
    inferencesCoasted: 0,
    detectorRuns: 40,
    emptySpans: { spans: 1, framesInSpans: 10, skippedInSpans: 5, skippedShare: 0.5 },
    incidents: { expected: [], produced: [], matches: [], misses: [], falsePositives: [], lineCrossings: 0 },
    counts: [],
    elapsedS: 1,
    framesPerSecond: 50,
    ...over,
  };
}

const tune = clip('tune', {
  incidents: {
    expected: [
      { rule: 'q', ruleType: 'congestion', startS: 10, toleranceS: 2 },
      { rule: 'q', ruleType: 'congestion', startS: 30, toleranceS: 2 },
      { rule: 's', ruleType: 'illegal_stop', startS: 5, toleranceS: 2 },
    ],
    produced: [
      { id: 'a', rule: 'q', ruleType: 'congestion', class: 'car', startS: 11, trackId: 0 },
      { id: 'b', rule: 's', ruleType: 'illegal_stop', class: 'car', startS: 3.5, trackId: 4 },
      { id: 'c', rule: 's', ruleType: 'illegal_stop', class: 'car', startS: 40, trackId: 5 },
    ],
    matches: [
      { expected: 0, produced: 0, startErrorS: 1 },
      { expected: 2, produced: 1, startErrorS: -1.5 },
    ],
    misses: [1],
    falsePositives: [2],
    lineCrossings: 3,
  },
  counts: [
    { line: 'l', class: 'car', direction: 'in', expected: 10, counted: 8, error: -2, relativeError: -0.2 },
    { line: 'l', class: 'car', direction: 'out', expected: 0, counted: 1, error: 1, relativeError: null },
    { line: 'l', class: 'person', direction: 'in', expected: null, counted: 4, error: null, relativeError: null },
  ],
});

describe('summarise', () => {
  it('scores per rule type and overall: TP, FP, misses, precision, recall, start errors', () => {
    const s = summarise('tune', [tune]);
    expect(s.byRuleType).toEqual([
      { ruleType: 'congestion', expected: 2, produced: 1, truePositives: 1, falsePositives: 0, misses: 1, precision: 1, recall: 0.5, meanAbsStartErrorS: 1, maxAbsStartErrorS: 1, meanStartErrorS: 1 },
      { ruleType: 'illegal_stop', expected: 1, produced: 2, truePositives: 1, falsePositives: 1, misses: 0, precision: 0.5, recall: 1, meanAbsStartErrorS: 1.5, maxAbsStartErrorS: 1.5, meanStartErrorS: -1.5 },
    ]);
    expect(s.overall).toMatchObject({ ruleType: 'all', expected: 3, produced: 3, truePositives: 2, falsePositives: 1, misses: 1, precision: 0.667, recall: 0.667, meanAbsStartErrorS: 1.25, maxAbsStartErrorS: 1.5, meanStartErrorS: -0.25 });
  });

  it('sums count errors over labelled rows only', () => {
    expect(summarise('tune', [tune]).counts).toEqual({ rows: 2, expected: 10, counted: 9, absError: 3, meanAbsRelativeError: 0.2 });
  });

  it('gives null precision/recall when nothing was produced/expected, never a division by zero', () => {
    const s = summarise('holdout', [clip('holdout')]);
    expect(s.overall).toMatchObject({ expected: 0, produced: 0, precision: null, recall: null, meanAbsStartErrorS: null });
    expect(s.counts.meanAbsRelativeError).toBeNull();
  });

  it('keeps the splits apart and adds them up in "all", empty-span shares included', () => {
    const other = clip('holdout', { detectorRuns: 75, emptySpans: { spans: 1, framesInSpans: 30, skippedInSpans: 27, skippedShare: 0.9 } });
    const { tune: t, holdout: h, all } = summariseSplits([tune, other]);
    expect([t.clips, h.clips, all.clips]).toEqual([1, 1, 2]);
    expect(h.overall.expected).toBe(0);
    expect(all.overall.expected).toBe(3);
    expect(all.emptySpans).toEqual({ framesInSpans: 40, skippedInSpans: 32, skippedShare: 0.8 });
    expect(all.inferencesSkipped).toBe(20);
    // Detector runs add up per split (a tiled clip runs more than one per inference).
    expect([t.detectorRuns, h.detectorRuns, all.detectorRuns]).toEqual([40, 75, 115]);
  });
});

describe('replaceBetweenMarkers', () => {
  it('replaces only the generated part and keeps the rest of the document', () => {
    const doc = `# Quality\nintro\n${MARKDOWN_BEGIN}\nold table\n${MARKDOWN_END}\nafter\n`;
    expect(replaceBetweenMarkers(doc, 'new table\n')).toBe(`# Quality\nintro\n${MARKDOWN_BEGIN}\nnew table\n${MARKDOWN_END}\nafter\n`);
  });

  it('refuses a document without the markers, saying which lines to add', () => {
    expect(() => replaceBetweenMarkers('# Quality\n', 'x')).toThrow(/markers are missing.*eval-table:begin/s);
  });
});
