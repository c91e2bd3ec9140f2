import { describe, expect, it } from 'vitest';
import { estimateViewShift, viewMoved, DEFAULT_VIEW_SHIFT_MIN_CELLS } from '../../../agent/rules/view-shift.js';

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
    expect([s.dx, s.dy]).toEqual([0, 4]);
    expect(s.diffAtBest).toBeLessThan(0.6 * s.diffAtZero);
    const moved = s.cellsAtZero.filter((z, c) => z >= 4 && s.cellsOwnBest[c]! <= 0.6 * z).length;
    expect(moved).toBeLessThan(DEFAULT_VIEW_SHIFT_MIN_CELLS);
    expect(viewMoved(s)).toBe(false);
  });

  it('pixels marked to ignore (tracked vehicles, people) are left out', () => {
    const ignore = new Uint8Array(W * H).fill(1);
    const s = estimateViewShift(paving(3, -2), paving(), W, H, { ignore });
    expect(Number.isNaN(s.diffAtZero)).toBe(true);
    expect(viewMoved(s)).toBe(false);
  });
});
