import type { TensorView } from '../../../agent/detection/layouts/types.js';

/** Builders of synthetic model outputs: a zero tensor with a few hand-set rows, for exact decoder checks. */

export function zeros(dims: number[]): { data: Float32Array; dims: number[] } {
  return { data: new Float32Array(dims.reduce((a, b) => a * b, 1)), dims };
}

/** Writes `values` into row `row` of a [1, N, L] tensor. */
export function setRow(t: TensorView & { data: Float32Array }, row: number, values: readonly number[]): void {
  const len = t.dims[2]!;
  t.data.set(values, row * len);
}

/** Writes column `anchor` of a channels-first [1, L, N] tensor. */
export function setColumn(t: TensorView & { data: Float32Array }, anchor: number, values: readonly number[]): void {
  const n = t.dims[2]!;
  values.forEach((v, c) => { t.data[c * n + anchor] = v; });
}

/** Index of grid cell (gx, gy) at `stride` in a YOLOX-style concatenation of levels (strides ascending). */
export function anchorIndex(inW: number, inH: number, strides: readonly number[], stride: number, gx: number, gy: number, round = Math.floor): number {
  let base = 0;
  for (const s of strides) {
    const gw = round(inW / s);
    if (s === stride) return base + gy * gw + gx;
    base += gw * round(inH / s);
  }
  throw new Error(`stride ${stride} not in ${strides.join(',')}`);
}

/** NanoDet distance logits: one peaked distribution per side (bin b gets 50, others 0 → expectation ≈ b). */
export function peakedSides(bins: number, sides: readonly [number, number, number, number]): number[] {
  const out: number[] = [];
  for (const b of sides) for (let k = 0; k < bins; k++) out.push(k === b ? 50 : 0);
  return out;
}

/**
 * NanoDet distance logits for exact distances in bins: a whole v puts all mass on bin v; v + 0.5 splits it
 * evenly between bins v and v+1 (expectation v + 0.5). Other bins get -1e9 (exp underflows to 0).
 */
export function sideLogits(bins: number, sides: readonly [number, number, number, number]): number[] {
  const out: number[] = [];
  for (const v of sides) for (let k = 0; k < bins; k++) out.push(k === Math.floor(v) || k === Math.ceil(v) ? 0 : -1e9);
  return out;
}
