import { ByteTracker, type ByteTrackOptions } from './bytetrack.js';
import { IouTracker } from './iou-tracker.js';
import { DEFAULT_RIDER_CLASS, DEFAULT_TWO_WHEELER_CLASSES, type RiderOptions } from './rider-fusion.js';
import type { Tracker } from './types.js';

/** Tracker implementations: `bytetrack` (default) or the simpler greedy `iou`. */
export type TrackerKind = 'bytetrack' | 'iou';

/** Options of `createTracker`: the config's `tracking` section, with seconds turned into ms. */
export interface CreateTrackerOptions {
  /** Default 'bytetrack'. */
  kind?: TrackerKind;
  /** iou: minimum IoU to match; bytetrack: minimum IoU of the first (high-score) association. */
  iouThreshold: number;
  maxLostMs: number;
  minHits: number;
  maxHistoryPoints?: number;
  /** bytetrack only; see ByteTrackOptions. */
  highScoreThreshold?: number;
  lowScoreThreshold?: number;
  classGroups?: ByteTrackOptions['classGroups'];
  /** bytetrack only: rider fusion; absent = off. */
  riders?: RiderOptions;
}

/** One tracker per camera: ids are stable and increasing within it. */
export function createTracker(options: CreateTrackerOptions): Tracker {
  const kind = options.kind ?? 'bytetrack';
  switch (kind) {
    case 'iou':
      return new IouTracker(options);
    case 'bytetrack':
      return new ByteTracker({
        iouThreshold: options.iouThreshold,
        maxLostMs: options.maxLostMs,
        minHits: options.minHits,
        ...(options.maxHistoryPoints !== undefined && { maxHistoryPoints: options.maxHistoryPoints }),
        ...(options.highScoreThreshold !== undefined && { highScoreThreshold: options.highScoreThreshold }),
        ...(options.lowScoreThreshold !== undefined && { lowScoreThreshold: options.lowScoreThreshold }),
        ...(options.classGroups !== undefined && { classGroups: options.classGroups }),
        ...(options.riders !== undefined && { riders: options.riders }),
      });
    default: {
      const unknown: never = kind;
      throw new Error(`unknown tracker kind: ${String(unknown)}`);
    }
  }
}

/** The config's `tracking` section (seconds), as far as the tracker needs it. */
export interface TrackingSection {
  kind: TrackerKind;
  iouThreshold: number;
  maxLostSeconds: number;
  minHits: number;
  highScoreThreshold: number;
  lowScoreThreshold: number;
  /** Absent: rider fusion off. */
  riders?: {
    enabled: boolean;
    minOverlap: number;
    maxCentreOffset: number;
    minSpeedHeightsPerS: number;
    minSeconds: number;
    minFusedFrames: number;
  };
}

/**
 * createTracker options from the config's `tracking` section. `classNames` are the detector's classes
 * (after any remap): rider fusion is on only when they hold the rider class and a two-wheeler class (COCO);
 * absent = the default COCO model. With `detectionScoreThreshold` (the config's detection.scoreThreshold),
 * boxes below it never start a track nor count as its best score: they may only continue one, as
 * ByteTrack's low-score boxes do.
 */
export function trackerOptionsFromConfig(t: TrackingSection, classNames?: readonly string[], detectionScoreThreshold = 0): CreateTrackerOptions {
  const options: CreateTrackerOptions = {
    kind: t.kind,
    iouThreshold: t.iouThreshold,
    maxLostMs: t.maxLostSeconds * 1000,
    minHits: t.minHits,
    highScoreThreshold: Math.max(t.highScoreThreshold, detectionScoreThreshold),
    lowScoreThreshold: t.lowScoreThreshold,
  };
  const riders = ridersFor(t, classNames);
  if (riders !== undefined) options.riders = riders;
  return options;
}

/** Rider-fusion options for a config and model, or undefined when it is off or the model cannot tell riders. */
export function ridersFor(t: TrackingSection, classNames?: readonly string[]): RiderOptions | undefined {
  if (t.riders === undefined || !t.riders.enabled) return undefined;
  const names = classNames ?? COCO_RIDER_CLASSES;
  const twoWheelerClasses = DEFAULT_TWO_WHEELER_CLASSES.filter((c) => names.includes(c));
  if (!names.includes(DEFAULT_RIDER_CLASS) || twoWheelerClasses.length === 0) return undefined;
  const classIds: Record<string, number> = {};
  for (const c of twoWheelerClasses) classIds[c] = classNames === undefined ? COCO_CLASS_IDS[c]! : names.indexOf(c);
  return {
    twoWheelerClasses,
    classIds,
    minOverlap: t.riders.minOverlap,
    maxCentreOffset: t.riders.maxCentreOffset,
    minSpeedHeightsPerS: t.riders.minSpeedHeightsPerS,
    minSeconds: t.riders.minSeconds,
    minFusedFrames: t.riders.minFusedFrames,
  };
}

/** COCO-80 ids of the classes rider fusion names, for callers that do not pass the model's classes. */
const COCO_CLASS_IDS: Readonly<Record<string, number>> = { person: 0, bicycle: 1, motorcycle: 3 };
const COCO_RIDER_CLASSES = Object.keys(COCO_CLASS_IDS);

/**
 * The score the shared detector must decode down to: ByteTrack's second stage needs boxes between the
 * low and high thresholds, which a detector cut at `detection.scoreThreshold` would have dropped.
 */
export function detectorScoreThreshold(detectionScoreThreshold: number, t: Pick<TrackingSection, 'kind' | 'lowScoreThreshold'>): number {
  return t.kind === 'bytetrack' ? Math.min(detectionScoreThreshold, t.lowScoreThreshold) : detectionScoreThreshold;
}

