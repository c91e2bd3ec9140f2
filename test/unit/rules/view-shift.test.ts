import { describe, expect, it } from 'vitest';
import { estimateViewShift, viewMoved, DEFAULT_VIEW_SHIFT_MIN_CELLS, type ViewShift } from '../../../agent/rules/view-shift.js';

/** A 160x120 grid (the static detector's working size) of a paving-like texture, translated by (ox, oy). */
const W = 160;
const H = 120;

function paving(ox = 0, oy = 0, paint?: (x: number, y: number, v: number) => number): Float32Array {
  const g = new Float32Array(W * H);
  for (let y = 0; y < H; y++) {
    for (let x = 0; x < W; x++) {
      const sx = x - ox;
      const sy = y - oy;
      // Tiles 8 px with darker joints, and a fixed speckle that does not repeat with the tiles.
      const joint = ((sx % 8) + 8) % 8 < 2 || ((sy % 8) + 8) % 8 < 2 ? -35 : 0;
      const speckle = ((Math.imul(sx + 1000, 7919) ^ Math.imul(sy + 1000, 104_729)) >>> 0) % 21;
      const v = 140 + joint + speckle;
      g[y * W + x] = paint ? paint(x, y, v) : v;
    }
  }
  return g;
}

describe('estimateViewShift / viewMoved', () => {
  it('finds a pan of the whole view: frame = reference translated by (3, -2) grid px', () => {
    const s = estimateViewShift(paving(3, -2), paving(), W, H);
    expect([s.dx, s.dy]).toEqual([3, -2]);
    expect(s.diffAtBest).toBeLessThan(0.5);
    expect(s.diffAtZero).toBeGreaterThan(10);
    expect(viewMoved(s)).toBe(true);
  });

  it('a still view, a one-pixel sway and a change of exposure are not a move', () => {
    expect(viewMoved(estimateViewShift(paving(), paving(), W, H))).toBe(false);
    const sway = estimateViewShift(paving(1, 0), paving(), W, H);
    expect([sway.dx, sway.dy]).toEqual([1, 0]);
    expect(viewMoved(sway)).toBe(false);
    // Darker by 25 grey levels everywhere: the offset is left out of each cell's difference.
    const darker = estimateViewShift(paving(0, 0, (_x, _y, v) => v - 25), paving(), W, H);
    expect(darker.diffAtZero).toBeLessThan(1);
    expect(viewMoved(darker)).toBe(false);
  });

  it('one big textured thing moving over a flat floor (2 of 9 cells) is not the view moving', () => {
    const flat = new Float32Array(W * H).fill(90);
    // A "car" 50x40 with its own texture, 4 px further down in the frame than in the reference.
    const car = (oy: number) => {
      const g = Float32Array.from(flat);
      const texture = paving(0, oy);
      for (let y = 20; y < 60; y++) for (let x = 60; x < 110; x++) g[(y + oy) * W + x] = texture[(y + oy) * W + x]! + 60;
      return g;
    };
    const s = estimateViewShift(car(4), car(0), W, H);
    // Only the parts under the car differ: too few for a move of the view, so no search is made.
    expect(s.cellsAtZero.filter((z) => z >= 4).length).toBeLessThan(DEFAULT_VIEW_SHIFT_MIN_CELLS);
    expect(viewMoved(s)).toBe(false);
  });

  it('a shift that explains the view overall but only a few of its parts (the rest changed some other way) is not a move', () => {
    const changed = [20, 20, 20, 20, 20, 20, 20, 20, 20];
    const base: ViewShift = { dx: 0, dy: 4, diffAtZero: 20, diffAtBest: 10, cellsAtZero: changed, cellsAtBest: changed, cellsOwnBest: changed };
    // Three parts explained by their own shift (40-60 → 4), six not: the mean halves, the view did not move.
    const three = { ...base, cellsAtZero: [60, 40, 50, 8, 8, 8, 8, 8, 8], cellsOwnBest: [4, 4, 4, 7, 7, 7, 7, 7, 7] };
    expect(viewMoved(three)).toBe(false);
    const most = { ...three, cellsOwnBest: [4, 4, 4, 4, 4, 7, 7, 7, 7] };
    expect(viewMoved(most)).toBe(true);
    // Sway-sized, or only 0.7 of the untranslated difference: not a move either.
    expect(viewMoved({ ...most, dy: 1 })).toBe(false);
    expect(viewMoved({ ...most, diffAtBest: 14 })).toBe(false);
  });

  it('pixels marked to ignore (tracked vehicles, people) are left out', () => {
    const ignore = new Uint8Array(W * H).fill(1);
    const s = estimateViewShift(paving(3, -2), paving(), W, H, { ignore });
    expect(Number.isNaN(s.diffAtZero)).toBe(true);
    expect(viewMoved(s)).toBe(false);
  });
});
