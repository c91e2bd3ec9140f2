import { CamwatchError } from '../../core/index.js';

/** A tensor whose shape does not fit the layout: the manifest names the wrong layout, or the export differs. */
export function shapeError(layout: string, tensor: string, dims: readonly number[], expected: string): CamwatchError {
  return new CamwatchError(
    'MODEL_LAYOUT',
    `${layout} decoder: output "${tensor}" has shape [${dims.join(',')}], expected ${expected}`,
    { details: { layout, tensor, dims: [...dims] } },
  );
}

/** Number of grid cells over all strides; a decoder uses it to check the anchor count of an output. */
export function gridCellCount(inputWidth: number, inputHeight: number, strides: readonly number[], round: (v: number) => number): number {
  let n = 0;
  for (const s of strides) n += round(inputWidth / s) * round(inputHeight / s);
  return n;
}
