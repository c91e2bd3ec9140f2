import type { TrackPoint } from './types.js';

/**
 * Ground-plane calibration: a homography from image pixels to metres on the road, from four point
 * correspondences (e.g. the corners of a lane marking whose size is known). Valid for points on the
 * ground plane — which is why tracks are followed by their bottom-centre.
 */

/** Row-major 3×3 matrix [h00, h01, h02, h10, h11, h12, h20, h21, h22], scaled so h22 = 1 (or, when h22 is 0, the largest element is ±1). */
export type Homography = readonly [number, number, number, number, number, number, number, number, number];

/** A 2-D point (image pixels or ground metres). */
export interface Point2 {
  x: number;
  y: number;
}

/** Window of track history used for ground speed (ms): long enough that 1 px of jitter is < 1 km/h at 20 m. */
export const DEFAULT_SPEED_WINDOW_MS = 1_000;

/**
 * The homography H with H·src[i] ∝ dst[i] for four pairs: direct linear transform on normalised points
 * (Hartley: centroid at the origin, mean distance √2), solved as an 8×8 system with the last element
 * fixed to 1. Normalising matters twice: it keeps the system well conditioned with pixel coordinates in
 * the thousands, and the fixed element then belongs to the points' centroid, which can never map to
 * infinity — in raw pixels a camera whose horizon passes through the image's top-left corner has
 * h22 = 0 and the plain formulation fails. Throws RangeError when three points are collinear.
 */
export function homographyFromPoints(src: readonly Point2[], dst: readonly Point2[]): Homography {
  if (src.length !== 4 || dst.length !== 4) throw new RangeError('a homography needs exactly 4 point pairs');
  if (hasCollinearTriple(src) || hasCollinearTriple(dst)) {
    throw new RangeError('calibration points are degenerate: three of them are on one line');
  }
  const ts = normaliser(src);
  const td = normaliser(dst);
  const A: number[][] = [];
  const b: number[] = [];
  for (let i = 0; i < 4; i++) {
    const { x, y } = apply3(ts, src[i]!);
    const { x: u, y: v } = apply3(td, dst[i]!);
    A.push([x, y, 1, 0, 0, 0, -u * x, -u * y]);
    b.push(u);
    A.push([0, 0, 0, x, y, 1, -v * x, -v * y]);
    b.push(v);
  }
  const h = solveLinear(A, b);
  const hn = [h[0]!, h[1]!, h[2]!, h[3]!, h[4]!, h[5]!, h[6]!, h[7]!, 1];
  // H = Td⁻¹ · Hn · Ts
  const H = mul3(inverseSimilarity(td), mul3(hn, ts));
  const maxAbs = Math.max(...H.map(Math.abs));
  const scale = Math.abs(H[8]!) > 1e-12 * maxAbs ? H[8]! : maxAbs;
  const out = H.map((v) => v / scale);
  return [out[0]!, out[1]!, out[2]!, out[3]!, out[4]!, out[5]!, out[6]!, out[7]!, out[8]!];
}

/** Whether three of the four points are on one line (within 1e-9 of the squared extent). */
function hasCollinearTriple(p: readonly Point2[]): boolean {
  const xs = p.map((q) => q.x);
  const ys = p.map((q) => q.y);
  const extent = Math.max(Math.max(...xs) - Math.min(...xs), Math.max(...ys) - Math.min(...ys));
  for (let i = 0; i < 4; i++) {
    const [a, b, c] = [p[i]!, p[(i + 1) % 4]!, p[(i + 2) % 4]!];
    const area2 = (b.x - a.x) * (c.y - a.y) - (b.y - a.y) * (c.x - a.x);
    if (Math.abs(area2) <= 1e-9 * extent * extent) return true;
  }
  return false;
}

/** Similarity transform (as a 3×3 row-major matrix) moving the points' centroid to 0 and their mean distance to √2. */
function normaliser(pts: readonly Point2[]): number[] {
  const cx = pts.reduce((s, p) => s + p.x, 0) / pts.length;
  const cy = pts.reduce((s, p) => s + p.y, 0) / pts.length;
  const d = pts.reduce((s, p) => s + Math.hypot(p.x - cx, p.y - cy), 0) / pts.length;
  if (!(d > 0)) throw new RangeError('calibration points are degenerate (all the same point)');
  const k = Math.SQRT2 / d;
  return [k, 0, -k * cx, 0, k, -k * cy, 0, 0, 1];
}

function inverseSimilarity(t: number[]): number[] {
  const k = t[0]!;
  return [1 / k, 0, -t[2]! / k, 0, 1 / k, -t[5]! / k, 0, 0, 1];
}

function apply3(m: readonly number[], p: Point2): Point2 {
  const w = m[6]! * p.x + m[7]! * p.y + m[8]!;
  return { x: (m[0]! * p.x + m[1]! * p.y + m[2]!) / w, y: (m[3]! * p.x + m[4]! * p.y + m[5]!) / w };
}

function mul3(a: readonly number[], b: readonly number[]): number[] {
  const out: number[] = [];
  for (let r = 0; r < 3; r++) for (let c = 0; c < 3; c++) out.push(a[r * 3]! * b[c]! + a[r * 3 + 1]! * b[3 + c]! + a[r * 3 + 2]! * b[6 + c]!);
  return out;
}

/** H applied to a point (with the perspective divide). NaN coordinates for a point on the horizon line. */
export function applyHomography(H: Homography, p: Point2): Point2 {
  const w = H[6] * p.x + H[7] * p.y + H[8];
  return { x: (H[0] * p.x + H[1] * p.y + H[2]) / w, y: (H[3] * p.x + H[4] * p.y + H[5]) / w };
}

/** Gaussian elimination with partial pivoting; throws RangeError on a (near-)singular system. */
function solveLinear(A: number[][], b: number[]): number[] {
  const n = b.length;
  const M = A.map((row, i) => [...row, b[i]!]);
  // Singularity test relative to the (normalised, order-1) entries.
  const scale = Math.max(1, ...M.flat().map(Math.abs));
  for (let c = 0; c < n; c++) {
    let pivot = c;
    for (let r = c + 1; r < n; r++) if (Math.abs(M[r]![c]!) > Math.abs(M[pivot]![c]!)) pivot = r;
    if (Math.abs(M[pivot]![c]!) < 1e-12 * scale) {
      throw new RangeError('calibration points are degenerate (three of them on one line?)');
    }
    [M[c], M[pivot]] = [M[pivot]!, M[c]!];
    const row = M[c]!;
    for (let r = 0; r < n; r++) {
      if (r === c) continue;
      const other = M[r]!;
      const f = other[c]! / row[c]!;
      if (f === 0) continue;
      for (let k = c; k <= n; k++) other[k] = other[k]! - f * row[k]!;
    }
  }
  return M.map((row, i) => row[n]! / row[i]!);
}

/**
 * Ground speed (km/h) of a track from its bottom-centre history: displacement on the ground between the
 * newest point and the oldest point within `windowMs`, over the time between them. Undefined with fewer
 * than two points at distinct times in the window.
 */
export function groundSpeedKmh(H: Homography, history: readonly TrackPoint[], windowMs = DEFAULT_SPEED_WINDOW_MS): number | undefined {
  const last = history[history.length - 1];
  if (last === undefined) return undefined;
  let first: TrackPoint | undefined;
  for (let i = history.length - 2; i >= 0; i--) {
    const p = history[i]!;
    if (last.tMs - p.tMs > windowMs) break;
    first = p;
  }
  if (first === undefined || last.tMs <= first.tMs) return undefined;
  const a = applyHomography(H, first);
  const b = applyHomography(H, last);
  const metres = Math.hypot(b.x - a.x, b.y - a.y);
  if (!Number.isFinite(metres)) return undefined;
  return (metres / ((last.tMs - first.tMs) / 1000)) * 3.6;
}
