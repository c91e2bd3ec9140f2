import sharp from 'sharp';

/** A rectangle as fractions 0..1 of the image (x0,y0 top-left; x1,y1 bottom-right). */
export interface FractionRect {
  x0: number;
  y0: number;
  x1: number;
  y1: number;
}

/** Mean and max of the grey level (mean of R, G, B) over a rectangle of an encoded image (JPEG, PNG). */
export async function regionLevels(image: Buffer, rect: FractionRect): Promise<{ mean: number; max: number; width: number; height: number }> {
  const { data, info } = await sharp(image).removeAlpha().raw().toBuffer({ resolveWithObject: true });
  return { ...rawRegionLevels(data, info.width, info.height, rect), width: info.width, height: info.height };
}

/** As regionLevels, on raw RGB24 pixels. */
export function rawRegionLevels(data: Buffer, width: number, height: number, rect: FractionRect): { mean: number; max: number } {
  const x0 = Math.floor(rect.x0 * width);
  const x1 = Math.ceil(rect.x1 * width);
  const y0 = Math.floor(rect.y0 * height);
  const y1 = Math.ceil(rect.y1 * height);
  let sum = 0;
  let max = 0;
  let n = 0;
  for (let y = y0; y < y1; y++) {
    for (let x = x0; x < x1; x++) {
      const i = (y * width + x) * 3;
      const grey = (data[i]! + data[i + 1]! + data[i + 2]!) / 3;
      sum += grey;
      max = Math.max(max, grey);
      n++;
    }
  }
  return { mean: n > 0 ? sum / n : 0, max };
}

/** Mean absolute difference per channel between two raw RGB24 images of one size over a rectangle (pixels). */
export function rawRegionDifference(a: Buffer, b: Buffer, width: number, rect: { left: number; top: number; width: number; height: number }): number {
  let sum = 0;
  for (let y = rect.top; y < rect.top + rect.height; y++) {
    for (let x = rect.left; x < rect.left + rect.width; x++) {
      const i = (y * width + x) * 3;
      sum += Math.abs(a[i]! - b[i]!) + Math.abs(a[i + 1]! - b[i + 1]!) + Math.abs(a[i + 2]! - b[i + 2]!);
    }
  }
  return sum / (3 * rect.width * rect.height);
}
