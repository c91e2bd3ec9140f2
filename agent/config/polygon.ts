/**
 * Plane geometry for config checks only (the rules stage has its own runtime geometry). Tolerances scale with
 * the coordinates so the same code serves normalized (0..1) and pixel units.
 */

export type Point = readonly [number, number];

/**
 * Corners a zone or motion mask may have. A zone is drawn by hand or from a few clicks: tens of corners. The
 * outline check compares every pair of edges; the cap keeps that (and the rules' per-frame point-in-polygon)
 * bounded for any accepted config: 256 corners validate in about a millisecond, where an uncapped 3,000-point
 * polygon took 2 s and froze the event loop on reload (`npx tsx scripts/bench/polygon-check.ts`).
 */
export const MAX_POLYGON_POINTS = 256;

function tolerance(points: readonly Point[]): number {
  let max = 1;
  for (const [x, y] of points) max = Math.max(max, Math.abs(x), Math.abs(y));
  // Cross products grow with the square of the coordinates; 1e-12 is far below any hand-typed difference.
  return 1e-12 * max * max;
}

function cross(o: Point, a: Point, b: Point): number {
  return (a[0] - o[0]) * (b[1] - o[1]) - (a[1] - o[1]) * (b[0] - o[0]);
}

function onSegment(a: Point, b: Point, p: Point, eps: number): boolean {
  return Math.abs(cross(a, b, p)) <= eps && Math.min(a[0], b[0]) <= p[0] && p[0] <= Math.max(a[0], b[0]) && Math.min(a[1], b[1]) <= p[1] && p[1] <= Math.max(a[1], b[1]);
}

/** True when segments ab and cd share any point (crossing, touching or overlapping). */
export function segmentsIntersect(a: Point, b: Point, c: Point, d: Point, eps = tolerance([a, b, c, d])): boolean {
  const d1 = cross(c, d, a);
  const d2 = cross(c, d, b);
  const d3 = cross(a, b, c);
  const d4 = cross(a, b, d);
  const straddles = (p: number, q: number) => (p > eps && q < -eps) || (p < -eps && q > eps);
  if (straddles(d1, d2) && straddles(d3, d4)) return true;
  return onSegment(c, d, a, eps) || onSegment(c, d, b, eps) || onSegment(a, b, c, eps) || onSegment(a, b, d, eps);
}

export function samePoint(a: Point, b: Point, eps = tolerance([a, b])): boolean {
  return Math.abs(a[0] - b[0]) <= Math.sqrt(eps) && Math.abs(a[1] - b[1]) <= Math.sqrt(eps);
}

/** What is wrong with a polygon's outline, as a sentence naming 1-based points and edges; undefined when simple. */
export function polygonProblem(points: readonly Point[]): string | undefined {
  const n = points.length;
  if (n < 3) return undefined; // the schema already reports "at least 3 points"
  const eps = tolerance(points);
  const edge = (k: number) => `${k + 1}-${((k + 1) % n) + 1}`;
  for (let i = 0; i < n; i++) {
    const j = (i + 1) % n;
    if (samePoint(points[i]!, points[j]!, eps)) {
      return j === 0
        ? `the last point repeats the first; the outline closes by itself, remove point ${n}`
        : `points ${i + 1} and ${j + 1} are the same; remove one`;
    }
  }
  // Not the area: a crossed outline ("bowtie") has zero signed area too, and deserves the crossing message.
  if (points.every((p) => Math.abs(cross(points[0]!, points[1]!, p)) <= eps)) return 'all points lie on one line; a zone needs an area';
  // Bounding boxes first: most pairs of edges are far apart, and rejecting them costs four comparisons
  // instead of the exact test's cross products (the pair order, hence the message, is unchanged).
  const minX = new Float64Array(n);
  const maxX = new Float64Array(n);
  const minY = new Float64Array(n);
  const maxY = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const a = points[i]!;
    const b = points[(i + 1) % n]!;
    minX[i] = Math.min(a[0], b[0]) - eps;
    maxX[i] = Math.max(a[0], b[0]) + eps;
    minY[i] = Math.min(a[1], b[1]) - eps;
    maxY[i] = Math.max(a[1], b[1]) + eps;
  }
  for (let i = 0; i < n; i++) {
    for (let j = i + 1; j < n; j++) {
      if (maxX[i]! < minX[j]! || maxX[j]! < minX[i]! || maxY[i]! < minY[j]! || maxY[j]! < minY[i]!) continue;
      const a = points[i]!;
      const b = points[(i + 1) % n]!;
      const c = points[j]!;
      const d = points[(j + 1) % n]!;
      const adjacent = j === i + 1 || (i === 0 && j === n - 1);
      if (adjacent) {
        // Neighbours always share a corner; they are wrong only when the outline doubles back along itself.
        const [shared, p, q] = j === i + 1 ? [b, a, d] : [a, b, c];
        if (Math.abs(cross(shared, p, q)) <= eps && (onSegment(shared, p, q, eps) || onSegment(shared, q, p, eps))) {
          return `polygon edges ${edge(i)} and ${edge(j)} overlap (the outline doubles back); list the corners in order around the area`;
        }
      } else if (segmentsIntersect(a, b, c, d, eps)) {
        return `polygon edges ${edge(i)} and ${edge(j)} cross; list the corners in order around the area`;
      }
    }
  }
  return undefined;
}
