import type { RgbImage } from '../core/index.js';

/** A privacy mask as configured (agent/config privacySchema): corners as fractions 0..1 of the frame. */
export interface PrivacyMask {
  readonly id?: string;
  readonly points: readonly (readonly [number, number])[];
}

/** A mask's corners in pixels of an image of the given size. */
export function maskToPixels(mask: PrivacyMask, width: number, height: number): Array<[number, number]> {
  return mask.points.map(([x, y]) => [x * width, y * height]);
}

/**
 * A copy of the image with every mask filled black (pure; the frame itself is shared by other incidents and
 * the detector, so it is never written). Returns the image itself when there is no mask. Filling is done on
 * the raw pixels, not by drawing an anti-aliased shape: a pixel the outline crosses is blacked out whole, so
 * no half-grey edge shows what is behind it.
 */
export function blackOutMasks(image: RgbImage, masks: readonly PrivacyMask[]): RgbImage {
  if (masks.length === 0) return image;
  const { width, height } = image;
  const data = Buffer.from(image.data);
  for (const mask of masks) fillPolygon(data, width, height, maskToPixels(mask, width, height));
  return { width, height, data };
}

/**
 * Even-odd scanline fill of one polygon into RGB24 rows. Each row is sampled at its top, middle and bottom
 * edge and the union filled, so a thin sliver or a slanted edge never leaves a pixel it touches uncovered.
 */
export function fillPolygon(data: Buffer, width: number, height: number, points: ReadonlyArray<readonly [number, number]>): void {
  const n = points.length;
  if (n < 3) return;
  let minY = Infinity;
  let maxY = -Infinity;
  for (const [, y] of points) {
    minY = Math.min(minY, y);
    maxY = Math.max(maxY, y);
  }
  const rowFrom = Math.max(0, Math.floor(minY));
  const rowTo = Math.min(height - 1, Math.ceil(maxY) - 1);
  const xs: number[] = [];
  for (let row = rowFrom; row <= rowTo; row++) {
    const spans: Array<[number, number]> = [];
    for (const sampleY of [row + 0.001, row + 0.5, row + 0.999]) {
      xs.length = 0;
      for (let i = 0; i < n; i++) {
        const [ax, ay] = points[i]!;
        const [bx, by] = points[(i + 1) % n]!;
        // Half-open rule (ay <= y < by or the reverse): a vertex on the scanline is counted once.
        if ((ay <= sampleY && sampleY < by) || (by <= sampleY && sampleY < ay)) xs.push(ax + ((sampleY - ay) / (by - ay)) * (bx - ax));
      }
      xs.sort((p, q) => p - q);
      for (let k = 0; k + 1 < xs.length; k += 2) spans.push([xs[k]!, xs[k + 1]!]);
    }
    for (const [xa, xb] of spans) {
      const from = Math.max(0, Math.floor(xa));
      const to = Math.min(width - 1, Math.ceil(xb) - 1);
      if (to < from) continue;
      data.fill(0, (row * width + from) * 3, (row * width + to + 1) * 3);
    }
  }
}
