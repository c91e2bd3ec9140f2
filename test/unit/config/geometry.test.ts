import { describe, expect, it } from 'vitest';
import { polygonProblem, segmentsIntersect } from '../../../agent/config/polygon.js';
import { didYouMean, editDistance } from '../../../agent/config/suggest.js';

describe('polygonProblem', () => {
  it('accepts simple polygons in either direction', () => {
    expect(polygonProblem([[0, 0], [1, 0], [1, 1], [0, 1]])).toBeUndefined();
    expect(polygonProblem([[0, 1], [1, 1], [1, 0], [0, 0]])).toBeUndefined();
    expect(polygonProblem([[0, 0], [2, 0], [1, 1], [2, 2], [0, 2]])).toBeUndefined(); // concave
  });

  it('names crossing edges with 1-based point numbers, including the closing edge', () => {
    expect(polygonProblem([[0, 0], [1, 1], [1, 0], [0, 1]])).toMatch(/^polygon edges 1-2 and 3-4 cross/);
    expect(polygonProblem([[0, 0], [0, 1], [1, 0], [1, 1]])).toMatch(/^polygon edges 2-3 and 4-1 cross/);
  });

  it('rejects a repeated corner, an outline that doubles back, and points on one line', () => {
    expect(polygonProblem([[0, 0], [1, 0], [1, 1], [0, 0]])).toBe('the last point repeats the first; the outline closes by itself, remove point 4');
    expect(polygonProblem([[0, 0], [1, 0], [1, 0], [0, 1]])).toBe('points 2 and 3 are the same; remove one');
    expect(polygonProblem([[0, 0], [1, 0], [0.5, 0], [0.5, 1]])).toMatch(/^polygon edges 1-2 and 2-3 overlap/);
    expect(polygonProblem([[0, 0], [0.5, 0.5], [1, 1]])).toBe('all points lie on one line; a zone needs an area');
  });

  it('segments that only touch count as intersecting; parallel ones do not', () => {
    expect(segmentsIntersect([0, 0], [1, 0], [1, 0], [2, 1])).toBe(true);
    expect(segmentsIntersect([0, 0], [1, 0], [0, 1], [1, 1])).toBe(false);
  });
});

describe('did you mean', () => {
  it('counts a transposition as one edit', () => {
    expect(editDistance('lien', 'line')).toBe(1);
  });

  it('ignores case and _/- so snake_case finds camelCase', () => {
    expect(didYouMean('password_file', ['password', 'passwordFile', 'passwordEnv'])).toBe('passwordFile');
  });

  it('suggests nothing for unrelated words', () => {
    expect(didYouMean('colour', ['iouThreshold', 'maxLostSeconds', 'minHits'])).toBeUndefined();
  });
});
