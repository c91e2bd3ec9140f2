import { DEFAULT_STRIDES_PX, type Candidate, type DecodeOptions, type TensorView } from './types.js';
import { gridCellCount, shapeError } from './errors.js';

export interface YoloxOptions extends DecodeOptions {
  strides?: readonly number[];
}

/**
 * YOLOX head output [1, N, 5+C] (official Megvii export, decode_in_inference=False): per anchor
 * [dx, dy, log w, log h, objectness, C class probabilities], anchors ordered stride by stride, row-major.
 * Box centre = (d + grid cell) * stride, size = exp(l) * stride; score = objectness * class probability.
 * One candidate per anchor (its best class), as the upstream demo does.
 */
export function decodeYolox(output: TensorView, options: YoloxOptions): Candidate[] {
  const strides = options.strides ?? DEFAULT_STRIDES_PX;
  const dims = output.dims;
  const n = dims[1] ?? 0;
  const rowLen = dims[2] ?? 0;
  const expectedN = gridCellCount(options.inputWidth, options.inputHeight, strides, Math.floor);
  if (dims.length !== 3 || rowLen < 6 || n !== expectedN) {
    throw shapeError('yolox', 'output', dims, `[1,${expectedN},5+C] for a ${options.inputWidth}x${options.inputHeight} input, strides ${strides.join('/')}`);
  }
  const data = output.data;
  const threshold = options.scoreThreshold;
  const out: Candidate[] = [];
  let anchor = 0;
  for (const s of strides) {
    const gw = Math.floor(options.inputWidth / s);
    const gh = Math.floor(options.inputHeight / s);
    for (let gy = 0; gy < gh; gy++) {
      for (let gx = 0; gx < gw; gx++, anchor++) {
        const base = anchor * rowLen;
        const obj = data[base + 4]!;
        // score = obj * cls <= obj: most anchors are rejected here without scanning 80 classes.
        if (obj < threshold) continue;
        let best = 0;
        let bestCls = data[base + 5]!;
        for (let c = 1; c < rowLen - 5; c++) {
          const v = data[base + 5 + c]!;
          if (v > bestCls) { bestCls = v; best = c; }
        }
        const score = obj * bestCls;
        if (score < threshold) continue;
        const cx = (data[base]! + gx) * s;
        const cy = (data[base + 1]! + gy) * s;
        const w = Math.exp(data[base + 2]!) * s;
        const h = Math.exp(data[base + 3]!) * s;
        out.push({ classId: best, score, x1: cx - w / 2, y1: cy - h / 2, x2: cx + w / 2, y2: cy + h / 2 });
      }
    }
  }
  return out;
}
