import { describe, expect, it } from 'vitest';
import { parseConfigText } from '../../../agent/config/load.js';
import { MAX_POLYGON_POINTS, polygonProblem, type Point } from '../../../agent/config/polygon.js';
import { starPolygon } from '../../../scripts/bench/polygon-check.js';
import { CAMERA_HEADER, issueLines, yaml } from './helpers.js';

/**
 * Zones and motion masks have at most MAX_POLYGON_POINTS corners (docs/config.md): a bigger polygon is refused
 * at the schema, naming the field, before the outline check (which compares every pair of edges) runs. The
 * time it takes is measured by scripts/bench/polygon-check.ts, not here.
 */
const zoneConfig = (points: readonly Point[]) => yaml(...CAMERA_HEADER, '    zones:', '      - id: ring', `        points: ${JSON.stringify(points)}`);

describe('polygon size cap', () => {
  it(`a zone of ${MAX_POLYGON_POINTS + 1} corners is refused, naming the field and the limit`, () => {
    expect(issueLines(zoneConfig(starPolygon(MAX_POLYGON_POINTS + 1)))).toEqual({
      code: 'CONFIG_INVALID',
      lines: [
        `camwatch.yaml:7:9 cameras[0].zones[0].points: expected at most ${MAX_POLYGON_POINTS} points; keep only the corners of the area (a traced outline can be simplified, e.g. Douglas-Peucker in QGIS or shapely)`,
      ],
    });
  });

  it(`a motion mask of ${MAX_POLYGON_POINTS + 1} corners is refused the same way`, () => {
    const text = yaml(...CAMERA_HEADER, '    motion:', `      masks: [${JSON.stringify(starPolygon(MAX_POLYGON_POINTS + 1))}]`);
    expect(issueLines(text).lines).toEqual([expect.stringMatching(new RegExp(`^camwatch\\.yaml:6:15 cameras\\[0\\]\\.motion\\.masks\\[0\\]: expected at most ${MAX_POLYGON_POINTS} points;`))]);
  });

  it(`a simple zone of exactly ${MAX_POLYGON_POINTS} corners validates`, () => {
    const ring = starPolygon(MAX_POLYGON_POINTS);
    expect(polygonProblem(ring)).toBeUndefined();
    const loaded = parseConfigText(zoneConfig(ring), 'camwatch.yaml', { env: {} });
    expect(loaded.config.cameras[0]!.zones[0]!.points).toHaveLength(MAX_POLYGON_POINTS);
  });

  it(`a ${MAX_POLYGON_POINTS}-corner zone with two corners swapped is refused, naming the crossing edges`, () => {
    const ring = starPolygon(MAX_POLYGON_POINTS);
    [ring[100], ring[101]] = [ring[101]!, ring[100]!];
    // Edge 100-101 now runs from corner 100 to the old corner 102, edge 102-103 from the old 101 to 103: they cross.
    expect(polygonProblem(ring)).toBe('polygon edges 100-101 and 102-103 cross; list the corners in order around the area');
    expect(issueLines(zoneConfig(ring)).lines).toEqual([
      'camwatch.yaml:7:9 cameras[0].zones[0].points: polygon edges 100-101 and 102-103 cross; list the corners in order around the area',
    ]);
  });

  it('touching and overlapping edges far apart in the list are still found (the bounding-box rejection keeps them)', () => {
    // A square whose outline comes back to touch its own first edge at (0.5, 0).
    expect(polygonProblem([[0, 0], [1, 0], [1, 1], [0.5, 0], [0, 1]])).toBe('polygon edges 1-2 and 3-4 cross; list the corners in order around the area');
  });
});
