/** Shared shapes for the output decoders: each decoder is a pure function over these. */

/** One output tensor as the decoders see it: flat data in row-major order plus its dims. */
export interface TensorView {
  data: ArrayLike<number>;
  dims: readonly number[];
}

/** A decoded box before NMS, in model-input pixels (top-left x1,y1; bottom-right x2,y2). */
export interface Candidate {
  classId: number;
  score: number;
  x1: number;
  y1: number;
  x2: number;
  y2: number;
}

/** What every decoder needs besides the tensors. */
export interface DecodeOptions {
  /** Model input size in pixels (the grid and normalised boxes are relative to it). */
  inputWidth: number;
  inputHeight: number;
  /** Candidates scoring below this are dropped before NMS. */
  scoreThreshold: number;
}

/** Strides of the three-level feature pyramids used by YOLOX, YOLOv5/v8 and NanoDet-m. */
export const DEFAULT_STRIDES_PX: readonly number[] = [8, 16, 32];
