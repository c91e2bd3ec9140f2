import type { RgbImage } from '../core/index.js';
import { ClockCells } from './clock-cells.js';

/** Width of the grayscale copy motion is computed on: 160 px is ~1/16 of a 640 px frame's pixels. */
export const DEFAULT_MOTION_WIDTH_PX = 160;
/** A pixel moved when it differs from the background by more than this (0–255 gray levels). */
export const DEFAULT_PIXEL_THRESHOLD = 25;
/** One moving region must cover this share of unmasked pixels: 0.2 % ≈ 36 px at 160x113, a distant motorbike. */
export const DEFAULT_MIN_AREA_FRACTION = 0.002;
/** Side of the coarse grid's cells (gray pixels): 8 px at 160 px wide is 32 px of a 640 px frame. */
export const DEFAULT_CELL_PX = 8;
/**
 * A cell moves when this share of its pixels changed: 8 of 64. Sensor noise and H.264 flicker scatter a
 * pixel or two per cell; an object fills cells. Regions are connected moving cells, so scattered noise
 * adding up to a large total never makes a region.
 */
export const DEFAULT_CELL_FILL = 0.125;
/** More than this share changed at once is light (clouds, headlights, auto-exposure), not objects. */
export const DEFAULT_GLOBAL_CHANGE_FRACTION = 0.6;
/** Background learning rate per analysed frame: at 5 fps the background forgets in ~4 s. */
export const DEFAULT_BACKGROUND_ALPHA = 0.05;
/**
 * A moving cell must also hold pixels that differ from the previous analysed frame by this much (0–255 gray levels).
 * Without it, a person who stood at a table for 20 s leaves a "ghost" when they go: the background had
 * learned them, and the empty table differed from it for ~5 s more (measured on intel_person_at_table:
 * 93 of 122 empty frames reported motion). What did not change between two frames is not moving.
 */
export const DEFAULT_FRAME_DIFF_THRESHOLD = 15;
/** …at least this share of a moving cell's pixels (2 of 64): an object's moving edge, not one noisy pixel. */
export const DEFAULT_CELL_FRESH = 0.03;

export interface MotionOptions {
  widthPx?: number;
  pixelThreshold?: number;
  minAreaFraction?: number;
  globalChangeFraction?: number;
  backgroundAlpha?: number;
  cellPx?: number;
  cellFill?: number;
  frameDiffThreshold?: number;
  /** Find a burned-in clock (OSD) by its once-a-second change and ignore its motion (default true). */
  ignoreClock?: boolean;
  /** Polygons (normalised 0..1 frame coordinates) where motion is ignored: timestamps, trees, flags. */
  masks?: ReadonlyArray<ReadonlyArray<readonly [number, number]>>;
}

/** A rectangle in frame pixels. */
export interface MotionRegion {
  x1: number;
  y1: number;
  x2: number;
  y2: number;
}

export interface MotionResult {
  motion: boolean;
  /** Share of unmasked pixels that changed (0..1), scattered or not. */
  changedFraction: number;
  /** Bounding box of all moving regions in frame pixels, when there is motion. */
  region?: MotionRegion;
  /** Each moving region (connected moving cells at least the minimum area), in frame pixels. */
  regions?: MotionRegion[];
  /** The whole scene changed at once: the background was reset instead of reporting motion. */
  recalibrated: boolean;
}

/**
 * Cheap motion detection on a small grayscale copy of each frame: running-average background, per-pixel
 * threshold, a coarse grid whose connected moving cells make regions (a minimum region size rejects
 * noise), and recalibration on global light changes. It decides whether the expensive detector needs to
 * look at a frame at all, and where.
 */
export class MotionDetector {
  private readonly o: Required<Omit<MotionOptions, 'masks'>> & Pick<MotionOptions, 'masks'>;
  private background?: Float32Array;
  private gray?: Uint8Array;
  private previous?: Uint8Array;
  private clock?: ClockCells;
  private mask?: Uint8Array;
  private geometry = { frameWidth: 0, frameHeight: 0, width: 0, height: 0, cellsX: 0, cellsY: 0 };
  /** Per gray column: its grid column; and the frame's byte offset of the pixel it samples (toGray). */
  private columnCell = new Int32Array(0);
  private sourceColumn = new Int32Array(0);
  /** Per cell: changed pixels and their bounds (gray pixels); reused from frame to frame. */
  private cells = { changed: new Int32Array(0), fresh: new Int32Array(0), nearFresh: new Uint8Array(0), size: new Int32Array(0), x1: new Int32Array(0), y1: new Int32Array(0), x2: new Int32Array(0), y2: new Int32Array(0), label: new Int32Array(0) };

  constructor(options: MotionOptions = {}) {
    this.o = {
      widthPx: options.widthPx ?? DEFAULT_MOTION_WIDTH_PX,
      pixelThreshold: options.pixelThreshold ?? DEFAULT_PIXEL_THRESHOLD,
      minAreaFraction: options.minAreaFraction ?? DEFAULT_MIN_AREA_FRACTION,
      globalChangeFraction: options.globalChangeFraction ?? DEFAULT_GLOBAL_CHANGE_FRACTION,
      backgroundAlpha: options.backgroundAlpha ?? DEFAULT_BACKGROUND_ALPHA,
      cellPx: options.cellPx ?? DEFAULT_CELL_PX,
      cellFill: options.cellFill ?? DEFAULT_CELL_FILL,
      frameDiffThreshold: options.frameDiffThreshold ?? DEFAULT_FRAME_DIFF_THRESHOLD,
      ignoreClock: options.ignoreClock ?? true,
      masks: options.masks,
    };
  }

  /** Motion in `frame` against the learned background; `tMs` (the frame's capture time) lets it find a burned-in clock. */
  detect(frame: RgbImage, tMs?: number): MotionResult {
    this.ensureGeometry(frame);
    const { width, height } = this.geometry;
    const gray = this.gray!;
    toGray(frame, gray, this.sourceColumn, height);
    if (!this.background || !this.previous) {
      // First frame: nothing to compare with, so let the detector look.
      this.background = Float32Array.from(gray);
      this.previous = Uint8Array.from(gray);
      return { motion: true, changedFraction: 1, recalibrated: false };
    }
    const bg = this.background;
    const prev = this.previous;
    const mask = this.mask;
    const { pixelThreshold: threshold, backgroundAlpha: alpha, cellPx, frameDiffThreshold } = this.o;
    // Auto-exposure and passing clouds shift every level at once: compare after removing the median shift.
    const bgShift = medianShift(gray, bg, mask);
    const prevShift = medianShiftBytes(gray, prev, mask);
    const { cellsX } = this.geometry;
    const c = this.cells;
    c.changed.fill(0);
    c.fresh.fill(0);
    c.size.fill(0);
    c.x1.fill(width);
    c.y1.fill(height);
    c.x2.fill(-1);
    c.y2.fill(-1);
    let changed = 0;
    let counted = 0;
    // Locals, not this.cells.* per pixel: ~18,000 pixels a frame at 160 px wide.
    const columnCell = this.columnCell;
    const { size, changed: cellChanged, fresh, x1, y1, x2, y2 } = c;
    for (let y = 0, i = 0; y < height; y++) {
      const rowCell = Math.floor(y / cellPx) * cellsX;
      for (let x = 0; x < width; x++, i++) {
        const g = gray[i]!;
        const b = bg[i]!;
        bg[i] = b + alpha * (g - b);
        if (mask && mask[i]) continue;
        counted++;
        const k = rowCell + columnCell[x]!;
        size[k]!++;
        if (Math.abs(g - b - bgShift) > threshold) {
          changed++;
          cellChanged[k]!++;
          if (Math.abs(g - prev[i]! - prevShift) > frameDiffThreshold) fresh[k]!++;
          if (x < x1[k]!) x1[k] = x;
          if (x > x2[k]!) x2[k] = x;
          if (y < y1[k]!) y1[k] = y;
          if (y > y2[k]!) y2[k] = y;
        }
      }
    }
    prev.set(gray);
    const changedFraction = counted ? changed / counted : 0;
    if (changedFraction > this.o.globalChangeFraction) {
      this.background = Float32Array.from(gray);
      return { motion: false, changedFraction, recalibrated: true };
    }
    this.markFresh();
    if (this.clock && tMs !== undefined) this.markClock(tMs);
    const minAreaPx = Math.max(1, this.o.minAreaFraction * counted);
    const sx = this.geometry.frameWidth / width;
    const sy = this.geometry.frameHeight / height;
    const regions = this.movingRegions(minAreaPx).map((r) => ({ x1: r.x1 * sx, y1: r.y1 * sy, x2: (r.x2 + 1) * sx, y2: (r.y2 + 1) * sy }));
    if (regions.length === 0) return { motion: false, changedFraction, recalibrated: false };
    const region = boundingRegion(regions);
    return { motion: true, changedFraction, recalibrated: false, region, regions };
  }

  /**
   * A cell moves when enough of it differs from the background and some of that changed since the last
   * frame: an object, slow or fast, changes at its edges every frame; a ghost (what the background had
   * learned and is now gone) and a stopped object do not.
   */
  private isMoving(k: number): boolean {
    const c = this.cells;
    return c.changed[k]! > 0 && c.changed[k]! >= this.o.cellFill * c.size[k]! && c.nearFresh[k] === 1;
  }

  /**
   * Marks the cells with a moving edge in them or next to them. One cell of slack: a car's body fills
   * cells whose pixels did not change since the last frame (uniform paint), beside the cells its front
   * and back move through.
   */
  private markFresh(): void {
    const c = this.cells;
    c.nearFresh.fill(0);
    for (let k = 0; k < c.fresh.length; k++) {
      if (c.fresh[k]! < DEFAULT_CELL_FRESH * c.size[k]! || c.fresh[k] === 0) continue;
      this.forCellAndNeighbours(k, (n) => (c.nearFresh[n] = 1));
    }
  }

  /** Feeds the clock finder this frame's moving cells, then takes clock cells out of the motion. */
  private markClock(t: number): void {
    const clock = this.clock!;
    const c = this.cells;
    const moving = (k: number) => this.isMoving(k);
    const beat: number[] = [];
    for (let k = 0; k < c.changed.length; k++) {
      if (!moving(k)) continue;
      clock.moved(k, t);
      if (clock.isClock(k, t)) beat.push(k);
    }
    // On the clock's beat, its neighbours' change is the clock's too: a digit that turns from 1 to 2
    // spills into the next cell only on some seconds, too irregularly for that cell to be learned alone.
    for (const k of beat) this.forCellAndNeighbours(k, (n) => (c.changed[n] = 0));
    for (let k = 0; k < c.changed.length; k++) if (clock.isClock(k, t)) c.changed[k] = 0;
  }

  /** Calls `visit` with cell `k` and each of its 8 neighbours inside the grid. */
  private forCellAndNeighbours(k: number, visit: (cell: number) => void): void {
    const { cellsX, cellsY } = this.geometry;
    const cx = k % cellsX;
    const cy = (k - cx) / cellsX;
    for (let ny = Math.max(0, cy - 1); ny <= Math.min(cellsY - 1, cy + 1); ny++) {
      for (let nx = Math.max(0, cx - 1); nx <= Math.min(cellsX - 1, cx + 1); nx++) visit(ny * cellsX + nx);
    }
  }

  /** Cells found to be a burned-in clock, whose motion is ignored. */
  clockCells(tMs: number): number {
    return this.clock?.count(tMs) ?? 0;
  }

  /** Connected (8-neighbour) moving cells whose changed pixels reach `minAreaPx`, as gray-pixel boxes. */
  private movingRegions(minAreaPx: number): MotionRegion[] {
    const { cellsX, cellsY } = this.geometry;
    const c = this.cells;
    const moving = (k: number) => this.isMoving(k);
    c.label.fill(0);
    const regions: MotionRegion[] = [];
    const stack: number[] = [];
    for (let start = 0; start < cellsX * cellsY; start++) {
      if (c.label[start] || !moving(start)) continue;
      c.label[start] = 1;
      stack.push(start);
      const r = { x1: Number.POSITIVE_INFINITY, y1: Number.POSITIVE_INFINITY, x2: -1, y2: -1 };
      let area = 0;
      while (stack.length) {
        const k = stack.pop()!;
        area += c.changed[k]!;
        r.x1 = Math.min(r.x1, c.x1[k]!);
        r.y1 = Math.min(r.y1, c.y1[k]!);
        r.x2 = Math.max(r.x2, c.x2[k]!);
        r.y2 = Math.max(r.y2, c.y2[k]!);
        this.forCellAndNeighbours(k, (n) => {
          if (c.label[n] || !moving(n)) return;
          c.label[n] = 1;
          stack.push(n);
        });
      }
      if (area >= minAreaPx) regions.push(r);
    }
    return regions;
  }

  private ensureGeometry(frame: RgbImage): void {
    if (frame.width === this.geometry.frameWidth && frame.height === this.geometry.frameHeight) return;
    const width = Math.min(this.o.widthPx, frame.width);
    const height = Math.max(1, Math.round((frame.height * width) / frame.width));
    const cellsX = Math.ceil(width / this.o.cellPx);
    const cellsY = Math.ceil(height / this.o.cellPx);
    this.geometry = { frameWidth: frame.width, frameHeight: frame.height, width, height, cellsX, cellsY };
    const n = cellsX * cellsY;
    this.cells = { changed: new Int32Array(n), fresh: new Int32Array(n), nearFresh: new Uint8Array(n), size: new Int32Array(n), x1: new Int32Array(n), y1: new Int32Array(n), x2: new Int32Array(n), y2: new Int32Array(n), label: new Int32Array(n) };
    this.gray = new Uint8Array(width * height);
    this.columnCell = Int32Array.from({ length: width }, (_, x) => Math.floor(x / this.o.cellPx));
    const sx = frame.width / width;
    this.sourceColumn = Int32Array.from({ length: width }, (_, x) => Math.min(frame.width - 1, Math.floor((x + 0.5) * sx)) * 3);
    this.background = undefined;
    this.previous = undefined;
    this.clock = this.o.ignoreClock ? new ClockCells(n) : undefined;
    this.mask = this.o.masks?.length ? rasterise(this.o.masks, width, height) : undefined;
  }
}

/**
 * The median of (gray − reference) over unmasked pixels, in whole gray levels: the part of a change that
 * the whole frame shares (exposure, light), which is not motion.
 */
function medianShift(gray: Uint8Array, reference: ArrayLike<number>, mask: Uint8Array | undefined): number {
  const histogram = new Uint32Array(511);
  let n = 0;
  for (let i = 0; i < gray.length; i++) {
    if (mask && mask[i]) continue;
    histogram[Math.max(-255, Math.min(255, Math.round(gray[i]! - reference[i]!))) + 255]!++;
    n++;
  }
  return histogramMedian(histogram, n);
}

/** The median of a histogram of differences (bin d holds the difference d − 255) over `n` samples. */
function histogramMedian(histogram: Uint32Array, n: number): number {
  let seen = 0;
  for (let d = 0; d < histogram.length; d++) {
    seen += histogram[d]!;
    if (seen * 2 >= n) return d - 255;
  }
  return 0;
}

/** medianShift against the previous gray frame: whole levels already (a byte difference needs no rounding or clamp). */
function medianShiftBytes(gray: Uint8Array, reference: Uint8Array, mask: Uint8Array | undefined): number {
  const histogram = new Uint32Array(511);
  let n = 0;
  for (let i = 0; i < gray.length; i++) {
    if (mask && mask[i]) continue;
    histogram[gray[i]! - reference[i]! + 255]!++;
    n++;
  }
  return histogramMedian(histogram, n);
}

/**
 * Nearest-neighbour downscale to gray (BT.601 luma, integer weights: this runs on every frame). `columns`
 * holds, per gray column, the byte offset in a frame row of the pixel it samples (computed once per size).
 */
function toGray(frame: RgbImage, out: Uint8Array, columns: Int32Array, height: number): void {
  const { data } = frame;
  const width = columns.length;
  const sy = frame.height / height;
  const stride = frame.width * 3;
  for (let y = 0, i = 0; y < height; y++) {
    const row = Math.min(frame.height - 1, Math.floor((y + 0.5) * sy)) * stride;
    for (let x = 0; x < width; x++, i++) {
      const p = row + columns[x]!;
      out[i] = (77 * data[p]! + 150 * data[p + 1]! + 29 * data[p + 2]!) >> 8;
    }
  }
}

/** 1 where a pixel centre lies inside any mask polygon (normalised coordinates). */
function rasterise(polygons: NonNullable<MotionOptions['masks']>, width: number, height: number): Uint8Array {
  const mask = new Uint8Array(width * height);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const px = (x + 0.5) / width;
      const py = (y + 0.5) / height;
      if (polygons.some((poly) => inside(poly, px, py))) mask[y * width + x] = 1;
    }
  }
  return mask;
}

function inside(poly: ReadonlyArray<readonly [number, number]>, x: number, y: number): boolean {
  let hit = false;
  for (let i = 0, j = poly.length - 1; i < poly.length; j = i++) {
    const [xi, yi] = poly[i]!;
    const [xj, yj] = poly[j]!;
    if (yi > y !== yj > y && x < ((xj - xi) * (y - yi)) / (yj - yi) + xi) hit = !hit;
  }
  return hit;
}

/** The bounding box of some regions (at least one). */
export function boundingRegion(regions: readonly MotionRegion[]): MotionRegion {
  return {
    x1: Math.min(...regions.map((r) => r.x1)),
    y1: Math.min(...regions.map((r) => r.y1)),
    x2: Math.max(...regions.map((r) => r.x2)),
    y2: Math.max(...regions.map((r) => r.y2)),
  };
}
