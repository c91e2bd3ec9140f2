import type { Box, Detection } from '../detection/types.js';

export interface TrackPoint {
  tMs: number;
  /** Bottom-centre of the box: where the object touches the ground, used by zones and lines. */
  x: number;
  y: number;
}

export interface Track {
  /** Stable per camera for the life of the object. */
  id: number;
  classId: number;
  className: string;
  /** Score of the latest matched detection. */
  score: number;
  box: Box;
  firstSeenMs: number;
  lastSeenMs: number;
  /** Matched detections so far. */
  hits: number;
  /** Recent bottom-centre positions, oldest first (bounded). */
  history: TrackPoint[];
}

/** Turns per-frame detections into tracks with stable ids. */
export interface Tracker {
  /** Returns the confirmed tracks matched in this frame. */
  update(detections: Detection[], tMs: number): Track[];
}
