/** Detection stage: one ONNX model shared by all cameras, RGB frames in, boxes in frame pixels out. */
import { createOnnxDetector, type DetectorOptions, type OnnxDetector } from './onnx-detector.js';

export type { Box, Detection, Detector, RgbImage } from './types.js';
export type { DetectorOptions, OnnxDetector } from './onnx-detector.js';
export { DEFAULT_NMS_IOU_THRESHOLD, DEFAULT_SCORE_THRESHOLD } from './onnx-detector.js';
export { remapTargets } from './postfilter.js';
export { nms } from './nms.js';
export { planTiles, mergeTileDetections, DEFAULT_MAX_TILES, DEFAULT_MIN_TILE_OVERLAP_PX } from './tiles.js';
export { findModel, loadManifest, resolveModelFile, sha256File } from './manifest.js';
export { checkModelPin, pinAdvice, MODEL_PINS_FILE } from './model-pin.js';
export { DetectorScheduler, type SchedulableDetector } from './scheduler.js';
export { DetectorPool } from './detector-pool.js';
export { maxDetectorWorkers } from './pool-size.js';
export { DEFAULT_DETECTOR_BUSY_WARN } from './busy-meter.js';
export { createOrtSession, defaultIntraOpThreads } from './session.js';
export { createWorkerDetector } from './worker-detector.js';

/** Creates the shared detector (session opened once, calls serialised). */
export function createDetector(options: DetectorOptions): Promise<OnnxDetector> {
  return createOnnxDetector(options);
}
