import sharp from 'sharp';
import { fillPolygon, maskToPixels, type PrivacyMask } from './masks.js';

/**
 * The masks as RGBA pixels at the given size (pure): opaque black inside any mask, fully transparent elsewhere.
 * The same fill as the stills' (masks.ts fillPolygon: every pixel the outline touches is covered whole, no
 * half-transparent edge), so a clip hides exactly the pixels a still of the same size hides.
 */
export function maskOverlayRgba(masks: readonly PrivacyMask[], width: number, height: number): Buffer {
  // Filled on an RGB plane (fillPolygon writes RGB24 zeros), then read back as the alpha channel.
  const plane = Buffer.alloc(width * height * 3, 255);
  for (const mask of masks) fillPolygon(plane, width, height, maskToPixels(mask, width, height));
  const rgba = Buffer.alloc(width * height * 4);
  for (let i = 0; i < width * height; i++) rgba[i * 4 + 3] = plane[i * 3] === 0 ? 255 : 0;
  return rgba;
}

/** The masks as a PNG with alpha at the given size (the clip's stream size), for ffmpeg's overlay filter. */
export function maskOverlayPng(masks: readonly PrivacyMask[], width: number, height: number): Promise<Buffer> {
  return sharp(maskOverlayRgba(masks, width, height), { raw: { width, height, channels: 4 } }).png().toBuffer();
}
