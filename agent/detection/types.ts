import type { Box, RgbImage } from '../core/index.js';

export type { Box, RgbImage };


export interface Detection {
  classId: number;
  className: string;
  score: number;
  box: Box;
  /** Persons fused onto this two-wheeler (tracking/rider-fusion.ts); absent on plain detections. */
  riders?: number;
}

/** Output layouts the decoders understand; chosen by the model manifest (or inferred). */
export type ModelLayout = 'yolox' | 'nanodet' | 'yolov8' | 'yolov5' | 'detr';

export interface ModelInfo {
  name: string;
  layout: ModelLayout;
  inputWidth: number;
  inputHeight: number;
  classNames: readonly string[];
}

/** One ONNX session shared by every camera. Calls are serialised inside. */
export interface Detector {
  readonly model: ModelInfo;
  detect(image: RgbImage): Promise<Detection[]>;
  close(): Promise<void>;
}
