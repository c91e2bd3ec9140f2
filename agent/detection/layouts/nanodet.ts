import { DEFAULT_STRIDES_PX, type Candidate, type DecodeOptions, type TensorView } from './types.js';
import { shapeError } from './errors.js';

/** NanoDet-m's GFL head predicts each side as a distribution over 0..7 (reg_max = 7) stride units. */
export const DEFAULT_NANODET_REG_MAX = 7;

export interface NanodetLevel {
  stride: number;
  /** cls_pred_stride_S: [1, N, C] class probabilities (sigmoid already in the graph). */
  cls: TensorView;
  /** dis_pred_stride_S: [1, N, 4*(regMax+1)] raw logits of the left/top/right/bottom distance distributions. */
  dis: TensorView;
}

export interface NanodetOptions extends DecodeOptions {
  regMax?: number;
}

/**
 * NanoDet v0.x (GFL head) outputs, one cls/dis pair per stride; PP-PicoDet exports are the same maths on four
 * strides (see picodet.ts). For grid cell (gx, gy) on a ceil(W/s) x ceil(H/s)
 * grid, the centre is ((gx+0.5)s, (gy+0.5)s) as in upstream gfl_head.get_single_level_center_point; each side
 * distance is the expectation of softmax(logits) over bins 0..regMax, times the stride (upstream Integral).
 */
export function decodeNanodet(levels: readonly NanodetLevel[], options: NanodetOptions): Candidate[] {
  const regMax = options.regMax ?? DEFAULT_NANODET_REG_MAX;
  const bins = regMax + 1;
  const threshold = options.scoreThreshold;
  const out: Candidate[] = [];
  const dist = new Float64Array(4);
  for (const level of levels) {
    const s = level.stride;
    const gw = Math.ceil(options.inputWidth / s);
    const gh = Math.ceil(options.inputHeight / s);
    const n = gw * gh;
    const cd = level.cls.dims;
    const dd = level.dis.dims;
    const numClasses = cd[2] ?? 0;
    if (cd.length !== 3 || cd[1] !== n || numClasses < 1) throw shapeError('nanodet', `cls_pred_stride_${s}`, cd, `[1,${n},C]`);
    if (dd.length !== 3 || dd[1] !== n || dd[2] !== 4 * bins) throw shapeError('nanodet', `dis_pred_stride_${s}`, dd, `[1,${n},${4 * bins}]`);
    const cls = level.cls.data;
    const dis = level.dis.data;
    for (let i = 0; i < n; i++) {
      const base = i * numClasses;
      let best = 0;
      let score = cls[base]!;
      for (let c = 1; c < numClasses; c++) {
        const v = cls[base + c]!;
        if (v > score) { score = v; best = c; }
      }
      if (score < threshold) continue;
      for (let side = 0; side < 4; side++) dist[side] = expectation(dis, (i * 4 + side) * bins, bins) * s;
      const cx = ((i % gw) + 0.5) * s;
      const cy = (Math.floor(i / gw) + 0.5) * s;
      out.push({ classId: best, score, x1: cx - dist[0]!, y1: cy - dist[1]!, x2: cx + dist[2]!, y2: cy + dist[3]! });
    }
  }
  return out;
}

/** Expected bin index under softmax(logits[offset .. offset+bins)); max-subtracted for stability. */
function expectation(logits: ArrayLike<number>, offset: number, bins: number): number {
  let max = -Infinity;
  for (let k = 0; k < bins; k++) max = Math.max(max, logits[offset + k]!);
  let sum = 0;
  let weighted = 0;
  for (let k = 0; k < bins; k++) {
    const e = Math.exp(logits[offset + k]! - max);
    sum += e;
    weighted += e * k;
  }
  return weighted / sum;
}
