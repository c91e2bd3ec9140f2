import type { Track, TrackPoint } from './types.js';

/** How far back motion is measured (ms): 1 s smooths detector jitter yet follows a vehicle that brakes. */
export const DEFAULT_MOTION_WINDOW_MS = 1_000;
/**
 * Below this displacement over the window (analysis-frame px) the direction is noise: a parked car's
 * bottom-centre wanders 2–3 px from frame to frame at 640 px wide.
 */
export const DEFAULT_MIN_DISPLACEMENT_PX = 4;

/** Motion of a track's bottom-centre over a recent window, in analysis-frame pixels. */
export interface Motion {
  /** Straight-line displacement over the window divided by its duration (px/s). */
  speedPxPerS: number;
  dxPx: number;
  dyPx: number;
  /** Duration actually covered by the points used (ms). */
  dtMs: number;
  /**
   * Unit vector of the displacement, or undefined when it is shorter than the minimum displacement.
   * Image coordinates: +x right, +y down.
   */
  direction?: { x: number; y: number };
  /** Heading of `direction` in degrees, 0 = +x (right), 90 = +y (down); undefined with `direction`. */
  headingDeg?: number;
}

/** Window and noise floor of the motion estimate; defaults above. */
export interface MotionOptions {
  windowMs?: number;
  minDisplacementPx?: number;
}

/**
 * Motion between the newest point and the oldest point still inside the window. Displacement rather
 * than path length: jitter adds path length but cancels out in displacement. Undefined when the window
 * holds fewer than two points at distinct times.
 */
export function motionOf(history: readonly TrackPoint[], options: MotionOptions = {}): Motion | undefined {
  const windowMs = options.windowMs ?? DEFAULT_MOTION_WINDOW_MS;
  const minDisplacementPx = options.minDisplacementPx ?? DEFAULT_MIN_DISPLACEMENT_PX;
  const last = history[history.length - 1];
  if (last === undefined) return undefined;

  let first: TrackPoint | undefined;
  for (let i = history.length - 2; i >= 0; i--) {
    const p = history[i];
    if (p === undefined || last.tMs - p.tMs > windowMs) break;
    first = p;
  }
  if (first === undefined || last.tMs <= first.tMs) return undefined;

  const dxPx = last.x - first.x;
  const dyPx = last.y - first.y;
  const dtMs = last.tMs - first.tMs;
  const dist = Math.hypot(dxPx, dyPx);
  const motion: Motion = { speedPxPerS: (dist * 1000) / dtMs, dxPx, dyPx, dtMs };
  if (dist >= minDisplacementPx && dist > 0) {
    motion.direction = { x: dxPx / dist, y: dyPx / dist };
    motion.headingDeg = normaliseDeg((Math.atan2(dyPx, dxPx) * 180) / Math.PI);
  }
  return motion;
}

/** Speed of a track over the recent window (px/s); undefined until it has two points in the window. */
export function trackSpeedPxPerS(track: Track, options: MotionOptions = {}): number | undefined {
  return motionOf(track.history, options)?.speedPxPerS;
}

/** Direction of travel (unit vector, image coords); undefined while the track barely moves. */
export function trackDirection(track: Track, options: MotionOptions = {}): { x: number; y: number } | undefined {
  return motionOf(track.history, options)?.direction;
}

/** Smallest angle between two headings or vectors' headings, 0..180 degrees (e.g. wrong-way checks). */
export function angleBetweenDeg(aDeg: number, bDeg: number): number {
  const d = Math.abs(normaliseDeg(aDeg) - normaliseDeg(bDeg));
  return d > 180 ? 360 - d : d;
}

/** Heading in degrees of a vector in image coordinates (0 = right, 90 = down), in [0, 360). */
export function headingDeg(v: { x: number; y: number }): number {
  return normaliseDeg((Math.atan2(v.y, v.x) * 180) / Math.PI);
}

function normaliseDeg(d: number): number {
  const r = d % 360;
  return r < 0 ? r + 360 : r;
}

/**
 * Sets a track's `speedPxPerS`, `direction` and `headingDeg` from its history (default window); returns
 * the same object. Trackers call it on the copies they hand out, so every rule reads the same numbers.
 */
export function annotateMotion(track: Track, options: MotionOptions = {}): Track {
  const m = motionOf(track.history, options);
  if (m === undefined) return track;
  track.speedPxPerS = m.speedPxPerS;
  if (m.direction !== undefined) track.direction = m.direction;
  if (m.headingDeg !== undefined) track.headingDeg = m.headingDeg;
  return track;
}
