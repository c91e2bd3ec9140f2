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
  DEFAULT_MIN_DISPLACEMENT_PX,
  DEFAULT_MOTION_WINDOW_MS,
  angleBetweenDeg,
  headingDeg,
  motionOf,
  trackDirection,
  trackSpeedPxPerS,
  type Motion,
  type MotionOptions,
} from './motion.js';

/** Tracker implementations; ByteTrack will join as another `kind` with its own options. */
export type TrackerKind = 'iou';

/** Options of `createTracker`: the config's `tracking` section, with seconds turned into ms. */
export interface CreateTrackerOptions {
  kind?: TrackerKind;
  iouThreshold: number;
  maxLostMs: number;
  minHits: number;
  maxHistoryPoints?: number;
}

/** One tracker per camera: ids are stable and increasing within it. */
export function createTracker(options: CreateTrackerOptions): Tracker {
  const kind = options.kind ?? 'iou';
  switch (kind) {
    case 'iou':
      return new IouTracker(options);
    default: {
      const unknown: never = kind;
      throw new Error(`unknown tracker kind: ${String(unknown)}`);
    }
  }
}
