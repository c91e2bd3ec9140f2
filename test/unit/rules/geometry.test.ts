import { describe, expect, it } from 'vitest';
import type { LineConfig, ZoneConfig } from '../../../agent/config/schema.js';
import { isCamwatchError } from '../../../agent/core/errors.js';
import {
  bottomCentre,
  lineToFrame,
  pathCrossesSegment,
  pointInPolygon,
  sideOfLine,
  signedDistanceToLine,
  toFramePoint,
  zoneToFrame,
  type Point,
} from '../../../agent/rules/geometry.js';

const p = (x: number, y: number): Point => ({ x, y });

describe('pointInPolygon', () => {
  const square = [p(0, 0), p(10, 0), p(10, 10), p(0, 10)];

  it('tells inside from outside for a convex polygon, in either winding', () => {
    expect(pointInPolygon(p(5, 5), square)).toBe(true);
    expect(pointInPolygon(p(5, 5), [...square].reverse())).toBe(true);
    expect(pointInPolygon(p(15, 5), square)).toBe(false);
    expect(pointInPolygon(p(-1, 5), square)).toBe(false);
    expect(pointInPolygon(p(5, 11), square)).toBe(false);
  });

  it('handles a concave (U-shaped) polygon: the notch is outside', () => {
    // U opening upwards: arms x 0..3 and 7..10, base y 7..10.
    const u = [p(0, 0), p(3, 0), p(3, 7), p(7, 7), p(7, 0), p(10, 0), p(10, 10), p(0, 10)];
    expect(pointInPolygon(p(5, 3), u)).toBe(false); // in the notch
    expect(pointInPolygon(p(1.5, 3), u)).toBe(true); // left arm
    expect(pointInPolygon(p(8.5, 3), u)).toBe(true); // right arm
    expect(pointInPolygon(p(5, 8.5), u)).toBe(true); // base
  });

  it('is not fooled by a ray passing exactly through a vertex', () => {
    const diamond = [p(5, 0), p(10, 5), p(5, 10), p(0, 5)];
    expect(pointInPolygon(p(2, 5), diamond)).toBe(true);
    expect(pointInPolygon(p(-2, 5), diamond)).toBe(false);
  });

  it('tests the bottom-centre of a box', () => {
    const zone = [p(0, 50), p(100, 50), p(100, 100), p(0, 100)];
    const box = { x1: 40, y1: 10, x2: 60, y2: 60 }; // mostly above the zone, feet inside
    expect(bottomCentre(box)).toEqual({ x: 50, y: 60 });
    expect(pointInPolygon(bottomCentre(box), zone)).toBe(true);
  });
});

describe('directed line side', () => {
  const rightwards = { from: p(0, 0), to: p(10, 0) };

  it('is positive on the right looking from `from` to `to` (y down: below a rightward line)', () => {
    expect(sideOfLine(p(5, 3), rightwards)).toBe(1);
    expect(sideOfLine(p(5, -3), rightwards)).toBe(-1);
    expect(sideOfLine(p(20, 0), rightwards)).toBe(0);
    expect(signedDistanceToLine(p(5, 3), rightwards)).toBeCloseTo(3, 10);
    // Downward line: its right side is towards -x.
    expect(sideOfLine(p(-4, 5), { from: p(0, 0), to: p(0, 10) })).toBe(1);
  });
});

describe('pathCrossesSegment', () => {
  const seg = { from: p(0, 0), to: p(10, 0) };

  it('is true when the path goes through the segment', () => {
    expect(pathCrossesSegment(p(5, -2), p(5, 2), seg)).toBe(true);
    expect(pathCrossesSegment(p(5, 2), p(5, -2), seg)).toBe(true);
    expect(pathCrossesSegment(p(1, -5), p(9, 5), seg)).toBe(true);
  });

  it('is false beside the segment end even though the infinite line is crossed', () => {
    expect(pathCrossesSegment(p(12, -2), p(12, 2), seg)).toBe(false);
    expect(pathCrossesSegment(p(-1, -2), p(-1, 2), seg)).toBe(false);
  });

  it('is false for a path that stays on one side or runs along the line', () => {
    expect(pathCrossesSegment(p(5, 1), p(6, 3), seg)).toBe(false);
    expect(pathCrossesSegment(p(2, 0), p(8, 0), seg)).toBe(false);
  });

  it('counts touching the segment (an endpoint on it)', () => {
    expect(pathCrossesSegment(p(5, -2), p(5, 0), seg)).toBe(true);
  });
});

describe('units conversion', () => {
  const zone = (units: ZoneConfig['units'], points: Array<[number, number]>): ZoneConfig => ({ id: 'z1', units, points });

  it('scales normalized points by the analysis frame size', () => {
    expect(zoneToFrame(zone('normalized', [[0, 0], [0.5, 0.25], [1, 1]]), { frameWidth: 640, frameHeight: 360 })).toEqual([
      p(0, 0),
      p(320, 90),
      p(640, 360),
    ]);
  });

  it('scales pixel points from the source stream to the analysis frame', () => {
    const geo = { frameWidth: 640, frameHeight: 360, sourceWidth: 1920, sourceHeight: 1080 };
    expect(zoneToFrame(zone('pixels', [[960, 540], [1920, 0], [0, 1080]]), geo)).toEqual([p(320, 180), p(640, 0), p(0, 360)]);
    const line: LineConfig = { id: 'l1', units: 'pixels', from: [0, 540], to: [1920, 540] };
    expect(lineToFrame(line, geo)).toEqual({ from: p(0, 180), to: p(640, 180) });
  });

  it('refuses pixel units when the source size is unknown, naming the zone', () => {
    try {
      toFramePoint([10, 10], 'pixels', { frameWidth: 640, frameHeight: 360 }, 'zone "gate"');
      expect.unreachable();
    } catch (err) {
      expect(isCamwatchError(err, 'CONFIG_INVALID')).toBe(true);
      expect((err as Error).message).toContain('zone "gate"');
    }
  });
});
