import { ByteTracker, type ByteTrackOptions } from './bytetrack.js';
import { IouTracker } from './iou-tracker.js';
import type { Tracker } from './types.js';

export type { Track, TrackPoint, Tracker } from './types.js';
export {
  DEFAULT_IOU_THRESHOLD,
  DEFAULT_MAX_HISTORY_POINTS,
  DEFAULT_MAX_LOST_MS,
  DEFAULT_MIN_HITS,
  IouTracker,
  bottomCentre,
  iou,
  type IouTrackerOptions,
} from './iou-tracker.js';
export {
  DEFAULT_BYTETRACK_IOU_THRESHOLD,
  DEFAULT_BYTETRACK_MAX_LOST_MS,
  DEFAULT_HIGH_SCORE_THRESHOLD,
  DEFAULT_LOW_SCORE_IOU_THRESHOLD,
  DEFAULT_LOW_SCORE_THRESHOLD,
  DEFAULT_TENTATIVE_IOU_THRESHOLD,
  ByteTracker,
  type ByteTrackOptions,
} from './bytetrack.js';
export { BoxKalman, type KalmanOptions } from './kalman.js';
export { linearAssignment } from './assignment.js';
export { ClassVote, DEFAULT_CLASS_GROUPS, compatibleClasses } from './class-vote.js';
export {
  DEFAULT_SPEED_WINDOW_MS,
  applyHomography,
  groundSpeedKmh,
  homographyFromPoints,
  type Homography,
  type Point2,
} from './calibration.js';
export {
  DEFAULT_MIN_DISPLACEMENT_PX,
  DEFAULT_MOTION_WINDOW_MS,
  angleBetweenDeg,
  annotateMotion,
  headingDeg,
  motionOf,
  trackDirection,
  trackSpeedPxPerS,
  type Motion,
  type MotionOptions,
} from './motion.js';

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
}

/**
 * createTracker options from the config's `tracking` section. With `detectionScoreThreshold` (the config's
 * detection.scoreThreshold), boxes below it never start a track nor count as its best score: they may only
 * continue one, as ByteTrack's low-score boxes do.
 */
export function trackerOptionsFromConfig(t: TrackingSection, detectionScoreThreshold = 0): CreateTrackerOptions {
  return {
    kind: t.kind,
    iouThreshold: t.iouThreshold,
    maxLostMs: t.maxLostSeconds * 1000,
    minHits: t.minHits,
    highScoreThreshold: Math.max(t.highScoreThreshold, detectionScoreThreshold),
    lowScoreThreshold: t.lowScoreThreshold,
  };
}

/**
 * The score the shared detector must decode down to: ByteTrack's second stage needs boxes between the
 * low and high thresholds, which a detector cut at `detection.scoreThreshold` would have dropped.
 */
export function detectorScoreThreshold(detectionScoreThreshold: number, t: Pick<TrackingSection, 'kind' | 'lowScoreThreshold'>): number {
  return t.kind === 'bytetrack' ? Math.min(detectionScoreThreshold, t.lowScoreThreshold) : detectionScoreThreshold;
}

