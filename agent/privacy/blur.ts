import sharp from 'sharp';
import type { Box, RgbImage } from '../core/index.js';

/**
 * Blurred boxes are widened by this share of their size on each side: detector boxes hug the face or plate,
 * and a hairline of sharp pixels round a blurred face still shows its outline and hair.
 */
export const DEFAULT_BLUR_MARGIN = 0.15;
/** Gaussian sigma as a share of the box's shorter side: a third leaves no feature (eyes, characters) legible. */
export const DEFAULT_BLUR_SIGMA_SHARE = 1 / 3;
/** Smallest sigma (px): below this a 10-px face keeps its eyes. */
export const DEFAULT_MIN_BLUR_SIGMA = 3;

/** A box in whole pixels, widened by `margin` and clipped to the image; undefined when nothing is left. */
export function blurRegion(box: Box, width: number, height: number, margin = DEFAULT_BLUR_MARGIN): { left: number; top: number; width: number; height: number } | undefined {
  const padX = (box.x2 - box.x1) * margin;
  const padY = (box.y2 - box.y1) * margin;
  const left = Math.max(0, Math.floor(Math.min(box.x1, box.x2) - padX));
  const top = Math.max(0, Math.floor(Math.min(box.y1, box.y2) - padY));
  const right = Math.min(width, Math.ceil(Math.max(box.x1, box.x2) + padX));
  const bottom = Math.min(height, Math.ceil(Math.max(box.y1, box.y2) + padY));
  if (right - left < 1 || bottom - top < 1) return undefined;
  return { left, top, width: right - left, height: bottom - top };
}

/** A copy of the image with each box blurred (Gaussian, sharp); the image itself is returned when there is no box. */
export async function blurBoxes(image: RgbImage, boxes: readonly Box[]): Promise<RgbImage> {
  const regions = boxes.map((b) => blurRegion(b, image.width, image.height)).filter((r) => r !== undefined);
  if (regions.length === 0) return image;
  const data = Buffer.from(image.data);
  const raw = { raw: { width: image.width, height: image.height, channels: 3 as const } };
  for (const r of regions) {
    const sigma = Math.max(DEFAULT_MIN_BLUR_SIGMA, Math.min(r.width, r.height) * DEFAULT_BLUR_SIGMA_SHARE);
    // Read from the copy: overlapping boxes are blurred again, never restored to sharp pixels.
    const blurred = await sharp(data, raw).extract(r).blur(sigma).raw().toBuffer();
    for (let row = 0; row < r.height; row++) {
      blurred.copy(data, ((r.top + row) * image.width + r.left) * 3, row * r.width * 3, (row + 1) * r.width * 3);
    }
  }
  return { width: image.width, height: image.height, data };
}
