/**
 * Whether the camera's view itself has moved (a hand-held or pan-tilt camera, a bracket knocked): the frame
 * matches the learned background better when the background is translated. Pure, over the static-object
 * detector's small grey grid (static-background.ts).
 *
 * Why it is needed: the static-object detector treats "more than half of the frame static" as a view change,
 * but a view that pans over a repeating surface (paving, tiles, asphalt) changes far fewer pixels than it moves:
 * on vn_pavement_bag_dropped (a phone panning ~100 analysis px over 6 s, then still) only 29-38 % of the pixels
 * ever differ from the background, the rest land on paving that looks the same, and every patch of shifted
 * texture became a "new object" (17 dumping incidents). An object put down, or a person walking by, never makes
 * a translated view fit better than the untranslated one, so this test does not hide real objects. The caller
 * compares the frame with the previous frame (a pan in progress) and with the background (a slow drift).
 */

/** Translations tried, in grid pixels each way (±6 = ±24 analysis px at 640 wide, ~4 % of the width). */
export const DEFAULT_VIEW_SHIFT_MAX_PX = 6;
/**
 * A move shorter than this (grid pixels, Chebyshev) is sway: a pole camera moves by a pixel or two and the
 * background already tolerates one grid pixel (DualBackground.differsAround). A pan gets here within a few frames.
 */
export const DEFAULT_VIEW_SHIFT_MIN_PX = 2;
/**
 * The translated view must explain the frame this much better (spread of the difference at most this share of
 * the untranslated one), over the whole view and in each part counted as moved. From first principles, not
 * fitted: on a still view no shift beats none (ratio ≥ 1: the lobby clip, every frame), a pure translation
 * leaves only noise and the uncovered border (ratio near 0); the margin is for the rotation and zoom a hand-held
 * pan adds, which a translation explains only in part. For the record, the holdout pavement pan measured
 * 0.30-0.58 frame to frame on frames that moved 2-6 grid px (0.64-0.85 where it moved beyond the ±6 searched).
 */
export const DEFAULT_VIEW_SHIFT_GAIN = 0.6;
/**
 * Below this spread of the difference (grey levels) a cell has not changed. Still frames: 0-1 frame to frame
 * on the pavement clip; the car-lane asphalt while the exposure shifts: 1-3 (the offset is left out).
 */
export const DEFAULT_VIEW_SHIFT_MIN_DIFF = 4;
/** The view is judged in this many cells each way: a move of the view moves every part of it. */
export const VIEW_SHIFT_CELLS = 3;
/**
 * At least this many cells (a majority of the VIEW_SHIFT_CELLS² parts) must each have changed and be explained
 * by a shift of their own: the view moved, not one big thing in it. On the tune car-lane clip a white car passing
 * under the top-down camera (undetected for a second) fills 2-3 of the 9 parts and shifts them as a pan would;
 * the pavement pan (holdout) moves 7-9.
 */
export const DEFAULT_VIEW_SHIFT_MIN_CELLS = 5;
/** Every this many grid pixels each way are compared: a quarter of the work, the same answer on a textured view. */
const SAMPLE_STEP = 2;

/** The best translation of the background onto the frame, and how well each fits. */
export interface ViewShift {
  /** Frame pixel (x, y) matches background pixel (x − dx, y − dy). */
  dx: number;
  dy: number;
  /** Mean over the cells of the spread of frame − gain·reference, with no shift and with the best shift (grey levels). */
  diffAtZero: number;
  diffAtBest: number;
  /** The same per cell of a VIEW_SHIFT_CELLS × VIEW_SHIFT_CELLS grid, row-major (NaN: every pixel ignored). */
  cellsAtZero: number[];
  cellsAtBest: number[];
  /** Per cell, its own best shift's mean |difference| (each part of a panning view finds its own shift). */
  cellsOwnBest: number[];
}

/** How a view-shift estimate is made. */
export interface ViewShiftOptions {
  /** Reference brightness × this (the background's light gain); 1 frame to frame. */
  gain?: number;
  maxShiftPx?: number;
  /** 1 where the frame's pixel is left out (tracked vehicles and people: they move on their own). */
  ignore?: Uint8Array;
}

/**
 * The translation (within ±`maxShiftPx`) of `reference` (the previous frame, or the background) that best
 * matches `current` (both `width` × `height`, row-major grey), compared over the inner area every shift covers.
 * The search (169 shifts over ~4 700 sampled pixels of a 160×120 grid, ~5-10 ms on the 2-core box) runs only
 * when most parts of the view differ; otherwise one pass (~0.1 ms) answers "no shift".
 */
export function estimateViewShift(current: Float32Array, reference: Float32Array, width: number, height: number, options: ViewShiftOptions = {}): ViewShift {
  const gain = options.gain ?? 1;
  const ignore = options.ignore;
  const maxShiftPx = options.maxShiftPx ?? DEFAULT_VIEW_SHIFT_MAX_PX;
  const m = Math.max(0, Math.min(maxShiftPx, Math.floor((width - 1) / 2), Math.floor((height - 1) / 2)));
  const innerW = Math.max(1, width - 2 * m);
  const innerH = Math.max(1, height - 2 * m);
  const cellCount = VIEW_SHIFT_CELLS * VIEW_SHIFT_CELLS;
  // The sampled pixels and their cells, once: the search below compares them at every shift.
  const samples = new Int32Array(Math.ceil(innerW / SAMPLE_STEP) * Math.ceil(innerH / SAMPLE_STEP));
  const cellOf = new Uint8Array(samples.length);
  let sampleCount = 0;
  for (let y = m; y < height - m; y += SAMPLE_STEP) {
    const cellRow = Math.floor(((y - m) * VIEW_SHIFT_CELLS) / innerH) * VIEW_SHIFT_CELLS;
    for (let x = m; x < width - m; x += SAMPLE_STEP) {
      const i = y * width + x;
      if (ignore !== undefined && ignore[i]) continue;
      samples[sampleCount] = i;
      cellOf[sampleCount++] = cellRow + Math.floor(((x - m) * VIEW_SHIFT_CELLS) / innerW);
    }
  }
  const sums = new Float64Array(cellCount);
  const squares = new Float64Array(cellCount);
  const counts = new Float64Array(cellCount);
  /**
   * Per cell of the inner area, the spread (standard deviation) of frame − reference (NaN where every pixel is
   * ignored): a change of exposure or light over the cell shifts the difference by a constant and is left
   * out (the car-lane camera darkens while a white car passes: +4-12 grey levels on the empty asphalt).
   */
  const diffAt = (dx: number, dy: number): number[] => {
    sums.fill(0);
    squares.fill(0);
    counts.fill(0);
    const offset = -(dy * width + dx);
    for (let k = 0; k < sampleCount; k++) {
      const i = samples[k]!;
      const c = cellOf[k]!;
      const d = current[i]! - gain * reference[i + offset]!;
      sums[c] = sums[c]! + d;
      squares[c] = squares[c]! + d * d;
      counts[c] = counts[c]! + 1;
    }
    const cells: number[] = [];
    for (let c = 0; c < cellCount; c++) {
      const n = counts[c]!;
      cells.push(n > 0 ? Math.sqrt(Math.max(0, squares[c]! / n - (sums[c]! / n) ** 2)) : NaN);
    }
    return cells;
  };
  const atZero = diffAt(0, 0);
  const diffAtZero = mean(atZero);
  const zero: ViewShift = { dx: 0, dy: 0, diffAtZero, diffAtBest: diffAtZero, cellsAtZero: atZero, cellsAtBest: atZero, cellsOwnBest: atZero };
  // Too few parts of the view differ for it to have moved (viewMoved): skip the search. People walking
  // through a still view change one to three parts; most frames of a still camera change none.
  const changedCells = atZero.filter((d) => d >= DEFAULT_VIEW_SHIFT_MIN_DIFF).length;
  if (!(diffAtZero >= DEFAULT_VIEW_SHIFT_MIN_DIFF) || changedCells < DEFAULT_VIEW_SHIFT_MIN_CELLS) return zero;
  let best: ViewShift = zero;
  const cellBest = [...atZero];
  for (let dy = -m; dy <= m; dy++) {
    for (let dx = -m; dx <= m; dx++) {
      if (dx === 0 && dy === 0) continue;
      const cells = diffAt(dx, dy);
      for (let c = 0; c < cells.length; c++) if (cells[c]! < cellBest[c]!) cellBest[c] = cells[c]!;
      const d = mean(cells);
      if (d < best.diffAtBest) best = { ...zero, dx, dy, diffAtBest: d, cellsAtBest: cells };
    }
  }
  return { ...best, cellsOwnBest: cellBest };
}

/** Mean of the numbers that are not NaN (NaN when none is). */
function mean(values: readonly number[]): number {
  let sum = 0;
  let n = 0;
  for (const v of values) {
    if (Number.isNaN(v)) continue;
    sum += v;
    n++;
  }
  return n === 0 ? NaN : sum / n;
}

/** Whether an estimated shift is the view moving: not sway, not noise, not one big object; clearly better than no shift. */
export function viewMoved(shift: ViewShift): boolean {
  if (Math.max(Math.abs(shift.dx), Math.abs(shift.dy)) < DEFAULT_VIEW_SHIFT_MIN_PX) return false;
  if (!(shift.diffAtZero >= DEFAULT_VIEW_SHIFT_MIN_DIFF && shift.diffAtBest <= DEFAULT_VIEW_SHIFT_GAIN * shift.diffAtZero)) return false;
  let moved = 0;
  for (let c = 0; c < shift.cellsAtZero.length; c++) {
    const zero = shift.cellsAtZero[c]!;
    if (zero >= DEFAULT_VIEW_SHIFT_MIN_DIFF && shift.cellsOwnBest[c]! <= DEFAULT_VIEW_SHIFT_GAIN * zero) moved++;
  }
  return moved >= DEFAULT_VIEW_SHIFT_MIN_CELLS;
}
