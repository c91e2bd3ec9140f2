import { describe, expect, it } from 'vitest';
import {
  changedShare,
  DEFAULT_FLAT_CELL_ENERGY_SHARE,
  DEFAULT_NEW_STRUCTURE_ENERGY_SHARE,
  isNewStructure,
  LearnedStructure,
  structureField,
  type StructureVerdict,
} from '../../../agent/rules/scene-structure.js';

/**
 * The tamper check's two cues on synthetic 160×120 grey views (the field's own size, no downscaling):
 * the left half holds fixed structure (vertical stripes, 24 of the 8×6 cells), the right half is plain
 * asphalt with a faint grain (24 flat cells).
 */
const W = 160;
const H = 120;

/** Deterministic grain in -1..1 per pixel, seeded. */
const grain = (x: number, y: number, seed: number) => ((Math.imul((x + 31 * seed) * 374761393 + (y + 17 * seed) * 668265263, 1274126177) >>> 24) - 128) / 128;

/** The learned view: stripes on the left, faint grain (±2 grey levels) on the right; `contrast` around 128, `brightness` added. */
function view(contrast = 1, brightness = 0): Float32Array {
  const g = new Float32Array(W * H);
  for (let y = 0; y < H; y++)
    for (let x = 0; x < W; x++) {
      const v = x < W / 2 ? 100 + 60 * (Math.floor(x / 6) % 2) : 120 + 2 * grain(x, y, 1);
      g[y * W + x] = 128 + contrast * (v - 128) + brightness;
    }
  return g;
}

/** `g` with [x1, x2) × [y1, y2) replaced by a coarse texture (3 px blocks, 60..200 grey): leaves, a cloth, a bag. */
function texture(g: Float32Array, x1: number, y1: number, x2: number, y2: number, seed = 3): Float32Array {
  const out = Float32Array.from(g);
  for (let y = y1; y < y2; y++) for (let x = x1; x < x2; x++) out[y * W + x] = 130 + 70 * grain(Math.floor(x / 3), Math.floor(y / 3), seed);
  return out;
}

/** A memory that has learned the normal view for 50 frames. */
function learned(): LearnedStructure {
  const field = structureField(view(), W, H);
  const scene = new LearnedStructure(field);
  for (let k = 0; k < 50; k++) scene.learn(field, 0.01);
  return scene;
}

describe('isNewStructure', () => {
  const mean = 1000;
  it('needs a cell that was flat and now has at least half the mean learned energy', () => {
    expect(isNewStructure(0, DEFAULT_NEW_STRUCTURE_ENERGY_SHARE * mean, mean)).toBe(true);
    expect(isNewStructure(0, 0.99 * DEFAULT_NEW_STRUCTURE_ENERGY_SHARE * mean, mean)).toBe(false);
    // A cell that had structure (or traffic) is not flat: more edges there are not "new".
    expect(isNewStructure(DEFAULT_FLAT_CELL_ENERGY_SHARE * mean, 10 * mean, mean)).toBe(false);
    expect(isNewStructure(0.2 * mean, 10 * mean, mean)).toBe(true);
  });
});

describe('changedShare', () => {
  const verdict = (judgedCells: number, lostCells: number, flatCells: number, newCells: number): StructureVerdict => ({ judgedCells, lostCells, flatCells, newCells, medianAgreement: 0.5 });
  it('counts lost structured cells and flat cells that gained edges over both kinds', () => {
    // The stop-line cover as measured: 6 of 20 structured cells lost (0.30 alone), 20 of 24 flat cells new.
    expect(changedShare(verdict(20, 6, 24, 20))).toBeCloseTo(26 / 44, 6);
    expect(changedShare(verdict(20, 0, 24, 0))).toBe(0);
  });

  it('keeps the lost share when the plain cells stay plain: they do not dilute a cover over the structure', () => {
    // A street with few plain cells, half its structure covered: 17 of 34 lost; (17 + 0) / 43 would be 0.40.
    expect(changedShare(verdict(34, 17, 9, 0))).toBe(0.5);
    expect(changedShare(verdict(40, 38, 5, 3))).toBe(38 / 40);
  });

  it('gives no opinion with too few cells, and uses whichever share has enough', () => {
    expect(changedShare(verdict(0, 0, 0, 0))).toBeUndefined();
    expect(changedShare(verdict(5, 2, 6, 0))).toBeUndefined();
    // A top-down lane: 3 structured cells (too few alone, 2 lost would read 0.67) and 20 plain ones.
    expect(changedShare(verdict(3, 2, 20, 1))).toBeCloseTo(3 / 23, 6);
    expect(changedShare(verdict(3, 2, 20, 16))).toBeCloseTo(18 / 23, 6);
    // Enough structure, few plain cells: the lost share alone.
    expect(changedShare(verdict(8, 4, 2, 2))).toBe(0.5);
  });
});

describe('LearnedStructure.compare: lost and new structure', () => {
  it('the learned view itself: half the cells judged, half flat, nothing changed', () => {
    const v = learned().compare(structureField(view(), W, H));
    expect(v).toMatchObject({ judgedCells: 24, lostCells: 0, flatCells: 24, newCells: 0 });
    expect(changedShare(v)).toBe(0);
  });

  it('a textured cover over the plain half: every flat cell holds new structure, no structured cell is lost', () => {
    const v = learned().compare(structureField(texture(view(), W / 2, 0, W, H), W, H));
    expect(v).toMatchObject({ judgedCells: 24, lostCells: 0, flatCells: 24, newCells: 24 });
    expect(changedShare(v)).toBe(0.5);
  });

  it('a cover over three quarters of the view: lost cells alone stay under half, with the new ones the change is clear', () => {
    const v = learned().compare(structureField(texture(view(), W / 4, 0, W, H), W, H));
    // 12 structured cells are covered; a random texture still agrees by chance with a few of them (≥ 0.2).
    expect(v.lostCells).toBeGreaterThanOrEqual(6);
    expect(v.lostCells).toBeLessThanOrEqual(12);
    expect(v.lostCells / v.judgedCells).toBeLessThan(0.5);
    expect(v.newCells).toBe(24);
    expect(changedShare(v)).toBe((v.lostCells + 24) / 48);
    expect(changedShare(v)).toBeGreaterThanOrEqual(0.625);
  });

  it('cells hidden by a tracked object are neither judged nor counted as flat', () => {
    const hidden = Array.from({ length: 48 }, (_, k) => k % 8 >= 4);
    const v = learned().compare(structureField(texture(view(), W / 2, 0, W, H), W, H), hidden);
    expect(v).toMatchObject({ judgedCells: 24, flatCells: 0, newCells: 0 });
  });

  it('more contrast, more light, or one object crossing the plain half is not new structure', () => {
    const scene = learned();
    expect(scene.compare(structureField(view(1.6, 20), W, H)).newCells).toBe(0);
    expect(scene.compare(structureField(view(0.35, -40), W, H)).newCells).toBe(0);
    // A vehicle-sized textured patch (24×16 px) over plain ground touches at most 4 cells, a twelfth of the view.
    const v = scene.compare(structureField(texture(view(), 110, 50, 134, 66), W, H));
    expect(v.newCells).toBeGreaterThan(0);
    expect(v.newCells).toBeLessThanOrEqual(4);
    expect(changedShare(v)).toBeLessThan(0.1);
  });
});
