import type { RgbImage } from '../detection/types.js';

/** Width of the grayscale copy motion is computed on: 160 px is ~1/16 of a 640 px frame's pixels. */
export const DEFAULT_MOTION_WIDTH_PX = 160;
/** A pixel moved when it differs from the background by more than this (0–255 gray levels). */
export const DEFAULT_PIXEL_THRESHOLD = 25;
/** Motion needs this share of unmasked pixels changed: 0.2 % ≈ 36 px at 160x113, a distant motorbike. */
export const DEFAULT_MIN_AREA_FRACTION = 0.002;
/** More than this share changed at once is light (clouds, headlights, auto-exposure), not objects. */
export const DEFAULT_GLOBAL_CHANGE_FRACTION = 0.6;
/** Background learning rate per analysed frame: at 5 fps the background forgets in ~4 s. */
export const DEFAULT_BACKGROUND_ALPHA = 0.05;

export interface MotionOptions {
  widthPx?: number;
  pixelThreshold?: number;
  minAreaFraction?: number;
  globalChangeFraction?: number;
  backgroundAlpha?: number;
  /** Polygons (normalised 0..1 frame coordinates) where motion is ignored: timestamps, trees, flags. */
  masks?: ReadonlyArray<ReadonlyArray<readonly [number, number]>>;
}

export interface MotionResult {
  motion: boolean;
  /** Share of unmasked pixels that changed (0..1). */
  changedFraction: number;
  /** Bounding box of changed pixels in frame pixels, when there is motion. */
  region?: { x1: number; y1: number; x2: number; y2: number };
  /** The whole scene changed at once: the background was reset instead of reporting motion. */
  recalibrated: boolean;
}

/**
 * Cheap motion detection on a small grayscale copy of each frame: running-average background, per-pixel
 * threshold, minimum changed area, and recalibration on global light changes. It decides whether the
 * expensive detector needs to look at a frame at all.
 */
export class MotionDetector {
  private readonly o: Required<Omit<MotionOptions, 'masks'>> & Pick<MotionOptions, 'masks'>;
  private background?: Float32Array;
  private gray?: Uint8Array;
  private mask?: Uint8Array;
  private geometry = { frameWidth: 0, frameHeight: 0, width: 0, height: 0 };

  constructor(options: MotionOptions = {}) {
    this.o = {
      widthPx: options.widthPx ?? DEFAULT_MOTION_WIDTH_PX,
      pixelThreshold: options.pixelThreshold ?? DEFAULT_PIXEL_THRESHOLD,
      minAreaFraction: options.minAreaFraction ?? DEFAULT_MIN_AREA_FRACTION,
      globalChangeFraction: options.globalChangeFraction ?? DEFAULT_GLOBAL_CHANGE_FRACTION,
      backgroundAlpha: options.backgroundAlpha ?? DEFAULT_BACKGROUND_ALPHA,
      masks: options.masks,
    };
  }

  detect(frame: RgbImage): MotionResult {
    this.ensureGeometry(frame);
    const { width, height } = this.geometry;
    const gray = this.gray!;
    toGray(frame, gray, width, height);
    if (!this.background) {
      // First frame: nothing to compare with, so let the detector look.
      this.background = Float32Array.from(gray);
      return { motion: true, changedFraction: 1, recalibrated: false };
    }
    const bg = this.background;
    const mask = this.mask;
    const { pixelThreshold: threshold, backgroundAlpha: alpha } = this.o;
    let changed = 0;
    let counted = 0;
    let x1 = width;
    let y1 = height;
    let x2 = -1;
    let y2 = -1;
    for (let y = 0, i = 0; y < height; y++) {
      for (let x = 0; x < width; x++, i++) {
        const g = gray[i]!;
        const b = bg[i]!;
        bg[i] = b + alpha * (g - b);
        if (mask && mask[i]) continue;
        counted++;
        if (Math.abs(g - b) > threshold) {
          changed++;
          if (x < x1) x1 = x;
          if (x > x2) x2 = x;
          if (y < y1) y1 = y;
          if (y > y2) y2 = y;
        }
      }
    }
    const changedFraction = counted ? changed / counted : 0;
    if (changedFraction > this.o.globalChangeFraction) {
      this.background = Float32Array.from(gray);
      return { motion: false, changedFraction, recalibrated: true };
    }
    if (changedFraction < this.o.minAreaFraction) return { motion: false, changedFraction, recalibrated: false };
    const sx = this.geometry.frameWidth / width;
    const sy = this.geometry.frameHeight / height;
    return {
      motion: true,
      changedFraction,
      recalibrated: false,
      region: { x1: x1 * sx, y1: y1 * sy, x2: (x2 + 1) * sx, y2: (y2 + 1) * sy },
    };
  }

  private ensureGeometry(frame: RgbImage): void {
    if (frame.width === this.geometry.frameWidth && frame.height === this.geometry.frameHeight) return;
    const width = Math.min(this.o.widthPx, frame.width);
    const height = Math.max(1, Math.round((frame.height * width) / frame.width));
    this.geometry = { frameWidth: frame.width, frameHeight: frame.height, width, height };
    this.gray = new Uint8Array(width * height);
    this.background = undefined;
    this.mask = this.o.masks?.length ? rasterise(this.o.masks, width, height) : undefined;
  }
}

/** Nearest-neighbour downscale to gray (BT.601 luma, integer weights: this runs on every frame). */
function toGray(frame: RgbImage, out: Uint8Array, width: number, height: number): void {
  const { data } = frame;
  const sx = frame.width / width;
  const sy = frame.height / height;
  const stride = frame.width * 3;
  for (let y = 0, i = 0; y < height; y++) {
    const row = Math.min(frame.height - 1, Math.floor((y + 0.5) * sy)) * stride;
    for (let x = 0; x < width; x++, i++) {
      const p = row + Math.min(frame.width - 1, Math.floor((x + 0.5) * sx)) * 3;
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
