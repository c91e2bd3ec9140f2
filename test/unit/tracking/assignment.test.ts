import { describe, expect, it } from 'vitest';
import { linearAssignment } from '../../../agent/tracking/assignment.js';

/** Best total cost over all assignments that match as many allowed pairs as possible (brute force). */
function bruteForce(cost: number[][], maxCost: number): { pairs: number; total: number } {
  const rows = cost.length;
  const cols = cost[0]!.length;
  let best = { pairs: -1, total: Infinity };
  const usedCols = new Set<number>();
  const walk = (i: number, pairs: number, total: number) => {
    if (i === rows) {
      if (pairs > best.pairs || (pairs === best.pairs && total < best.total - 1e-9)) best = { pairs, total };
      return;
    }
    walk(i + 1, pairs, total); // row i unmatched
    for (let j = 0; j < cols; j++) {
      const c = cost[i]![j]!;
      if (usedCols.has(j) || !(c <= maxCost)) continue;
      usedCols.add(j);
      walk(i + 1, pairs + 1, total + c);
      usedCols.delete(j);
    }
  };
  walk(0, 0, 0);
  return best;
}

/** Deterministic pseudo-random numbers (tests must not flake). */
function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s * 1664525 + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

describe('linearAssignment', () => {
  it('finds the optimal assignment where greedy does not', () => {
    // Greedy takes (0,0)=0.1 first and is left with (1,1)=0.9: total 1.0. Optimal: (0,1)+(1,0) = 0.2+0.3.
    const cost = [
      [0.1, 0.2],
      [0.3, 0.9],
    ];
    expect(linearAssignment(cost, 1)).toEqual([
      [0, 1],
      [1, 0],
    ]);
  });

  it('never matches a pair above maxCost, and prefers more allowed pairs', () => {
    const cost = [
      [0.5, Infinity],
      [0.1, 0.95],
    ];
    // With maxCost 0.9: (1,1) is forbidden; only one pair can be matched; the cheaper one wins.
    expect(linearAssignment(cost, 0.9)).toEqual([[1, 0]]);
    // With maxCost 1: two pairs beat one cheaper pair.
    expect(linearAssignment(cost, 1)).toEqual([
      [0, 0],
      [1, 1],
    ]);
  });

  it('handles empty and rectangular matrices both ways', () => {
    expect(linearAssignment([], 1)).toEqual([]);
    expect(linearAssignment([[]], 1)).toEqual([]);
    expect(linearAssignment([[0.9, 0.1, 0.5]], 1)).toEqual([[0, 1]]);
    expect(linearAssignment([[0.9], [0.1], [0.5]], 1)).toEqual([[1, 0]]);
  });

  it('matches brute force on 300 random matrices up to 5x5 with forbidden pairs', () => {
    const rand = rng(42);
    for (let k = 0; k < 300; k++) {
      const rows = 1 + Math.floor(rand() * 5);
      const cols = 1 + Math.floor(rand() * 5);
      const cost = Array.from({ length: rows }, () => Array.from({ length: cols }, () => (rand() < 0.3 ? Infinity : rand())));
      const maxCost = 0.8;
      const got = linearAssignment(cost, maxCost);
      const want = bruteForce(cost, maxCost);
      expect(new Set(got.map(([i]) => i)).size).toBe(got.length);
      expect(new Set(got.map(([, j]) => j)).size).toBe(got.length);
      for (const [i, j] of got) expect(cost[i]![j]!).toBeLessThanOrEqual(maxCost);
      expect(got.length).toBe(want.pairs);
      expect(got.reduce((s, [i, j]) => s + cost[i]![j]!, 0)).toBeCloseTo(want.total, 9);
    }
  });
});
