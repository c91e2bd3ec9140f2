/** An RGB24 interleaved image, `width * height * 3` bytes (a decoded frame satisfies this). */
export interface RgbImage {
  width: number;
  height: number;
  data: Buffer;
}

/** A window of an image, integer pixels. */
export interface CropRect {
  x: number;
  y: number;
  width: number;
  height: number;
}

/** Copies a window out of an RGB24 image. */
export function cropImage(image: RgbImage, rect: CropRect): RgbImage {
  const rowBytes = rect.width * 3;
  const data = Buffer.allocUnsafe(rowBytes * rect.height);
  for (let y = 0; y < rect.height; y++) {
    const from = ((rect.y + y) * image.width + rect.x) * 3;
    image.data.copy(data, y * rowBytes, from, from + rowBytes);
  }
  return { width: rect.width, height: rect.height, data };
}
