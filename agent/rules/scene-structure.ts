import { shrinkGrey } from './frame-stats.js';

/**
 * The scene's structure for the tamper check: the orientation of its edges, cell by cell. Brightness
 * says little about whether a camera still looks where it did (two asphalt streets have the same grey
 * levels; dusk changes every level), but the kerbs, lane marks, poles and façades of a view keep their
 * place and direction through traffic, headlights, rain and dusk, and all of them move when the camera is
 * turned, shifted or covered.
 *
 * An edge is kept as a "doubled-angle" vector (gx² − gy², 2·gx·gy) / |g|: its length is the gradient
 * magnitude and its angle twice the edge's, so an edge and the same edge with its contrast reversed (a
 * white line on dark asphalt at night under headlights) agree, and perpendicular edges disagree. A
 * learned field averages these vectors over time: static structure adds up, passing traffic averages out.
 */

/** Width of the structure field (px): a quarter of a 640 px analysis frame, enough for lane marks. */
export const DEFAULT_STRUCTURE_WIDTH_PX = 160;
/** Cells the structure is compared in: 8 × 6, so a bus in view hides a few cells, not the whole frame. */
export const DEFAULT_STRUCTURE_COLUMNS = 8;
export const DEFAULT_STRUCTURE_ROWS = 6;

/** A frame's edge field: per pixel the doubled-angle vector (u, v), on a `width` × `height` grid. */
export interface StructureField {
  width: number;
  height: number;
  u: Float32Array;
  v: Float32Array;
}

/**
 * The edge field of a grey image (`grey`, `width` × `height`, 0..255), box-downscaled to about
 * `targetWidthPx` wide first so sensor noise and compression blocks do not count as structure.
 */
export function structureField(grey: Float32Array, width: number, height: number, targetWidthPx = DEFAULT_STRUCTURE_WIDTH_PX): StructureField {
  const { width: w, height: h, grey: small } = shrinkGrey(grey, width, height, targetWidthPx);
  const u = new Float32Array(w * h);
  const v = new Float32Array(w * h);
  for (let y = 1; y < h - 1; y++) {
    for (let x = 1; x < w - 1; x++) {
      const i = y * w + x;
      // Sobel.
      const gx = small[i - w + 1]! + 2 * small[i + 1]! + small[i + w + 1]! - small[i - w - 1]! - 2 * small[i - 1]! - small[i + w - 1]!;
      const gy = small[i + w - 1]! + 2 * small[i + w]! + small[i + w + 1]! - small[i - w - 1]! - 2 * small[i - w]! - small[i - w + 1]!;
      const m = Math.sqrt(gx * gx + gy * gy);
      if (m < 1e-3) continue;
      u[i] = (gx * gx - gy * gy) / m;
      v[i] = (2 * gx * gy) / m;
    }
  }
  return { width: w, height: h, u, v };
}

/** How the current view compares with the learned scene. */
export interface StructureVerdict {
  /** Cells with a fixed, marked structure that were compared (not hidden by a tracked object). */
  judgedCells: number;
  /** Of those, the cells whose edges no longer agree with the learned ones. */
  lostCells: number;
  /** Median agreement (normalised correlation, −1..1) of the judged cells: ~1 same view, ~0 another. */
  medianAgreement: number;
  /** Cells that were flat in the learned view (plain asphalt, sky, a blank wall), not hidden: where new structure shows. */
  flatCells: number;
  /** Of those, the cells that now hold strong edges: something textured has come in front of the lens. */
  newCells: number;
}

/** A cell's edges agree with the learned ones below this correlation: measured ~0.95 on normal views, ~0.02 on another street. */
export const DEFAULT_LOST_AGREEMENT = 0.2;
/**
 * A cell holds fixed structure when the learned (averaged) edge vectors keep this share of the edge
 * energy seen there: ~1 for kerbs and façades, near 0 where only people and vehicles pass (an empty
 * plaza floor), whose edges average out.
 */
export const DEFAULT_MIN_STABILITY = 0.3;
/** …and at least this share of the frame's mean learned edge energy (flat asphalt, sky do not count). */
export const DEFAULT_MIN_CELL_ENERGY_SHARE = 0.25;

/**
 * A cell was flat in the learned view when its mean edge energy (traffic included) stays under this share of
 * the frame's mean over all cells. On the stop-line camera 24-27 of 48 cells (plain asphalt) are flat; a
 * street with façades and trees (residential, the Saigon junction) has 4-9.
 */
export const DEFAULT_FLAT_CELL_ENERGY_SHARE = 0.25;
/**
 * A flat cell holds new structure when its current edge energy reaches this share of the frame's mean learned
 * energy — at least twice what the cell ever showed. Measured with scripts over 13 clips at 320 px: the
 * foliage cover of tamper_lens_covered makes 18-20 of its 24 flat cells new (1.0 instead of 0.5 catches only
 * 12 of them, and the cover is absorbed by learning before it counts); normal footage makes 0-6 flat cells new
 * at any one time (a vehicle or a person crossing plain ground).
 */
export const DEFAULT_NEW_STRUCTURE_ENERGY_SHARE = 0.5;

/**
 * Whether a cell that was flat (`learnedEnergy`, its mean edge energy over time) now shows new structure
 * (`currentEnergy`), both against the frame's mean learned energy per cell (`meanLearnedEnergy`).
 */
export function isNewStructure(learnedEnergy: number, currentEnergy: number, meanLearnedEnergy: number): boolean {
  return learnedEnergy < DEFAULT_FLAT_CELL_ENERGY_SHARE * meanLearnedEnergy && currentEnergy >= DEFAULT_NEW_STRUCTURE_ENERGY_SHARE * meanLearnedEnergy;
}

/** Fewer structured cells than this (of 48) and the lost share gives no opinion: one cell would weigh 1/5. */
export const DEFAULT_MIN_JUDGED_CELLS = 6;
/**
 * Fewer structured and flat cells than this and the share with new structure gives no opinion either. The
 * top-down car lane has 0-6 structured cells (its lost share judged 21 of 300 frames) but ~20 flat ones: with
 * them a cover is seen there (0.72-0.97) while its normal footage stays at most 0.19. The plaza floor, where
 * people make the edges, has neither and stays unjudged.
 */
export const DEFAULT_MIN_COMPARED_CELLS = 12;

/**
 * The share of the view whose structure changed, or undefined with too few cells to say: the larger of the
 * structured cells that lost their edges (over the structured cells) and of those plus the flat cells that
 * gained edges (over both kinds; cells crossed by traffic, neither fixed nor flat, are left out).
 * Lost cells alone miss a cover over a mostly plain view (the stop-line camera: 6-7 of its 20 structured
 * cells lost, 0.35, the rest stays visible around the cover); with the flat cells that gained edges it reads
 * 0.55-0.61 there. The combined share alone would miss a cover over a view with few plain cells that stay
 * plain (the residential street with foliage over its middle: lost 0.47-0.62, combined as low as 0.40, and
 * learning then absorbs the cover), hence the larger of both. Turned camera 0.91-1.0, view shifted by a
 * fifth 0.82-0.94; normal footage of 10 fixed cameras at most 0.24 (the bottle table and the person at a
 * table; the streets at most 0.15), without the tracked objects the agent leaves out.
 */
export function changedShare(verdict: StructureVerdict): number | undefined {
  const lost = verdict.judgedCells >= DEFAULT_MIN_JUDGED_CELLS ? verdict.lostCells / verdict.judgedCells : undefined;
  const compared = verdict.judgedCells + verdict.flatCells;
  const combined = compared >= DEFAULT_MIN_COMPARED_CELLS ? (verdict.lostCells + verdict.newCells) / compared : undefined;
  if (lost === undefined || combined === undefined) return lost ?? combined;
  return Math.max(lost, combined);
}

/**
 * The slowly learned structure of a camera's view: per pixel the running mean of the edge vectors and of
 * their energy. Pure data and arithmetic; the tamper rule decides when to learn.
 */
export class LearnedStructure {
  readonly width: number;
  readonly height: number;
  private readonly u: Float32Array;
  private readonly v: Float32Array;
  private readonly energy: Float32Array;
  private readonly columns: number;
  private readonly rows: number;
  private frames = 0;
  /** Pixels of the field in each cell (fixed for the field's size): counted once, not per frame. */
  readonly cellPixels: Int32Array;

  constructor(first: StructureField, columns = DEFAULT_STRUCTURE_COLUMNS, rows = DEFAULT_STRUCTURE_ROWS) {
    this.width = first.width;
    this.height = first.height;
    this.columns = columns;
    this.rows = rows;
    this.u = new Float32Array(first.u.length);
    this.v = new Float32Array(first.u.length);
    this.energy = new Float32Array(first.u.length);
    const pixels = new Int32Array(columns * rows);
    for (let y = 0; y < this.height; y++) for (let x = 0; x < this.width; x++) pixels[this.cellOf(x, y)]!++;
    this.cellPixels = pixels;
    this.learn(first, 1);
  }

  /** The cell (row-major index) that pixel (x, y) of the field falls in. */
  cellOf(x: number, y: number): number {
    const r = Math.min(this.rows - 1, Math.floor((y * this.rows) / this.height));
    return r * this.columns + Math.min(this.columns - 1, Math.floor((x * this.columns) / this.width));
  }

  get cellCount(): number {
    return this.columns * this.rows;
  }

  /**
   * Moves the memory towards `field` by `alpha` (0..1). The first frames are averaged evenly (alpha at
   * least 1/n), so the memory is a true mean from the start rather than a copy of the first frame.
   */
  learn(field: StructureField, alpha: number): void {
    this.frames++;
    const a = Math.max(alpha, 1 / this.frames);
    for (let i = 0; i < this.u.length; i++) {
      const fu = field.u[i]!;
      const fv = field.v[i]!;
      this.u[i] = this.u[i]! + a * (fu - this.u[i]!);
      this.v[i] = this.v[i]! + a * (fv - this.v[i]!);
      this.energy[i] = this.energy[i]! + a * (fu * fu + fv * fv - this.energy[i]!);
    }
  }

  /** Compares `field` (same size) with the memory, leaving out the cells flagged in `hidden`. */
  compare(field: StructureField, hidden?: readonly boolean[]): StructureVerdict {
    const n = this.cellCount;
    const dot = new Float64Array(n);
    const learned = new Float64Array(n);
    const current = new Float64Array(n);
    const energy = new Float64Array(n);
    for (let y = 0; y < this.height; y++) {
      for (let x = 0; x < this.width; x++) {
        const k = this.cellOf(x, y);
        const i = y * this.width + x;
        const lu = this.u[i]!;
        const lv = this.v[i]!;
        const cu = field.u[i]!;
        const cv = field.v[i]!;
        dot[k] = dot[k]! + lu * cu + lv * cv;
        learned[k] = learned[k]! + lu * lu + lv * lv;
        current[k] = current[k]! + cu * cu + cv * cv;
        energy[k] = energy[k]! + this.energy[i]!;
      }
    }
    let meanLearned = 0;
    let meanEnergy = 0;
    for (let k = 0; k < n; k++) {
      meanLearned += learned[k]! / n;
      meanEnergy += energy[k]! / n;
    }
    const agreements: number[] = [];
    let lost = 0;
    let flat = 0;
    let added = 0;
    for (let k = 0; k < n; k++) {
      if (hidden?.[k]) continue;
      const stability = energy[k]! > 0 ? learned[k]! / energy[k]! : 0;
      if (stability < DEFAULT_MIN_STABILITY || learned[k]! < DEFAULT_MIN_CELL_ENERGY_SHARE * meanLearned) {
        if (energy[k]! < DEFAULT_FLAT_CELL_ENERGY_SHARE * meanEnergy) {
          flat++;
          if (isNewStructure(energy[k]!, current[k]!, meanEnergy)) added++;
        }
        continue;
      }
      const denom = Math.sqrt(learned[k]! * current[k]!);
      const agreement = denom > 0 ? dot[k]! / denom : 0;
      agreements.push(agreement);
      if (agreement < DEFAULT_LOST_AGREEMENT) lost++;
    }
    agreements.sort((a, b) => a - b);
    return { judgedCells: agreements.length, lostCells: lost, medianAgreement: agreements[agreements.length >> 1] ?? 0, flatCells: flat, newCells: added };
  }
}
