// Pure geometry of the overlays: config points are fractions of the frame ([x, y], 0..1, y down, docs/config.md),
// the canvas works in frame pixels. A line is directed: crossing from its left to its right side, walking
// from `from` to `to` on screen, is "in" — so the "in" arrow is the direction's normal (-dy, dx) in pixels.

/** Fraction point → canvas pixels. */
export const toPx = ([x, y], w, h) => [x * w, y * h];

/** Canvas pixels → fraction point, clamped to the frame and rounded to 4 decimals (0.1 px at 1000 px). */
export function toFraction([px, py], w, h) {
  const r = (v) => Math.round(Math.min(1, Math.max(0, v)) * 10000) / 10000;
  return [r(px / w), r(py / h)];
}

/** Unit vector of the "in" crossing direction of a line from `a` to `b` (pixels), or [0, 0] for a point. */
export function inNormal([ax, ay], [bx, by]) {
  const dx = bx - ax;
  const dy = by - ay;
  const len = Math.hypot(dx, dy);
  return len === 0 ? [0, 0] : [-dy / len, dx / len];
}

/** Index of the point within `radiusPx` of `p` (nearest), or -1. */
export function nearestPoint(points, p, radiusPx) {
  let best = -1;
  let bestD = radiusPx;
  points.forEach((q, i) => {
    const d = Math.hypot(q[0] - p[0], q[1] - p[1]);
    if (d <= bestD) {
      best = i;
      bestD = d;
    }
  });
  return best;
}

/**
 * A detection or track box as canvas pixels {x, y, w, h}. Accepts [x1, y1, x2, y2] or {x, y, width|w, height|h}
 * or {x1, y1, x2, y2}, in frame pixels or in fractions (all coordinates ≤ 1).
 */
export function boxRect(box, w, h) {
  if (!box) return undefined;
  let x1, y1, x2, y2;
  if (Array.isArray(box)) [x1, y1, x2, y2] = box;
  else if ('x1' in box) ({ x1, y1, x2, y2 } = box);
  else {
    x1 = box.x;
    y1 = box.y;
    x2 = box.x + (box.width ?? box.w);
    y2 = box.y + (box.height ?? box.h);
  }
  if (![x1, y1, x2, y2].every(Number.isFinite)) return undefined;
  const fractions = Math.max(Math.abs(x1), Math.abs(y1), Math.abs(x2), Math.abs(y2)) <= 1;
  const sx = fractions ? w : 1;
  const sy = fractions ? h : 1;
  return { x: x1 * sx, y: y1 * sy, w: (x2 - x1) * sx, h: (y2 - y1) * sy };
}

/** A trail point ([x, y] or {x, y}, pixels or fractions) as canvas pixels. */
export function trailPoint(p, w, h, fractions) {
  const [x, y] = Array.isArray(p) ? p : [p.x, p.y];
  return fractions ? [x * w, y * h] : [x, y];
}

/** Whether a polygon's corners are all fractions (a zone with units: normalized). */
export const isFractionPolygon = (points) => points.every(([x, y]) => x >= 0 && x <= 1 && y >= 0 && y <= 1);

/** Next free id like "zone-3" for a new zone or line, given the ids in use. */
export function nextId(prefix, used) {
  const taken = new Set(used);
  for (let i = 1; ; i++) if (!taken.has(`${prefix}-${i}`)) return `${prefix}-${i}`;
}
