import type { CropRect } from '../core/index.js';
import type { RulesCamera } from './build.js';
import { ruleTypeInfo } from './catalogue.js';
import { lineToFrame, zoneToFrame, type FrameGeometry, type LineShape, type Point, type ZoneShape } from './geometry.js';

/**
 * Around the area the rules watch, objects are found before they reach it: a motorbike at 5 fps moves
 * 5-15 % of the frame height between frames near the camera, and a track needs 2 detections (minHits).
 */
export const DEFAULT_RULES_REGION_PADDING = 0.15;

/** What the region is made of: the camera's zones (and whether each publishes occupancy), lines and rules. */
export interface RegionCamera {
  zones: ReadonlyArray<ZoneShape & { occupancy?: boolean | undefined }>;
  lines: readonly LineShape[];
  rules: RulesCamera['rules'];
}

/**
 * The part of the frame (analysis pixels) where the camera's rules look at objects: the bounding box of
 * every zone and line a rule names (and zones that publish occupancy), padded by `padding` of the frame's
 * width and height, clipped to the frame. The whole frame when a rule that reads objects names no zone or
 * line (it watches everything) or nothing at all reads objects. Camera-health rules read pixels, not
 * objects, and add nothing.
 */
export function rulesRegion(camera: RegionCamera, geo: FrameGeometry, padding = DEFAULT_RULES_REGION_PADDING): CropRect {
  const whole: CropRect = { x: 0, y: 0, width: geo.frameWidth, height: geo.frameHeight };
  const points: Point[] = [];
  for (const zone of camera.zones) if (zone.occupancy) points.push(...zoneToFrame(zone, geo));
  for (const rule of camera.rules) {
    if (ruleTypeInfo(rule.type)?.category === 'health') continue;
    const r = rule as { zone?: string; line?: string };
    const zone = r.zone === undefined ? undefined : camera.zones.find((z) => z.id === r.zone);
    const line = r.line === undefined ? undefined : camera.lines.find((l) => l.id === r.line);
    if (zone) points.push(...zoneToFrame(zone, geo));
    else if (line) {
      const s = lineToFrame(line, geo);
      points.push(s.from, s.to);
    } else return whole;
  }
  if (points.length === 0) return whole;
  const padX = padding * geo.frameWidth;
  const padY = padding * geo.frameHeight;
  const x1 = Math.max(0, Math.floor(Math.min(...points.map((p) => p.x)) - padX));
  const y1 = Math.max(0, Math.floor(Math.min(...points.map((p) => p.y)) - padY));
  const x2 = Math.min(geo.frameWidth, Math.ceil(Math.max(...points.map((p) => p.x)) + padX));
  const y2 = Math.min(geo.frameHeight, Math.ceil(Math.max(...points.map((p) => p.y)) + padY));
  return { x: x1, y: y1, width: Math.max(1, x2 - x1), height: Math.max(1, y2 - y1) };
}
