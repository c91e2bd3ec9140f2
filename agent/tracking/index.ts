/** Tracking stage: object tracks with stable ids from each frame's detections, their motion and ground speed. */
export type { Track, TrackPoint, Tracker } from './types.js';
export { createTracker, detectorScoreThreshold, trackerOptionsFromConfig } from './create.js';
export { DEFAULT_IOU_THRESHOLD, DEFAULT_MAX_HISTORY_POINTS, DEFAULT_MAX_LOST_MS, DEFAULT_MIN_HITS } from './iou-tracker.js';
export { DEFAULT_BYTETRACK_IOU_THRESHOLD, DEFAULT_BYTETRACK_MAX_LOST_MS, DEFAULT_HIGH_SCORE_THRESHOLD, DEFAULT_LOW_SCORE_THRESHOLD } from './bytetrack.js';
export { DEFAULT_MAX_RIDER_CENTRE_OFFSET, DEFAULT_MIN_FUSED_FRAMES, DEFAULT_MIN_RIDER_OVERLAP, DEFAULT_MIN_RIDER_SECONDS, DEFAULT_MIN_RIDER_SPEED_HEIGHTS_PER_S } from './rider-fusion.js';
export { DEFAULT_CLASS_GROUPS, compatibleClasses } from './class-vote.js';
export { groundSpeedKmh, homographyFromPoints, type Homography } from './calibration.js';
export { motionOf } from './motion.js';
export { TrackCoaster } from './coast.js';
export { predictedBox } from './predict.js';
