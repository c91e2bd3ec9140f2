import type { RgbImage } from '../detection/index.js';

/**
 * Cheap whole-frame statistics for the camera health rules, computed once per frame on a small grey
 * copy and shared by every health rule of the camera (cached by the frame's pixel buffer).
 */

/** Target width of the grey copy (px): 2× down from a 640 px analysis frame keeps enough detail for blur. */
export const DEFAULT_THUMB_WIDTH_PX = 320;
/** Scene cells for the tamper check: 8 × 6 cells of roughly equal shape on 4:3 and 16:9 frames. */
export const DEFAULT_CELL_COLUMNS = 8;
export const DEFAULT_CELL_ROWS = 6;

export interface FrameStats {
  /** Size of the grey copy. */
  width: number;
  height: number;
  /** Mean and standard deviation of the grey levels (0..255). */
  mean: number;
  stdDev: number;
  /** Variance of the 4-neighbour Laplacian: high for a sharp, detailed image, collapses when blurred. */
  sharpness: number;
  /** Mean grey level per cell, row-major (DEFAULT_CELL_ROWS × DEFAULT_CELL_COLUMNS). */
  cells: Float64Array;
  /** The grey copy itself (`width` × `height`, 0..255), for checks that need more than its summaries. */
  grey: Float32Array;
}

const cache = new WeakMap<Buffer, FrameStats>();

/** Stats of a frame, computed once per pixel buffer. */
export function frameStats(image: RgbImage): FrameStats {
  const hit = cache.get(image.data);
  if (hit !== undefined) return hit;
  const stats = computeFrameStats(image);
  cache.set(image.data, stats);
  return stats;
}

/** The stats without the cache (benchmarks, tests). */
export function computeFrameStats(image: RgbImage, thumbWidthPx = DEFAULT_THUMB_WIDTH_PX): FrameStats {
  const { width: W, height: H, data } = image;
  if (data.length < W * H * 3 || W <= 0 || H <= 0) throw new RangeError(`frame stats: expected ${W}x${H} RGB24`);
  const f = Math.max(1, Math.floor(W / thumbWidthPx));
  const w = Math.floor(W / f);
  const h = Math.floor(H / f);
  const grey = new Float32Array(w * h);
  const inv = 1 / (f * f * 256);
  // Block average of BT.601 luma in integer weights (77, 150, 29)/256: no per-pixel float multiply.
  for (let ty = 0; ty < h; ty++) {
    for (let tx = 0; tx < w; tx++) {
      let sum = 0;
      for (let dy = 0; dy < f; dy++) {
        let o = ((ty * f + dy) * W + tx * f) * 3;
        for (let dx = 0; dx < f; dx++, o += 3) sum += 77 * data[o]! + 150 * data[o + 1]! + 29 * data[o + 2]!;
      }
      grey[ty * w + tx] = sum * inv;
    }
  }

  let s = 0;
  let s2 = 0;
  for (let i = 0; i < grey.length; i++) {
    const v = grey[i]!;
    s += v;
    s2 += v * v;
  }
  const n = grey.length;
  const mean = s / n;
  const stdDev = Math.sqrt(Math.max(0, s2 / n - mean * mean));

  let l = 0;
  let l2 = 0;
  let m = 0;
  for (let y = 1; y < h - 1; y++) {
    for (let x = 1; x < w - 1; x++) {
      const i = y * w + x;
      const lap = grey[i - 1]! + grey[i + 1]! + grey[i - w]! + grey[i + w]! - 4 * grey[i]!;
      l += lap;
      l2 += lap * lap;
      m++;
    }
  }
  const sharpness = m > 0 ? l2 / m - (l / m) ** 2 : 0;

  const cols = DEFAULT_CELL_COLUMNS;
  const rows = DEFAULT_CELL_ROWS;
  const cells = new Float64Array(cols * rows);
  const counts = new Float64Array(cols * rows);
  for (let y = 0; y < h; y++) {
    const r = Math.min(rows - 1, Math.floor((y * rows) / h));
    for (let x = 0; x < w; x++) {
      const c = Math.min(cols - 1, Math.floor((x * cols) / w));
      cells[r * cols + c] = cells[r * cols + c]! + grey[y * w + x]!;
      counts[r * cols + c] = counts[r * cols + c]! + 1;
    }
  }
  for (let k = 0; k < cells.length; k++) cells[k] = counts[k]! > 0 ? cells[k]! / counts[k]! : 0;

  return { width: w, height: h, mean, stdDev, sharpness, cells, grey };
}

/** A grey image of `width` × `height` (0..255), row-major. */
export interface GreyImage {
  width: number;
  height: number;
  grey: Float32Array;
}

/**
 * Box-averages a grey image down by the whole factor that brings it closest to `targetWidthPx` wide
 * (never up): sensor noise and compression blocks average out, and later per-pixel work shrinks by the
 * factor squared.
 */
export function shrinkGrey(grey: Float32Array, width: number, height: number, targetWidthPx: number): GreyImage {
  const f = Math.max(1, Math.floor(width / targetWidthPx));
  if (f === 1) return { width, height, grey };
  const w = Math.floor(width / f);
  const h = Math.floor(height / f);
  const small = new Float32Array(w * h);
  const inv = 1 / (f * f);
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      let s = 0;
      for (let dy = 0; dy < f; dy++) {
        const row = (y * f + dy) * width + x * f;
        for (let dx = 0; dx < f; dx++) s += grey[row + dx]!;
      }
      small[y * w + x] = s * inv;
    }
  }
  return { width: w, height: h, grey: small };
}
