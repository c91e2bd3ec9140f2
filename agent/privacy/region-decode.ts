import type { Box } from '../core/index.js';

/**
 * Decoders of the privacy detectors' outputs (pure): tensors of one model run in, boxes in model-input pixels
 * out, before NMS. Layouts are those of the upstream code that ships each model (see models/manifest.json).
 */

/** A found face or plate in model-input pixels, with its score 0..1. */
export interface ScoredBox extends Box {
  score: number;
}

/** The tensors of one run, by output name (flat float data). */
export type Outputs = Record<string, Float32Array>;

/** YuNet's strides: outputs cls_8/obj_8/bbox_8, …_16, …_32. */
export const YUNET_STRIDES = [8, 16, 32] as const;

/**
 * YuNet (libfacedetection.train, as OpenCV's FaceDetectorYN decodes it): per stride s and grid cell (r, c),
 * score = sqrt(cls·obj) (both already sigmoid, clamped to 0..1); centre ((c + dx)·s, (r + dy)·s); size
 * (e^dw·s, e^dh·s).
 */
export function decodeYunet(out: Outputs, inputWidth: number, inputHeight: number, minScore: number): ScoredBox[] {
  const found: ScoredBox[] = [];
  for (const s of YUNET_STRIDES) {
    const cls = out[`cls_${s}`];
    const obj = out[`obj_${s}`];
    const bbox = out[`bbox_${s}`];
    if (cls === undefined || obj === undefined || bbox === undefined) throw new Error(`YuNet output cls_${s}/obj_${s}/bbox_${s} missing`);
    const cols = Math.floor(inputWidth / s);
    const rows = Math.floor(inputHeight / s);
    for (let r = 0; r < rows; r++) {
      for (let c = 0; c < cols; c++) {
        const i = r * cols + c;
        const score = Math.sqrt(clamp01(cls[i]!) * clamp01(obj[i]!));
        if (score < minScore) continue;
        const cx = (c + bbox[i * 4]!) * s;
        const cy = (r + bbox[i * 4 + 1]!) * s;
        const w = Math.exp(bbox[i * 4 + 2]!) * s;
        const h = Math.exp(bbox[i * 4 + 3]!) * s;
        found.push({ x1: cx - w / 2, y1: cy - h / 2, x2: cx + w / 2, y2: cy + h / 2, score });
      }
    }
  }
  return found;
}

/**
 * Ultra-Light-Fast RFB-320 (Linzaer): `scores` [N, 2] softmaxed (index 1 = face), `boxes` [N, 4] already decoded
 * as corners x1, y1, x2, y2 in fractions of the input.
 */
export function decodeUlfd(out: Outputs, inputWidth: number, inputHeight: number, minScore: number): ScoredBox[] {
  const scores = out.scores;
  const boxes = out.boxes;
  if (scores === undefined || boxes === undefined) throw new Error('ULFD outputs scores/boxes missing');
  const found: ScoredBox[] = [];
  for (let i = 0; i < scores.length / 2; i++) {
    const score = scores[i * 2 + 1]!;
    if (score < minScore) continue;
    found.push({ x1: boxes[i * 4]! * inputWidth, y1: boxes[i * 4 + 1]! * inputHeight, x2: boxes[i * 4 + 2]! * inputWidth, y2: boxes[i * 4 + 3]! * inputHeight, score });
  }
  return found;
}

/**
 * HyperLPR3 y5fu (YOLOv5-face style): `output` [N, 15] = cx, cy, w, h (input pixels), objectness, 4 corners (8),
 * 2 class scores (single / double row). As HyperLPR3's post-processing: score = objectness · max(class).
 */
export function decodeY5fu(out: Outputs, minScore: number): ScoredBox[] {
  const rows = out.output;
  if (rows === undefined) throw new Error('y5fu output "output" missing');
  const found: ScoredBox[] = [];
  for (let i = 0; i + 15 <= rows.length; i += 15) {
    const obj = rows[i + 4]!;
    if (obj < minScore) continue;
    const score = obj * Math.max(rows[i + 13]!, rows[i + 14]!);
    if (score < minScore) continue;
    const cx = rows[i]!;
    const cy = rows[i + 1]!;
    const w = rows[i + 2]!;
    const h = rows[i + 3]!;
    found.push({ x1: cx - w / 2, y1: cy - h / 2, x2: cx + w / 2, y2: cy + h / 2, score });
  }
  return found;
}

function clamp01(v: number): number {
  return Math.min(1, Math.max(0, v));
}
