/** Detection stage: one ONNX model shared by all cameras, RGB frames in, boxes in frame pixels out. */
import { createOnnxDetector, type DetectorOptions, type OnnxDetector } from './onnx-detector.js';

export type { Box, Detection, Detector, ModelInfo, ModelLayout, RgbImage } from './types.js';
export type { DetectorOptions, ModelRunStats, OnnxDetector } from './onnx-detector.js';
export { DEFAULT_NMS_IOU_THRESHOLD, DEFAULT_SCORE_THRESHOLD } from './onnx-detector.js';
export type { PostfilterOptions, ClassRemap } from './postfilter.js';
export { COCO_COARSE_REMAP } from './postfilter.js';
export { findModel, loadManifest, resolveModelFile, type ModelEntry, type ModelManifest } from './manifest.js';
export { checkModelPin, judgeModelPin, pinAdvice, readModelPins, MODEL_PINS_FILE, type ModelPin, type PinVerdict } from './model-pin.js';
export { DetectorScheduler, type DetectOutcome, type DetectRequest, type SchedulableDetector, type SchedulerOptions, type SchedulerStats, type TimedImage } from './scheduler.js';
export { defaultIntraOpThreads } from './session.js';
export { createWorkerDetector } from './worker-detector.js';

/** Creates the shared detector (session opened once, calls serialised). */
export function createDetector(options: DetectorOptions): Promise<OnnxDetector> {
  return createOnnxDetector(options);
}
export { remapTargets } from './postfilter.js';
