/** An RGB24 interleaved image, `width * height * 3` bytes (a decoded frame satisfies this). */
export interface RgbImage {
  width: number;
  height: number;
  data: Buffer;
}
