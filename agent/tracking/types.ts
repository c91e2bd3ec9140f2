import type { Box, Detection } from '../detection/index.js';

/** Never changed once made: a track's snapshots share their points (see ByteTracker's snapshot). */
export interface TrackPoint {
  readonly tMs: number;
  /** Bottom-centre of the box: where the object touches the ground, used by zones and lines. */
  readonly x: number;
  readonly y: number;
}

export interface Track {
  /** Stable per camera for the life of the object. */
  id: number;
  classId: number;
  /** The class the track has been detected as most (score-weighted); stable when the detector hesitates. */
  className: string;
  /** Score of the latest matched detection (with bytetrack possibly a low-score box that only continued the track). */
  score: number;
  /**
   * Best score of the detections that started or continued the track at or above the tracker's high threshold:
   * what an incident about it reports. Absent from trackers that do not keep it (then `score`).
   */
  bestScore?: number;
  box: Box;
  firstSeenMs: number;
  lastSeenMs: number;
  /** Matched detections so far. */
  hits: number;
  /** Recent bottom-centre positions, oldest first (bounded). */
  history: TrackPoint[];
  /** Speed of the bottom-centre over the recent motion window (px/s); absent until two points span it. */
  speedPxPerS?: number;
  /** Unit vector of travel (image coords, y down); absent while the track barely moves. */
  direction?: { x: number; y: number };
  /** Heading of `direction` in degrees: 0 = right, 90 = down; absent with `direction`. */
  headingDeg?: number;
  /** Filtered velocity of the bottom-centre (px/s), from the tracker's motion model when it has one. */
  velocityPxPerS?: { x: number; y: number };
  /** Persons riding this two-wheeler (rider fusion, `tracking.riders`); absent on other tracks. */
  riders?: number;
}

/** Turns per-frame detections into tracks with stable ids. */
export interface Tracker {
  /** Returns the confirmed tracks matched in this frame. */
  update(detections: Detection[], tMs: number): Track[];
}
