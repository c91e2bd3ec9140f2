import type { Candidate, DecodeOptions, TensorView } from './types.js';
import { shapeError } from './errors.js';

export interface Yolov8Options extends DecodeOptions {
  /** Number of classes, when known: tells [1,4+C,N] from [1,N,4+C] without guessing. */
  numClasses?: number;
}

/**
 * YOLOv8/v9/v11 export output: [1, 4+C, N] (Ultralytics default) or its transpose [1, N, 4+C]. Per anchor
 * [cx, cy, w, h] in input pixels and C class probabilities; no objectness. One candidate per anchor (best class).
 */
export function decodeYolov8(output: TensorView, options: Yolov8Options): Candidate[] {
  const dims = output.dims;
  const a = dims[1] ?? 0;
  const b = dims[2] ?? 0;
  const c = options.numClasses;
  // Without a class count, the channel axis is the short one (N is thousands of anchors, 4+C rarely above 1000).
  const channelsFirst = c !== undefined ? a === 4 + c : a < b;
  if (dims.length !== 3 || (channelsFirst ? a : b) < 5 || (channelsFirst ? b : a) < 1) {
    throw shapeError('yolov8', 'output', dims, '[1,4+C,N] or [1,N,4+C]');
  }
  if (c !== undefined && (channelsFirst ? a : b) !== 4 + c) {
    throw shapeError('yolov8', 'output', dims, `[1,${4 + c},N] or [1,N,${4 + c}] for ${c} classes`);
  }
  return channelsFirst ? decodeChannelsFirst(output.data, a - 4, b, options.scoreThreshold) : decodeRows(output.data, b - 4, a, options.scoreThreshold);
}

function decodeChannelsFirst(data: ArrayLike<number>, numClasses: number, n: number, threshold: number): Candidate[] {
  // Class-major scan: reads memory in order (a per-anchor scan would jump N floats per class).
  const bestScore = new Float32Array(n).fill(-Infinity);
  const bestClass = new Uint16Array(n);
  for (let c = 0; c < numClasses; c++) {
    const row = (4 + c) * n;
    for (let j = 0; j < n; j++) {
      const v = data[row + j]!;
      if (v > bestScore[j]!) { bestScore[j] = v; bestClass[j] = c; }
    }
  }
  const out: Candidate[] = [];
  for (let j = 0; j < n; j++) {
    const score = bestScore[j]!;
    if (score < threshold) continue;
    const cx = data[j]!;
    const cy = data[n + j]!;
    const w = data[2 * n + j]!;
    const h = data[3 * n + j]!;
    out.push({ classId: bestClass[j]!, score, x1: cx - w / 2, y1: cy - h / 2, x2: cx + w / 2, y2: cy + h / 2 });
  }
  return out;
}

function decodeRows(data: ArrayLike<number>, numClasses: number, n: number, threshold: number): Candidate[] {
  const rowLen = 4 + numClasses;
  const out: Candidate[] = [];
  for (let j = 0; j < n; j++) {
    const base = j * rowLen;
    let best = 0;
    let score = data[base + 4]!;
    for (let c = 1; c < numClasses; c++) {
      const v = data[base + 4 + c]!;
      if (v > score) { score = v; best = c; }
    }
    if (score < threshold) continue;
    const cx = data[base]!;
    const cy = data[base + 1]!;
    const w = data[base + 2]!;
    const h = data[base + 3]!;
    out.push({ classId: best, score, x1: cx - w / 2, y1: cy - h / 2, x2: cx + w / 2, y2: cy + h / 2 });
  }
  return out;
}
