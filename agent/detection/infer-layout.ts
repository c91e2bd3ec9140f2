import { CamwatchError } from '../core/index.js';
import { MODEL_LAYOUTS } from './manifest.js';
import type { ModelLayout } from './types.js';
import { DEFAULT_STRIDES_PX } from './layouts/types.js';
import { PICODET_STRIDES_PX } from './layouts/picodet.js';
import type { DetrTensors } from './layouts/detr.js';

/** Name, concrete dims and element type of one model output (from a warm-up run, so no symbolic dims). */
export interface TensorInfo {
  name: string;
  dims: readonly number[];
  type: string;
}

/** What the layout decision needs to know about the model. */
export interface LayoutContext {
  inputWidth: number;
  inputHeight: number;
  /** Number of class names in the manifest's class file. */
  numClasses: number;
  strides?: readonly number[];
  /** Model input names: an `orig_target_sizes` input marks a D-FINE / RT-DETRv2 deploy graph. */
  inputNames?: readonly string[];
}

/** Which output plays which part for the chosen layout. */
export type LayoutBinding = (
  | { layout: 'yolox' | 'yolov5' | 'yolov8'; output: string }
  | { layout: 'nanodet'; levels: { stride: number; cls: string; dis: string }[] }
  | { layout: 'detr'; kind: DetrTensors['kind']; boxes?: string; scores?: string; labels?: string; output?: string }
) & {
  /** true when the manifest named no layout and it was worked out from the outputs. */
  inferred: boolean;
  /** One line for the log: the layout and the evidence. */
  reason: string;
};

type Binding = LayoutBinding;
type Matcher = (outs: readonly TensorInfo[], ctx: LayoutContext, strict: boolean) => Binding | null;

const shape = (t: TensorInfo): string => `${t.name}[${t.dims.join(',')}]`;
const cells = (ctx: LayoutContext, round: (v: number) => number): number =>
  (ctx.strides ?? DEFAULT_STRIDES_PX).reduce((n, s) => n + round(ctx.inputWidth / s) * round(ctx.inputHeight / s), 0);
const rank3 = (t: TensorInfo): boolean => t.dims.length === 3;
const single = (outs: readonly TensorInfo[]): TensorInfo | null => {
  const r3 = outs.filter(rank3);
  return r3.length === 1 ? r3[0]! : null;
};

const matchYolox: Matcher = (outs, ctx, strict) => {
  const t = single(outs);
  if (t === null) return null;
  const g = cells(ctx, Math.floor);
  const ok = strict ? t.dims[1] === g && t.dims[2] === 5 + ctx.numClasses : (t.dims[2] ?? 0) >= 6;
  return ok ? { layout: 'yolox', output: t.name, inferred: false, reason: `${shape(t)} = ${g} grid anchors x (5 + ${ctx.numClasses} classes)` } : null;
};

const matchYolov5: Matcher = (outs, ctx, strict) => {
  const t = single(outs);
  if (t === null) return null;
  const g = 3 * cells(ctx, Math.floor);
  const ok = strict ? t.dims[1] === g && t.dims[2] === 5 + ctx.numClasses : (t.dims[2] ?? 0) >= 6;
  return ok ? { layout: 'yolov5', output: t.name, inferred: false, reason: `${shape(t)} = 3 anchors x ${g / 3} cells x (5 + ${ctx.numClasses} classes)` } : null;
};

const matchYolov8: Matcher = (outs, ctx, strict) => {
  const t = single(outs);
  if (t === null) return null;
  const g = cells(ctx, Math.floor);
  const c = 4 + ctx.numClasses;
  const ok = strict ? (t.dims[1] === c && t.dims[2] === g) || (t.dims[1] === g && t.dims[2] === c) : Math.min(t.dims[1] ?? 0, t.dims[2] ?? 0) >= 5;
  return ok ? { layout: 'yolov8', output: t.name, inferred: false, reason: `${shape(t)} = (4 + ${ctx.numClasses} classes) x ${g} anchors, no objectness` } : null;
};

/** GFL pyramids known without declared strides: NanoDet-m's three levels, PP-PicoDet's four. */
const GFL_PYRAMIDS_PX: readonly (readonly number[])[] = [DEFAULT_STRIDES_PX, PICODET_STRIDES_PX];

/**
 * Pairs of [1,N,C] / [1,N,4k] outputs per pyramid level, N = ceil(W/s) * ceil(H/s). Without declared strides
 * the output count picks the pyramid (two outputs per level): binding a 4-level PicoDet export with NanoDet's
 * three strides would silently drop its stride-64 level, where the large objects are.
 */
const matchNanodet: Matcher = (outs, ctx, strict) => {
  const strides = ctx.strides ?? GFL_PYRAMIDS_PX.find((p) => 2 * p.length === outs.length) ?? DEFAULT_STRIDES_PX;
  const levels: { stride: number; cls: string; dis: string }[] = [];
  for (const s of strides) {
    const n = Math.ceil(ctx.inputWidth / s) * Math.ceil(ctx.inputHeight / s);
    const named = (kind: string): TensorInfo | undefined => outs.find((t) => t.name.includes(`${kind}_pred_stride_${s}`));
    const atLevel = outs.filter((t) => rank3(t) && t.dims[1] === n);
    const cls = named('cls') ?? atLevel.find((t) => t.dims[2] === ctx.numClasses);
    const dis = named('dis') ?? atLevel.find((t) => t !== cls && (t.dims[2] ?? 0) % 4 === 0 && t.dims[2] !== ctx.numClasses);
    if (cls === undefined || dis === undefined) return null;
    if (strict && (cls.dims[1] !== n || dis.dims[1] !== n || cls.dims[2] !== ctx.numClasses)) return null;
    levels.push({ stride: s, cls: cls.name, dis: dis.name });
  }
  if (strict && outs.length !== 2 * strides.length) return null;
  return { layout: 'nanodet', levels, inferred: false, reason: `GFL (NanoDet/PicoDet) class/distance output pairs per stride ${strides.join('/')}: ${outs.map(shape).join(' ')}` };
};

const matchDetr: Matcher = (outs, ctx, strict) => {
  const boxes = outs.find((t) => rank3(t) && t.dims[2] === 4);
  const why = (s: string): string => `${s}: ${outs.map(shape).join(' ')}${ctx.inputNames?.includes('orig_target_sizes') ? ' (input orig_target_sizes)' : ''}`;
  if (boxes !== undefined) {
    const q = boxes.dims[1];
    const perClass = outs.find((t) => t !== boxes && rank3(t) && t.dims[1] === q && (!strict || t.dims[2] !== 4));
    if (perClass !== undefined) {
      return { layout: 'detr', kind: 'classScores', boxes: boxes.name, scores: perClass.name, inferred: false, reason: why('DETR boxes [1,Q,4] + class scores [1,Q,C]') };
    }
    const flat = outs.filter((t) => t.dims.length === 2 && t.dims[1] === q);
    const labels = flat.find((t) => t.type.startsWith('int') || /label/i.test(t.name));
    const scores = flat.find((t) => t !== labels);
    if (labels !== undefined && scores !== undefined) {
      return { layout: 'detr', kind: 'labelled', boxes: boxes.name, scores: scores.name, labels: labels.name, inferred: false, reason: why('DETR boxes [1,Q,4] + scores [1,Q] + labels [1,Q]') };
    }
    return null;
  }
  // Ultralytics RT-DETR: one [1,Q,4+C] output. Strictly, Q must not be a YOLO anchor count (else it is yolov8).
  const t = single(outs);
  if (t === null || outs.length !== 1) return null;
  const q = t.dims[1] ?? 0;
  const g = cells(ctx, Math.floor);
  const ok = strict ? t.dims[2] === 4 + ctx.numClasses && q !== g && q !== 3 * g && q <= 1000 : (t.dims[2] ?? 0) >= 5;
  return ok ? { layout: 'detr', kind: 'combined', output: t.name, inferred: false, reason: why('DETR queries [1,Q,4+C]') } : null;
};

const MATCHERS: Record<ModelLayout, Matcher> = {
  yolox: matchYolox,
  nanodet: matchNanodet,
  yolov8: matchYolov8,
  yolov5: matchYolov5,
  detr: matchDetr,
};

/**
 * Decides which outputs feed which decoder. With a declared layout, only the roles are bound (the decoder
 * checks exact shapes); without one, the layout is inferred from output shapes and the class count, and it
 * must be unambiguous. Either failure is MODEL_LAYOUT, listing the shapes seen and the layouts known.
 */
export function bindLayout(outputs: readonly TensorInfo[], ctx: LayoutContext, declared?: ModelLayout): LayoutBinding {
  const seen = outputs.map(shape).join(', ');
  if (declared !== undefined) {
    const b = MATCHERS[declared](outputs, ctx, false);
    if (b === null) {
      throw new CamwatchError('MODEL_LAYOUT', `the manifest says layout "${declared}", but the model outputs (${seen}) do not fit it; known layouts: ${MODEL_LAYOUTS.join(', ')}`, {
        details: { declared, outputs: outputs.map((o) => ({ name: o.name, dims: [...o.dims] })) },
      });
    }
    return b;
  }
  const found = MODEL_LAYOUTS.map((l) => MATCHERS[l](outputs, ctx, true)).filter((b): b is Binding => b !== null);
  if (found.length !== 1) {
    const what = found.length === 0 ? 'match no known layout' : `fit several layouts (${found.map((b) => b.layout).join(', ')})`;
    throw new CamwatchError(
      'MODEL_LAYOUT',
      `cannot infer the model layout: outputs ${seen} for a ${ctx.inputWidth}x${ctx.inputHeight} input and ${ctx.numClasses} classes ${what}; known layouts: ${MODEL_LAYOUTS.join(', ')}`,
      { details: { outputs: outputs.map((o) => ({ name: o.name, dims: [...o.dims] })), numClasses: ctx.numClasses } },
    );
  }
  return { ...found[0]!, inferred: true };
}
