import type { Box } from '../detection/index.js';

/**
 * How good a frame is as evidence of an object, 0..1: a confident detection, a large box, not hidden
 * behind other objects and not cut by the frame edge. Used to decide when an update's snapshot replaces
 * the incident's best one.
 */

/** A box covering this share of the frame is "large enough": bigger adds nothing to legibility. */
export const DEFAULT_FULL_SIZE_FRACTION = 0.02;
/** A box touching the frame edge is probably cut off: its view counts this much less. */
export const DEFAULT_EDGE_PENALTY = 0.6;

export interface QualityInput {
  score: number;
  box: Box;
  /** 0..1, share of the box hidden by other objects; 0 when unknown. */
  occlusion?: number;
}

export function snapshotQuality(input: QualityInput, frameWidth: number, frameHeight: number): number {
  const { box } = input;
  const w = Math.max(0, Math.min(box.x2, frameWidth) - Math.max(box.x1, 0));
  const h = Math.max(0, Math.min(box.y2, frameHeight) - Math.max(box.y1, 0));
  const frameArea = frameWidth * frameHeight;
  if (frameArea <= 0) return 0;
  // Square root: legibility grows with the box's side, not its area.
  const size = Math.min(1, Math.sqrt((w * h) / (DEFAULT_FULL_SIZE_FRACTION * frameArea)));
  const visible = 1 - Math.min(1, Math.max(0, input.occlusion ?? 0));
  // One pixel of slack: detector boxes are clipped to the frame, so a box at the edge ends exactly there.
  const atEdge = box.x1 <= 1 || box.y1 <= 1 || box.x2 >= frameWidth - 1 || box.y2 >= frameHeight - 1;
  const whole = frameArea > 0 && w * h >= 0.9 * frameArea; // camera-level hits cover the frame: no penalty
  return Math.max(0, Math.min(1, input.score)) * size * visible * (atEdge && !whole ? DEFAULT_EDGE_PENALTY : 1);
}
