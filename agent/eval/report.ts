import type { ClipSplit, ExpectedIncident } from './clip-schema.js';
import { round3, type CountRow, type EmptySpanShare, type IncidentMatch, type ProducedIncident } from './match.js';

/** Schema id of the JSON report (docs/schemas/eval-report.schema.json). */
export const EVAL_REPORT_SCHEMA = 'camwatch.eval-report/1';

/** One clip's results. */
export interface ClipReport {
  file: string;
  name: string;
  split: ClipSplit;
  video: string;
  analysis: { fps: number; width: number };
  /** Frames analysed / analysis fps (s). */
  durationS: number;
  framesAnalysed: number;
  inferencesRun: number;
  inferencesSkipped: number;
  /** Frames whose tracks moved along their predicted paths instead of an inference (motion.coastTracks). */
  inferencesCoasted: number;
  /** Detector runs: one per inference on a whole frame or crop, one per window run of a tiled frame. */
  detectorRuns: number;
  emptySpans: EmptySpanShare & { spans: number };
  incidents: {
    expected: Array<ExpectedIncident & { ruleType: string }>;
    produced: ProducedIncident[];
    matches: IncidentMatch[];
    misses: number[];
    falsePositives: number[];
    /** line_crossing incidents raised (compared as counts, never as incidents). */
    lineCrossings: number;
  };
  counts: CountRow[];
  elapsedS: number;
  framesPerSecond: number;
}

/** Detection quality of one rule type (or of all, `ruleType: "all"`). */
export interface RuleTypeScore {
  ruleType: string;
  expected: number;
  produced: number;
  truePositives: number;
  falsePositives: number;
  misses: number;
  /** TP / (TP + FP); null when nothing was produced. */
  precision: number | null;
  /** TP / expected; null when nothing was expected. */
  recall: number | null;
  /** Over matched pairs; null without matches. */
  meanAbsStartErrorS: number | null;
  maxAbsStartErrorS: number | null;
  /** Signed mean (produced − expected): negative = raised early on average. */
  meanStartErrorS: number | null;
}

/** Totals of one split (tune, holdout) or of all clips. */
export interface SplitSummary {
  split: ClipSplit | 'all';
  clips: number;
  byRuleType: RuleTypeScore[];
  overall: RuleTypeScore;
  counts: {
    /** Labelled (line, class, direction) rows. */
    rows: number;
    expected: number;
    counted: number;
    /** Sum of |counted − expected| over labelled rows. */
    absError: number;
    /** Mean of |relative error| over rows with expected > 0; null without such rows. */
    meanAbsRelativeError: number | null;
  };
  framesAnalysed: number;
  inferencesRun: number;
  inferencesSkipped: number;
  inferencesCoasted: number;
  detectorRuns: number;
  emptySpans: EmptySpanShare;
}

/** The whole report (`camwatch eval --json`). */
export interface EvalReport {
  schema: typeof EVAL_REPORT_SCHEMA;
  createdAt: string;
  camwatchVersion: string;
  settings: {
    config: string;
    overrides: string[];
    model: { name: string; layout: string; inputWidth: number; inputHeight: number };
    detection: Record<string, unknown>;
    tracking: Record<string, unknown>;
    /** Snapshots are not drawn in eval: they decide nothing about which incidents open or end. */
    snapshots: false;
  };
  clips: ClipReport[];
  summary: { tune: SplitSummary; holdout: SplitSummary; all: SplitSummary };
  elapsedS: number;
  framesAnalysed: number;
  framesPerSecond: number;
}

/** Scores of a set of clips per rule type, plus the overall line; rule types sorted by name. */
export function scoreRuleTypes(clips: readonly ClipReport[]): { byRuleType: RuleTypeScore[]; overall: RuleTypeScore } {
  const acc = new Map<string, { expected: number; produced: number; tp: number; errors: number[] }>();
  const get = (t: string) => {
    let a = acc.get(t);
    if (!a) acc.set(t, (a = { expected: 0, produced: 0, tp: 0, errors: [] }));
    return a;
  };
  for (const c of clips) {
    for (const e of c.incidents.expected) get(e.ruleType).expected++;
    for (const p of c.incidents.produced) get(p.ruleType).produced++;
    for (const m of c.incidents.matches) {
      const a = get(c.incidents.expected[m.expected]!.ruleType);
      a.tp++;
      a.errors.push(m.startErrorS);
    }
  }
  const score = (ruleType: string, a: { expected: number; produced: number; tp: number; errors: number[] }): RuleTypeScore => {
    const abs = a.errors.map(Math.abs);
    return {
      ruleType,
      expected: a.expected,
      produced: a.produced,
      truePositives: a.tp,
      falsePositives: a.produced - a.tp,
      misses: a.expected - a.tp,
      precision: a.produced === 0 ? null : round3(a.tp / a.produced),
      recall: a.expected === 0 ? null : round3(a.tp / a.expected),
      meanAbsStartErrorS: abs.length ? round3(abs.reduce((s, v) => s + v, 0) / abs.length) : null,
      maxAbsStartErrorS: abs.length ? round3(Math.max(...abs)) : null,
      meanStartErrorS: a.errors.length ? round3(a.errors.reduce((s, v) => s + v, 0) / a.errors.length) : null,
    };
  };
  const types = [...acc.keys()].sort();
  const all = { expected: 0, produced: 0, tp: 0, errors: [] as number[] };
  for (const a of acc.values()) {
    all.expected += a.expected;
    all.produced += a.produced;
    all.tp += a.tp;
    all.errors.push(...a.errors);
  }
  return { byRuleType: types.map((t) => score(t, acc.get(t)!)), overall: score('all', all) };
}

/** Totals of the clips of one split (or all). */
export function summarise(split: ClipSplit | 'all', clips: readonly ClipReport[]): SplitSummary {
  const { byRuleType, overall } = scoreRuleTypes(clips);
  const rows = clips.flatMap((c) => c.counts).filter((r) => r.expected !== null);
  const rel = rows.filter((r) => r.relativeError !== null).map((r) => Math.abs(r.relativeError!));
  const framesInSpans = clips.reduce((s, c) => s + c.emptySpans.framesInSpans, 0);
  const skippedInSpans = clips.reduce((s, c) => s + c.emptySpans.skippedInSpans, 0);
  return {
    split,
    clips: clips.length,
    byRuleType,
    overall,
    counts: {
      rows: rows.length,
      expected: rows.reduce((s, r) => s + r.expected!, 0),
      counted: rows.reduce((s, r) => s + r.counted, 0),
      absError: rows.reduce((s, r) => s + Math.abs(r.error!), 0),
      meanAbsRelativeError: rel.length ? round3(rel.reduce((s, v) => s + v, 0) / rel.length) : null,
    },
    framesAnalysed: clips.reduce((s, c) => s + c.framesAnalysed, 0),
    inferencesRun: clips.reduce((s, c) => s + c.inferencesRun, 0),
    inferencesSkipped: clips.reduce((s, c) => s + c.inferencesSkipped, 0),
    inferencesCoasted: clips.reduce((s, c) => s + c.inferencesCoasted, 0),
    detectorRuns: clips.reduce((s, c) => s + c.detectorRuns, 0),
    emptySpans: { framesInSpans, skippedInSpans, skippedShare: framesInSpans === 0 ? null : round3(skippedInSpans / framesInSpans) },
  };
}

/** The three summaries of a report. */
export function summariseSplits(clips: readonly ClipReport[]): EvalReport['summary'] {
  return {
    tune: summarise('tune', clips.filter((c) => c.split === 'tune')),
    holdout: summarise('holdout', clips.filter((c) => c.split === 'holdout')),
    all: summarise('all', clips),
  };
}
