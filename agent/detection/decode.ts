import type { LayoutBinding } from './infer-layout.js';
import type { ModelDecodeOptions } from './manifest.js';
import { decodeDetr, DETR_DEFAULTS, type DetrTensors } from './layouts/detr.js';
import { decodeNanodet } from './layouts/nanodet.js';
import type { Candidate, DecodeOptions, TensorView } from './layouts/types.js';
import { decodeYolov5 } from './layouts/yolov5.js';
import { decodeYolov8 } from './layouts/yolov8.js';
import { decodeYolox } from './layouts/yolox.js';

export interface DispatchOptions extends DecodeOptions {
  numClasses: number;
  decode?: ModelDecodeOptions;
}

/** Runs the decoder chosen by `binding` over one image's outputs (batch dim 1), giving boxes in model-input pixels. */
export function decodeOutputs(binding: LayoutBinding, outputs: Readonly<Record<string, TensorView>>, options: DispatchOptions): Candidate[] {
  const get = (name: string | undefined): TensorView => {
    const t = name === undefined ? undefined : outputs[name];
    if (t === undefined) throw new Error(`decode: output "${String(name)}" missing from the run result`);
    return t;
  };
  const base: DecodeOptions = { inputWidth: options.inputWidth, inputHeight: options.inputHeight, scoreThreshold: options.scoreThreshold };
  const strides = options.decode?.strides;
  switch (binding.layout) {
    case 'yolox':
      return decodeYolox(get(binding.output), strides === undefined ? base : { ...base, strides });
    case 'yolov5':
      return decodeYolov5(get(binding.output), base);
    case 'yolov8':
      return decodeYolov8(get(binding.output), { ...base, numClasses: options.numClasses });
    case 'nanodet': {
      const levels = binding.levels.map((l) => ({ stride: l.stride, cls: get(l.cls), dis: get(l.dis) }));
      const regMax = options.decode?.regMax;
      return decodeNanodet(levels, regMax === undefined ? base : { ...base, regMax });
    }
    case 'detr': {
      const tensors: DetrTensors =
        binding.kind === 'combined'
          ? { kind: 'combined', output: get(binding.output) }
          : binding.kind === 'labelled'
            ? { kind: 'labelled', boxes: get(binding.boxes), scores: get(binding.scores), labels: get(binding.labels) }
            : { kind: 'classScores', boxes: get(binding.boxes), scores: get(binding.scores) };
      const d = { ...DETR_DEFAULTS[binding.kind] };
      if (options.decode?.boxFormat !== undefined) d.boxFormat = options.decode.boxFormat;
      if (options.decode?.normalized !== undefined) d.normalized = options.decode.normalized;
      if (options.decode?.activation !== undefined) d.activation = options.decode.activation;
      return decodeDetr(tensors, { ...base, ...d });
    }
  }
}
