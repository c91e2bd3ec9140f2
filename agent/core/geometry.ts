/**
 * The one box of the agent: axis-aligned, in pixels of the image it was found on, top-left (x1,y1) and
 * bottom-right (x2,y2). Detection, tracking, rules and incidents all speak it.
 */
export interface Box {
  x1: number;
  y1: number;
  x2: number;
  y2: number;
}

/** Area of a box; 0 for a degenerate (inverted or empty) one. */
export function boxArea(b: Box): number {
  return Math.max(0, b.x2 - b.x1) * Math.max(0, b.y2 - b.y1);
}

/** Area two boxes share (px²); 0 when they do not overlap. */
export function intersectionArea(a: Box, b: Box): number {
  const iw = Math.min(a.x2, b.x2) - Math.max(a.x1, b.x1);
  const ih = Math.min(a.y2, b.y2) - Math.max(a.y1, b.y1);
  return iw > 0 && ih > 0 ? iw * ih : 0;
}

/** Intersection over union of two boxes, 0 when they do not overlap or either is empty. */
export function iou(a: Box, b: Box): number {
  const inter = intersectionArea(a, b);
  if (inter === 0) return 0;
  const union = boxArea(a) + boxArea(b) - inter;
  return union > 0 ? inter / union : 0;
}

/** Bottom-centre of a box: where an object touches the ground. */
export function bottomCentre(box: Box): { x: number; y: number } {
  return { x: (box.x1 + box.x2) / 2, y: box.y2 };
}
