/**
 * The quality scenario's arithmetic (scripts/bench/quality.ts): an eval report reduced to the figures the
 * bench compares, and the fast path compared with the full-frame path. Pure functions, no video, no model.
 */
import type { ClipReport, CountRow, EvalReport, RuleTypeScore } from '../../agent/eval/index.js';

/** Issue #15: a speed-up may move precision and recall on the labelled set by at most this (1 point). */
export const MAX_QUALITY_DELTA_POINTS = 1;

/** The count classes the bench sums apart: motorbikes (issue #11) and the other motor vehicles. */
export const COUNT_CLASS_GROUPS = { motorcycle: ['motorcycle'], vehicle: ['car', 'truck', 'bus'] } as const;

/** Incident scores of a set of clips (every rule type together, line crossings excluded as in the harness), as the harness scores one rule type. */
export type IncidentScore = { clips: number } & Pick<RuleTypeScore, 'expected' | 'produced' | 'truePositives' | 'falsePositives' | 'misses' | 'precision' | 'recall'>;

/** Line-count error over the labelled (line, class, direction) rows of one class group. */
export interface CountError {
  rows: number;
  expected: number;
  counted: number;
  /** Sum of |counted − expected| over the rows: adds up across clips, and sees a false count where 0 was expected. */
  absError: number;
}

/** One clip on one path: enough to see which clip a difference comes from. */
export interface ClipLine {
  file: string;
  split: string;
  truePositives: number;
  falsePositives: number;
  misses: number;
  countAbsError: number;
  framesAnalysed: number;
  inferencesRun: number;
}

/** CPU spent by one run of the harness over the clips (s): this process (detector thread included) and its reaped ffmpeg decoders. */
export interface CpuSeconds {
  harness: number;
  decoders: number;
  total: number;
}

/** One path (fast or full-frame): the harness's quality and what it cost. */
export interface QualityPath {
  /** The `--set` overrides on top of the config (none for the fast path). */
  overrides: string[];
  overall: IncidentScore;
  splits: { tune: IncidentScore; holdout: IncidentScore };
  counts: { motorcycle: CountError; vehicle: CountError; all: CountError };
  framesAnalysed: number;
  inferencesRun: number;
  /** inferencesRun / framesAnalysed (3 decimals): 1 = every analysed frame went to the detector. */
  inferenceShare: number;
  cpuSeconds: CpuSeconds;
  /** Wall time of the clips (s): noisy on a shared box, read cpuSeconds. */
  wallSeconds: number;
  clips: ClipLine[];
}

/** Fast − full-frame, in points (1 point = 0.01 of precision or recall); null when either side is undefined. */
export interface PointsDelta {
  precisionPoints: number | null;
  recallPoints: number | null;
  /** Both |Δ| ≤ MAX_QUALITY_DELTA_POINTS; a score undefined on one side only (nothing produced there) is not within. */
  withinOnePoint: boolean;
}

/** The comparison the scenario prints. */
export interface QualityDelta {
  overall: PointsDelta;
  splits: { tune: PointsDelta; holdout: PointsDelta };
  /** Fast − full of the summed |count error| per class group (positive = the fast path counts worse). */
  countAbsError: { motorcycle: number; vehicle: number; all: number };
  inferenceShare: number;
  /** Fast / full CPU seconds (2 decimals): < 1 = the fast path is cheaper. */
  cpuRatio: { harness: number | null; decoders: number | null; total: number | null };
  /** Clips whose TP, FP, misses or count error differ between the paths. */
  clipsChanged: string[];
}

const round = (v: number, decimals: number) => Math.round(v * 10 ** decimals) / 10 ** decimals;

/** A harness rule-type line (usually `all`) as the bench's incident score. */
export function incidentScore(s: RuleTypeScore, clips: number): IncidentScore {
  return {
    clips,
    expected: s.expected,
    produced: s.produced,
    truePositives: s.truePositives,
    falsePositives: s.falsePositives,
    misses: s.misses,
    precision: s.produced === 0 ? null : round(s.truePositives / s.produced, 3),
    recall: s.expected === 0 ? null : round(s.truePositives / s.expected, 3),
  };
}

/** Summed |error| of the labelled count rows whose class is in `classes` (every class when absent). */
export function countError(rows: readonly CountRow[], classes?: readonly string[]): CountError {
  const labelled = rows.filter((r) => r.expected !== null && (classes === undefined || classes.includes(r.class)));
  return {
    rows: labelled.length,
    expected: labelled.reduce((s, r) => s + r.expected!, 0),
    counted: labelled.reduce((s, r) => s + r.counted, 0),
    absError: labelled.reduce((s, r) => s + Math.abs(r.counted - r.expected!), 0),
  };
}

function clipLine(c: ClipReport): ClipLine {
  return {
    file: c.file,
    split: c.split,
    truePositives: c.incidents.matches.length,
    falsePositives: c.incidents.falsePositives.length,
    misses: c.incidents.misses.length,
    countAbsError: countError(c.counts).absError,
    framesAnalysed: c.framesAnalysed,
    inferencesRun: c.inferencesRun,
  };
}

/** One eval report (and the CPU and wall time measured around it) as one path of the comparison. */
export function qualityPath(report: EvalReport, cpuSeconds: CpuSeconds, wallSeconds: number): QualityPath {
  const { summary } = report;
  const rows = report.clips.flatMap((c) => c.counts);
  return {
    overrides: [...report.settings.overrides],
    overall: incidentScore(summary.all.overall, summary.all.clips),
    splits: { tune: incidentScore(summary.tune.overall, summary.tune.clips), holdout: incidentScore(summary.holdout.overall, summary.holdout.clips) },
    counts: { motorcycle: countError(rows, COUNT_CLASS_GROUPS.motorcycle), vehicle: countError(rows, COUNT_CLASS_GROUPS.vehicle), all: countError(rows) },
    framesAnalysed: summary.all.framesAnalysed,
    inferencesRun: summary.all.inferencesRun,
    inferenceShare: summary.all.framesAnalysed === 0 ? 0 : round(summary.all.inferencesRun / summary.all.framesAnalysed, 3),
    cpuSeconds,
    wallSeconds: round(wallSeconds, 1),
    clips: report.clips.map(clipLine),
  };
}

/** Exact rates from the counts (not the 3-decimal ones), so 0.857 − 0.867 never reads as 1.0000001 points. */
function rateDelta(fastNum: number, fastDen: number, fullNum: number, fullDen: number): { points: number | null; within: boolean } {
  if (fastDen === 0 || fullDen === 0) return { points: null, within: fastDen === 0 && fullDen === 0 };
  const points = (fastNum / fastDen - fullNum / fullDen) * 100;
  return { points: round(points, 2), within: Math.abs(points) <= MAX_QUALITY_DELTA_POINTS + 1e-9 };
}

/** Fast − full-frame precision and recall in points, and whether both stay within one point. */
export function pointsDelta(fast: IncidentScore, full: IncidentScore): PointsDelta {
  const p = rateDelta(fast.truePositives, fast.produced, full.truePositives, full.produced);
  const r = rateDelta(fast.truePositives, fast.expected, full.truePositives, full.expected);
  return { precisionPoints: p.points, recallPoints: r.points, withinOnePoint: p.within && r.within };
}

const ratio = (a: number, b: number) => (b > 0 ? round(a / b, 2) : null);

/** The fast path against the full-frame path: deltas in points, count and CPU differences. */
export function compareQuality(fast: QualityPath, full: QualityPath): QualityDelta {
  const fullByFile = new Map(full.clips.map((c) => [c.file, c]));
  const clipsChanged = fast.clips
    .filter((c) => {
      const f = fullByFile.get(c.file);
      return !f || f.truePositives !== c.truePositives || f.falsePositives !== c.falsePositives || f.misses !== c.misses || f.countAbsError !== c.countAbsError;
    })
    .map((c) => c.file);
  return {
    overall: pointsDelta(fast.overall, full.overall),
    splits: { tune: pointsDelta(fast.splits.tune, full.splits.tune), holdout: pointsDelta(fast.splits.holdout, full.splits.holdout) },
    countAbsError: {
      motorcycle: fast.counts.motorcycle.absError - full.counts.motorcycle.absError,
      vehicle: fast.counts.vehicle.absError - full.counts.vehicle.absError,
      all: fast.counts.all.absError - full.counts.all.absError,
    },
    inferenceShare: round(fast.inferenceShare - full.inferenceShare, 3),
    cpuRatio: {
      harness: ratio(fast.cpuSeconds.harness, full.cpuSeconds.harness),
      decoders: ratio(fast.cpuSeconds.decoders, full.cpuSeconds.decoders),
      total: ratio(fast.cpuSeconds.total, full.cpuSeconds.total),
    },
    clipsChanged,
  };
}
