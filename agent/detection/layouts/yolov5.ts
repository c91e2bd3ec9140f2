import type { Candidate, DecodeOptions, TensorView } from './types.js';
import { shapeError } from './errors.js';

/**
 * YOLOv5 (and v7) export output [1, N, 5+C]: per anchor [cx, cy, w, h] already in input pixels, then
 * objectness and C class probabilities (sigmoid applied in the graph). Score = objectness * class.
 * N is 3 anchors per grid cell, so no grid decode is needed here.
 */
export function decodeYolov5(output: TensorView, options: DecodeOptions): Candidate[] {
  const dims = output.dims;
  const n = dims[1] ?? 0;
  const rowLen = dims[2] ?? 0;
  if (dims.length !== 3 || rowLen < 6 || n < 1) throw shapeError('yolov5', 'output', dims, '[1,N,5+C]');
  const data = output.data;
  const threshold = options.scoreThreshold;
  const out: Candidate[] = [];
  for (let i = 0; i < n; i++) {
    const base = i * rowLen;
    const obj = data[base + 4]!;
    if (obj < threshold) continue;
    let best = 0;
    let bestCls = data[base + 5]!;
    for (let c = 1; c < rowLen - 5; c++) {
      const v = data[base + 5 + c]!;
      if (v > bestCls) { bestCls = v; best = c; }
    }
    const score = obj * bestCls;
    if (score < threshold) continue;
    const cx = data[base]!;
    const cy = data[base + 1]!;
    const w = data[base + 2]!;
    const h = data[base + 3]!;
    out.push({ classId: best, score, x1: cx - w / 2, y1: cy - h / 2, x2: cx + w / 2, y2: cy + h / 2 });
  }
  return out;
}
