import { CamwatchError } from '../core/index.js';

/** Bottom-centre of a box: the point zones and lines test (one definition, shared with the tracker). */
export { bottomCentre } from '../core/index.js';

/** A point in analysis-frame pixels (a TrackPoint is one). */
export interface Point {
  x: number;
  y: number;
}

/** A directed segment: looking from `from` to `to`, crossing left → right is "in". */
export interface Segment {
  from: Point;
  to: Point;
}

/** What is needed to turn configured geometry into analysis-frame pixels. */
export interface FrameGeometry {
  frameWidth: number;
  frameHeight: number;
  /** Size of the source stream: required for geometry in `pixels` units (they are source pixels). */
  sourceWidth?: number;
  sourceHeight?: number;
}

/** Units of configured geometry: normalized (0..1 of the frame) or pixels of the source stream. */
export type GeometryUnits = 'normalized' | 'pixels';
type Units = GeometryUnits;

/** A configured zone, as the rules read it (the config's zones have this shape). */
export interface ZoneShape {
  id: string;
  units: GeometryUnits;
  points: ReadonlyArray<readonly [number, number]>;
}

/** A configured directed line (tripwire), as the rules read it. */
export interface LineShape {
  id: string;
  units: GeometryUnits;
  from: readonly [number, number];
  to: readonly [number, number];
}

/**
 * One configured point to analysis-frame pixels. `normalized` is a fraction of the frame; `pixels` are
 * source-stream pixels, scaled by frame/source because analysis runs on a downscaled copy.
 */
export function toFramePoint(p: readonly [number, number], units: Units, geo: FrameGeometry, what = 'geometry'): Point {
  if (units === 'normalized') return { x: p[0] * geo.frameWidth, y: p[1] * geo.frameHeight };
  const { sourceWidth, sourceHeight } = geo;
  if (!sourceWidth || !sourceHeight) {
    // Guessing the source size would silently move the zone; refuse instead.
    throw new CamwatchError('CONFIG_INVALID', `${what} is in pixels units but the source stream size is not known`, {
      details: { what },
      hint: 'Use `units: normalized`, or start rules once the stream size is known (FrameSourceStats.sourceWidth/sourceHeight).',
    });
  }
  return { x: (p[0] * geo.frameWidth) / sourceWidth, y: (p[1] * geo.frameHeight) / sourceHeight };
}

/** A configured zone as a polygon in analysis-frame pixels. */
export function zoneToFrame(zone: ZoneShape, geo: FrameGeometry): Point[] {
  return zone.points.map((p) => toFramePoint(p, zone.units, geo, `zone "${zone.id}"`));
}

/** A configured line as a directed segment in analysis-frame pixels. */
export function lineToFrame(line: LineShape, geo: FrameGeometry): Segment {
  const what = `line "${line.id}"`;
  return { from: toFramePoint(line.from, line.units, geo, what), to: toFramePoint(line.to, line.units, geo, what) };
}

/**
 * Ray casting (even-odd rule): count polygon edges crossed by a ray from p towards +x. Works for concave
 * polygons; points exactly on an edge may fall either way, which is fine at pixel resolution.
 */
export function pointInPolygon(p: Point, polygon: readonly Point[]): boolean {
  let inside = false;
  for (let i = 0, j = polygon.length - 1; i < polygon.length; j = i++) {
    const a = polygon[i];
    const b = polygon[j];
    if (a === undefined || b === undefined) continue;
    // Half-open test on y so a vertex shared by two edges is counted once.
    if (a.y > p.y !== b.y > p.y) {
      const xCross = a.x + ((p.y - a.y) * (b.x - a.x)) / (b.y - a.y);
      if (p.x < xCross) inside = !inside;
    }
  }
  return inside;
}

/**
 * Signed distance (px) of p from the infinite line through the segment: positive on the right side
 * looking from `from` to `to` in image coordinates (y down), negative on the left, 0 on the line.
 * E.g. from (0,0) to (10,0) — pointing right on screen — the right side is below it (y > 0).
 */
export function signedDistanceToLine(p: Point, seg: Segment): number {
  const dx = seg.to.x - seg.from.x;
  const dy = seg.to.y - seg.from.y;
  const len = Math.hypot(dx, dy);
  if (len === 0) return 0;
  return (dx * (p.y - seg.from.y) - dy * (p.x - seg.from.x)) / len;
}

/** Which side of the directed line p is on: 1 right, -1 left, 0 on it. */
export function sideOfLine(p: Point, seg: Segment): -1 | 0 | 1 {
  const d = signedDistanceToLine(p, seg);
  return d > 0 ? 1 : d < 0 ? -1 : 0;
}

/** Twice the signed area of triangle (a, b, c): > 0 when c is right of a→b in image coordinates. */
function cross(a: Point, b: Point, c: Point): number {
  return (b.x - a.x) * (c.y - a.y) - (b.y - a.y) * (c.x - a.x);
}

/**
 * Whether the path p→q meets the segment (endpoints and touching included; collinear overlap is not a
 * crossing). Tests the SEGMENT, not the infinite line: passing beside its end does not count.
 */
export function pathCrossesSegment(p: Point, q: Point, seg: Segment): boolean {
  const d1 = cross(seg.from, seg.to, p);
  const d2 = cross(seg.from, seg.to, q);
  const d3 = cross(p, q, seg.from);
  const d4 = cross(p, q, seg.to);
  if (d1 === 0 && d2 === 0) return false;
  return ((d1 <= 0 && d2 >= 0) || (d1 >= 0 && d2 <= 0)) && ((d3 <= 0 && d4 >= 0) || (d3 >= 0 && d4 <= 0));
}

/**
 * A direction vector given in a zone's units, as a unit vector in analysis-frame pixels. Normalized
 * units scale x and y by different amounts (frame width vs height), so [1, 1] is not 45° on a 16:9
 * frame; pixel units scale by the frame/source ratio, the same on both axes for an undistorted stream.
 */
export function directionToFrame(v: readonly [number, number], units: Units, geo: FrameGeometry): Point {
  const sx = units === 'normalized' ? geo.frameWidth : geo.frameWidth / (geo.sourceWidth ?? geo.frameWidth);
  const sy = units === 'normalized' ? geo.frameHeight : geo.frameHeight / (geo.sourceHeight ?? geo.frameHeight);
  const x = v[0] * sx;
  const y = v[1] * sy;
  const len = Math.hypot(x, y);
  if (len === 0) throw new CamwatchError('CONFIG_INVALID', 'zero direction vector', { hint: 'Give the direction of travel, e.g. [0, 1] for "down the image".' });
  return { x: x / len, y: y / len };
}

/** A unit vector from an image angle: 0° = right, 90° = down (y grows downwards). */
export function directionFromAngleDeg(deg: number): Point {
  const r = (deg * Math.PI) / 180;
  return { x: Math.cos(r), y: Math.sin(r) };
}
