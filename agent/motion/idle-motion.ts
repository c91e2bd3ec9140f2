import type { Box } from '../core/index.js';
import type { MotionRegion } from './motion-detector.js';

/**
 * Motion that never holds an object: leaves and branches in the wind, a flag, water, a flickering screen.
 * The motion gate cannot tell them from traffic, so on the residential street the detector ran on every
 * frame of a span where nothing but the roadside trees moved (eval: 0 % of the empty-span frames skipped).
 * The detector can tell: a cell of a coarse grid over the frame that keeps moving on frames where the
 * detector ran and found nothing there is "idle"; motion wholly inside idle cells no longer wakes the
 * detector. A detection over a cell makes it live again at once, and a cell that stops moving is
 * forgotten. Pure: regions, boxes and times in, flags and filtered regions out.
 */

/** Grid over the frame: 16 × 12 cells (40 × 30 px of a 640 × 360 frame: a branch, not half the street). */
export const DEFAULT_IDLE_GRID_COLUMNS = 16;
export const DEFAULT_IDLE_GRID_ROWS = 12;
/**
 * Misses (inferences in which a cell moved with nothing detected on it, less those in which it was still)
 * before it is idle: 10 is 2 s of a tree swaying at 5 fps; ten misses of an object that moves there would be
 * a detector problem the gate cannot fix anyway.
 */
export const DEFAULT_IDLE_AFTER_INFERENCES = 10;
/** An idle cell that has not moved for this long (ms) is forgotten: the wind dropped, the screen went off. */
export const DEFAULT_IDLE_FORGET_MS = 60_000;
/** Detections are widened by this share of their size when clearing cells: an object's motion spills past its box. */
const BOX_MARGIN = 0.25;

export interface IdleMotionOptions {
  columns?: number;
  rows?: number;
  afterInferences?: number;
  forgetMs?: number;
}

export class IdleMotionCells {
  private readonly columns: number;
  private readonly rows: number;
  private readonly afterInferences: number;
  private readonly forgetMs: number;
  /** Per cell: inferences in a row it moved with nothing detected on it. */
  private readonly misses: Int32Array;
  private readonly lastMoveMs: Float64Array;

  constructor(options: IdleMotionOptions = {}) {
    this.columns = options.columns ?? DEFAULT_IDLE_GRID_COLUMNS;
    this.rows = options.rows ?? DEFAULT_IDLE_GRID_ROWS;
    this.afterInferences = options.afterInferences ?? DEFAULT_IDLE_AFTER_INFERENCES;
    this.forgetMs = options.forgetMs ?? DEFAULT_IDLE_FORGET_MS;
    this.misses = new Int32Array(this.columns * this.rows);
    this.lastMoveMs = new Float64Array(this.columns * this.rows).fill(Number.NEGATIVE_INFINITY);
  }

  /**
   * After an inference on a frame of `frame` size: the cells under this frame's motion regions that no
   * detection covers count one more miss; cells a detection covers are live again.
   */
  observe(regions: readonly MotionRegion[], detections: ReadonlyArray<{ box: Box }>, frame: { width: number; height: number }, tMs: number): void {
    const moved = new Uint8Array(this.misses.length);
    for (const r of regions) this.forCells(r, frame, (k) => (moved[k] = 1));
    const live = new Uint8Array(this.misses.length);
    for (const { box } of detections) {
      const mx = (box.x2 - box.x1) * BOX_MARGIN;
      const my = (box.y2 - box.y1) * BOX_MARGIN;
      this.forCells({ x1: box.x1 - mx, y1: box.y1 - my, x2: box.x2 + mx, y2: box.y2 + my }, frame, (k) => (live[k] = 1));
    }
    for (let k = 0; k < this.misses.length; k++) {
      if (live[k]) this.misses[k] = 0;
      else if (moved[k]) this.misses[k] = this.misses[k]! + 1;
      // A still inference takes one miss back (until the cell is idle): foliage moves on most frames and
      // climbs, the fringe of a swaying crown too (moving on ~60 % of frames, 10 s to idle); a road cell
      // that now and then holds a car too far to be detected, and is still in between, does not.
      else if (this.misses[k]! > 0 && this.misses[k]! < this.afterInferences) this.misses[k] = this.misses[k]! - 1;
      if (moved[k]) this.lastMoveMs[k] = tMs;
    }
  }

  /** The regions that touch at least one cell that is not idle (the others are idle motion only). */
  live(regions: readonly MotionRegion[], frame: { width: number; height: number }, tMs: number): MotionRegion[] {
    return regions.filter((r) => {
      let anyLive = false;
      this.forCells(r, frame, (k) => {
        if (!this.isIdle(k, tMs)) anyLive = true;
      });
      return anyLive;
    });
  }

  /** Idle cells now (for stats and tests). */
  idleCount(tMs: number): number {
    let n = 0;
    for (let k = 0; k < this.misses.length; k++) if (this.isIdle(k, tMs)) n++;
    return n;
  }

  private isIdle(k: number, tMs: number): boolean {
    if (this.misses[k]! < this.afterInferences) return false;
    if (tMs - this.lastMoveMs[k]! > this.forgetMs) {
      this.misses[k] = 0;
      return false;
    }
    return true;
  }

  /** Calls `fn` with each cell a rectangle (frame pixels) overlaps. */
  private forCells(r: MotionRegion, frame: { width: number; height: number }, fn: (k: number) => void): void {
    const cx1 = Math.max(0, Math.floor((r.x1 / frame.width) * this.columns));
    const cy1 = Math.max(0, Math.floor((r.y1 / frame.height) * this.rows));
    const cx2 = Math.min(this.columns - 1, Math.ceil((r.x2 / frame.width) * this.columns) - 1);
    const cy2 = Math.min(this.rows - 1, Math.ceil((r.y2 / frame.height) * this.rows) - 1);
    for (let y = cy1; y <= cy2; y++) for (let x = cx1; x <= cx2; x++) fn(y * this.columns + x);
  }
}
