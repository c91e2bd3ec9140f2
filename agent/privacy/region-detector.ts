import ort from 'onnxruntime-node';
import sharp from 'sharp';
import type { Box, RgbImage } from '../core/index.js';
import { createOrtSession, nms } from '../detection/index.js';
import type { PrivacyModel } from './privacy-models.js';
import { decodeUlfd, decodeY5fu, decodeYunet, type Outputs, type ScoredBox } from './region-decode.js';
import type { RegionDetector } from './still-privacy.js';

/** Overlapping boxes of one face or plate (from neighbouring cells or tiles) merge above this IoU. */
export const DEFAULT_REGION_NMS_IOU = 0.3;
/**
 * Neighbouring tiles overlap by this many model-input pixels, so a face or plate cut by one tile's edge is
 * whole in the next: 64 px holds a face of 64 px, larger than faces in street stills (10-40 px measured).
 */
export const DEFAULT_TILE_OVERLAP_PX = 64;

/** How a still is fed to the model: scaled by `upscale`, then cut into model-sized tiles at that scale. */
export interface RegionDetectorOptions {
  /** Scale applied to the still before tiling (2: faces of 10 px reach the 20 px a 320 model sees). Default 1. */
  upscale?: number;
  /** Score below which finds are dropped; default the manifest's minScore. */
  minScore?: number;
  /** Intra-op threads; default 1 (runs once per still, beside the decoders). */
  threads?: number;
}

/** Tile origins covering `length` with tiles of `tile`, overlapping by at least `overlap` (evenly spread). */
export function tileOrigins(length: number, tile: number, overlap = DEFAULT_TILE_OVERLAP_PX): number[] {
  if (length <= tile) return [0];
  const n = Math.ceil((length - overlap) / (tile - overlap));
  return Array.from({ length: n }, (_, i) => Math.round((i * (length - tile)) / (n - 1)));
}

/** Opens a face or plate detector (one ONNX session, runs serialised by onnxruntime). */
export async function openRegionDetector(model: PrivacyModel, file: string, options: RegionDetectorOptions = {}): Promise<RegionDetector & { close(): Promise<void> }> {
  const session = await createOrtSession(file, options.threads ?? 1);
  const inputName = session.inputNames[0]!;
  const { width: tw, height: th } = model.input;
  const upscale = options.upscale ?? 1;
  const minScore = options.minScore ?? model.minScore;
  const bgr = model.preprocess.colorOrder === 'bgr';
  const { mean, std } = model.preprocess;

  const runTile = async (pixels: Buffer, width: number, height: number, left: number, top: number): Promise<ScoredBox[]> => {
    const plane = tw * th;
    const input = new Float32Array(3 * plane).fill((0 - mean) / std);
    for (let y = 0; y < th && top + y < height; y++) {
      for (let x = 0; x < tw && left + x < width; x++) {
        const src = ((top + y) * width + left + x) * 3;
        const dst = y * tw + x;
        const r = pixels[src]!;
        const g = pixels[src + 1]!;
        const b = pixels[src + 2]!;
        input[dst] = ((bgr ? b : r) - mean) / std;
        input[plane + dst] = (g - mean) / std;
        input[2 * plane + dst] = ((bgr ? r : b) - mean) / std;
      }
    }
    const result = await session.run({ [inputName]: new ort.Tensor('float32', input, [1, 3, th, tw]) });
    const out: Outputs = {};
    for (const [name, tensor] of Object.entries(result)) out[name] = tensor.data as Float32Array;
    const found = model.layout === 'yunet' ? decodeYunet(out, tw, th, minScore) : model.layout === 'ulfd' ? decodeUlfd(out, tw, th, minScore) : decodeY5fu(out, minScore);
    return found.map((b) => ({ ...b, x1: b.x1 + left, y1: b.y1 + top, x2: b.x2 + left, y2: b.y2 + top }));
  };

  return {
    kind: model.kind,
    model: model.name,
    async detect(image: RgbImage): Promise<Box[]> {
      let pixels = image.data;
      let width = image.width;
      let height = image.height;
      if (upscale !== 1) {
        width = Math.round(image.width * upscale);
        height = Math.round(image.height * upscale);
        pixels = await sharp(image.data, { raw: { width: image.width, height: image.height, channels: 3 } }).resize(width, height, { fit: 'fill' }).raw().toBuffer();
      }
      const found: ScoredBox[] = [];
      for (const top of tileOrigins(height, th)) {
        for (const left of tileOrigins(width, tw)) found.push(...(await runTile(pixels, width, height, left, top)));
      }
      const kept = nms(found.map((b) => ({ ...b, classId: 0 })), { iouThreshold: DEFAULT_REGION_NMS_IOU });
      return kept.map((b) => ({
        x1: Math.max(0, b.x1 / upscale),
        y1: Math.max(0, b.y1 / upscale),
        x2: Math.min(image.width, b.x2 / upscale),
        y2: Math.min(image.height, b.y2 / upscale),
        score: b.score,
      }));
    },
    close: () => session.release(),
  };
}
