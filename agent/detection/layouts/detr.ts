import type { Candidate, DecodeOptions, TensorView } from './types.js';
import { shapeError } from './errors.js';

/** How DETR-family boxes are written. */
export type DetrBoxFormat = 'cxcywh' | 'xyxy';

/**
 * The three ways DETR-family exports hand out their Q queries:
 * - `classScores`: boxes [1,Q,4] + per-class scores [1,Q,C] (RT-DETR raw head, RF-DETR `dets`/`labels`);
 * - `labelled`: boxes [1,Q,4] + scores [1,Q] + labels [1,Q] (D-FINE / RT-DETRv2 deploy graphs with postprocessor);
 * - `combined`: one tensor [1,Q,4+C], boxes first (Ultralytics RT-DETR export).
 */
export type DetrTensors =
  | { kind: 'classScores'; boxes: TensorView; scores: TensorView }
  | { kind: 'labelled'; boxes: TensorView; scores: TensorView; labels: TensorView }
  | { kind: 'combined'; output: TensorView };

export interface DetrOptions extends DecodeOptions {
  boxFormat: DetrBoxFormat;
  /** true: boxes are fractions of the input size; false: input pixels. */
  normalized: boolean;
  /** sigmoid: scores are logits (RT-DETR/RF-DETR raw heads); none: already probabilities. */
  activation: 'sigmoid' | 'none';
}

/** Defaults per kind, matching the upstream exports named above; the manifest `decode` block may override them. */
export const DETR_DEFAULTS: Record<DetrTensors['kind'], Pick<DetrOptions, 'boxFormat' | 'normalized' | 'activation'>> = {
  classScores: { boxFormat: 'cxcywh', normalized: true, activation: 'sigmoid' },
  // D-FINE's postprocessor scales xyxy boxes by the orig_target_sizes input, which the detector sets to the input size.
  labelled: { boxFormat: 'xyxy', normalized: false, activation: 'none' },
  combined: { boxFormat: 'cxcywh', normalized: true, activation: 'none' },
};

/**
 * DETR-family decoder: one candidate per query above the threshold, best class per query. These models are
 * trained set-to-set and need no NMS, though running class-wise NMS on their output is harmless.
 */
export function decodeDetr(tensors: DetrTensors, options: DetrOptions): Candidate[] {
  const { q, boxes, boxStride, boxOffset } = boxSource(tensors);
  // sigmoid is monotonic: compare raw logits with logit(threshold) and only squash the survivors.
  const sig = options.activation === 'sigmoid';
  const t = options.scoreThreshold;
  const cut = sig ? (t <= 0 ? -Infinity : t >= 1 ? Infinity : Math.log(t / (1 - t))) : t;
  const out: Candidate[] = [];
  for (let i = 0; i < q; i++) {
    const best = bestClass(tensors, i);
    if (best.raw < cut) continue;
    const score = sig ? 1 / (1 + Math.exp(-best.raw)) : best.raw;
    const base = i * boxStride + boxOffset;
    out.push({ classId: best.classId, score, ...toXyxy(boxes, base, options) });
  }
  return out;
}

function boxSource(t: DetrTensors): { q: number; boxes: ArrayLike<number>; boxStride: number; boxOffset: number } {
  if (t.kind === 'combined') {
    const d = t.output.dims;
    if (d.length !== 3 || (d[2] ?? 0) < 5) throw shapeError('detr', 'output', d, '[1,Q,4+C]');
    return { q: d[1]!, boxes: t.output.data, boxStride: d[2]!, boxOffset: 0 };
  }
  const bd = t.boxes.dims;
  const q = bd[1] ?? 0;
  if (bd.length !== 3 || bd[2] !== 4) throw shapeError('detr', 'boxes', bd, '[1,Q,4]');
  const sd = t.scores.dims;
  if (t.kind === 'classScores' && (sd.length !== 3 || sd[1] !== q)) throw shapeError('detr', 'scores', sd, `[1,${q},C]`);
  if (t.kind === 'labelled') {
    if (sd.length !== 2 || sd[1] !== q) throw shapeError('detr', 'scores', sd, `[1,${q}]`);
    const ld = t.labels.dims;
    if (ld.length !== 2 || ld[1] !== q) throw shapeError('detr', 'labels', ld, `[1,${q}]`);
  }
  return { q, boxes: t.boxes.data, boxStride: 4, boxOffset: 0 };
}

function bestClass(t: DetrTensors, i: number): { classId: number; raw: number } {
  if (t.kind === 'labelled') return { classId: Math.round(t.labels.data[i]!), raw: t.scores.data[i]! };
  const view = t.kind === 'combined' ? t.output : t.scores;
  const rowLen = view.dims[2]!;
  const first = t.kind === 'combined' ? 4 : 0;
  const data = view.data;
  const base = i * rowLen;
  let classId = 0;
  let raw = data[base + first]!;
  for (let c = first + 1; c < rowLen; c++) {
    const v = data[base + c]!;
    if (v > raw) { raw = v; classId = c - first; }
  }
  return { classId, raw };
}

function toXyxy(d: ArrayLike<number>, base: number, o: DetrOptions): Omit<Candidate, 'classId' | 'score'> {
  const sx = o.normalized ? o.inputWidth : 1;
  const sy = o.normalized ? o.inputHeight : 1;
  const a = d[base]! * sx;
  const b = d[base + 1]! * sy;
  const c = d[base + 2]! * sx;
  const e = d[base + 3]! * sy;
  if (o.boxFormat === 'xyxy') return { x1: a, y1: b, x2: c, y2: e };
  return { x1: a - c / 2, y1: b - e / 2, x2: a + c / 2, y2: b + e / 2 };
}
