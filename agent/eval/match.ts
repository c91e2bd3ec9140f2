import type { EmptySpan, ExpectedCount, ExpectedIncident } from './clip-schema.js';

/**
 * Matching produced incidents and counts to the labelled truth (eval/README.md): pure functions over plain
 * data, no video and no model involved.
 */

/** An incident the pipeline raised, reduced to what matching needs (times in seconds of the video). */
export interface ProducedIncident {
  id: string;
  rule: string;
  ruleType: string;
  class: string;
  startS: number;
  endS?: number;
  trackId: number;
}

/** One expected incident paired with one produced incident. */
export interface IncidentMatch {
  expected: number;
  produced: number;
  /** produced start − expected start (s): negative = raised early. */
  startErrorS: number;
  /** produced end − expected end (s), when both are known. */
  endErrorS?: number;
}

export interface IncidentMatching {
  matches: IncidentMatch[];
  /** Indexes of expected incidents nothing matched. */
  misses: number[];
  /** Indexes of produced incidents that match nothing expected. */
  falsePositives: number[];
}

/** Whether `p` may stand for `e`: same rule id, same class when the truth gives one, start within ±toleranceS. */
export function canMatch(e: ExpectedIncident, p: ProducedIncident): boolean {
  if (p.rule !== e.rule) return false;
  if (e.class !== undefined && p.class !== e.class) return false;
  // Small epsilon: a start exactly at the tolerance edge (0.1-s steps in binary floats) is inside.
  return Math.abs(p.startS - e.startS) <= e.toleranceS + 1e-9;
}

/**
 * One-to-one, greedy by time distance: every admissible pair sorted by |start error| (ties: expected, then
 * produced, in list order), taken when neither side is taken yet.
 */
export function matchIncidents(expected: readonly ExpectedIncident[], produced: readonly ProducedIncident[]): IncidentMatching {
  const pairs: Array<{ e: number; p: number; d: number }> = [];
  expected.forEach((e, ei) =>
    produced.forEach((p, pi) => {
      if (canMatch(e, p)) pairs.push({ e: ei, p: pi, d: Math.abs(p.startS - e.startS) });
    }),
  );
  pairs.sort((a, b) => a.d - b.d || a.e - b.e || a.p - b.p);
  const usedE = new Set<number>();
  const usedP = new Set<number>();
  const matches: IncidentMatch[] = [];
  for (const { e, p } of pairs) {
    if (usedE.has(e) || usedP.has(p)) continue;
    usedE.add(e);
    usedP.add(p);
    const ex = expected[e]!;
    const pr = produced[p]!;
    matches.push({
      expected: e,
      produced: p,
      startErrorS: round3(pr.startS - ex.startS),
      ...(ex.endS !== undefined && pr.endS !== undefined && { endErrorS: round3(pr.endS - ex.endS) }),
    });
  }
  matches.sort((a, b) => a.expected - b.expected);
  return {
    matches,
    misses: expected.map((_, i) => i).filter((i) => !usedE.has(i)),
    falsePositives: produced.map((_, i) => i).filter((i) => !usedP.has(i)),
  };
}

/** One (line, class, direction) compared: `expected` null when the truth does not label that class on that line. */
export interface CountRow {
  line: string;
  class: string;
  direction: 'in' | 'out';
  expected: number | null;
  counted: number;
  /** counted − expected; null when not labelled. */
  error: number | null;
  /** error / expected; null when not labelled or expected is 0. */
  relativeError: number | null;
}

/** Counts of one line as the pipeline kept them: class → in/out. */
export type CountedLines = Record<string, Record<string, { in: number; out: number }>>;

/**
 * Expected against counted, per (line, class, direction). Classes counted on a labelled line but absent
 * from the truth are listed with expected null (e.g. riders counted as `person`): shown, never scored.
 */
export function compareCounts(expected: readonly ExpectedCount[], counted: CountedLines): CountRow[] {
  const rows: CountRow[] = [];
  const labelled = new Set(expected.map((c) => `${c.line}\u0000${c.class}`));
  for (const c of expected) {
    const got = counted[c.line]?.[c.class] ?? { in: 0, out: 0 };
    for (const direction of ['in', 'out'] as const) {
      const error = got[direction] - c[direction];
      rows.push({ line: c.line, class: c.class, direction, expected: c[direction], counted: got[direction], error, relativeError: c[direction] === 0 ? null : round3(error / c[direction]) });
    }
  }
  const lines = [...new Set(expected.map((c) => c.line))];
  for (const line of lines) {
    for (const [cls, got] of Object.entries(counted[line] ?? {}).sort(([a], [b]) => a.localeCompare(b))) {
      if (labelled.has(`${line}\u0000${cls}`)) continue;
      for (const direction of ['in', 'out'] as const) {
        if (got[direction] > 0) rows.push({ line, class: cls, direction, expected: null, counted: got[direction], error: null, relativeError: null });
      }
    }
  }
  return rows;
}

/** The motion gate on one clip's empty spans: analysed frames inside them, and those the detector skipped. */
export interface EmptySpanShare {
  framesInSpans: number;
  skippedInSpans: number;
  /** skippedInSpans / framesInSpans; null without frames in empty spans. */
  skippedShare: number | null;
}

/** Frames at `tS` (s) are inside a span when fromS ≤ tS < toS. */
export function emptySpanShare(frames: ReadonlyArray<{ tS: number; inferenceRun: boolean }>, spans: readonly EmptySpan[]): EmptySpanShare {
  let inSpans = 0;
  let skipped = 0;
  for (const f of frames) {
    if (!spans.some((s) => f.tS >= s.fromS && f.tS < s.toS)) continue;
    inSpans++;
    if (!f.inferenceRun) skipped++;
  }
  return { framesInSpans: inSpans, skippedInSpans: skipped, skippedShare: inSpans === 0 ? null : round3(skipped / inSpans) };
}

/** Rounded to 3 decimals (ms for seconds): reports stay readable and stable. */
export function round3(v: number): number {
  return Math.round(v * 1000) / 1000;
}
