/** Motion stage: decides which frames the detector must see, and where in them. */
export { MotionDetector, DEFAULT_MOTION_WIDTH_PX, type MotionOptions, type MotionRegion, type MotionResult } from './motion-detector.js';
export { InferenceGate, DEFAULT_ACTIVE_SPEED_PX_S, DEFAULT_KEEPALIVE_SECONDS, DEFAULT_EMPTY_SWEEP_SECONDS, type GateReason } from './gate.js';
export { MotionCropper, cropImage, cropWindow, mergeCropDetections, DEFAULT_CROP_MARGIN_PX, DEFAULT_FULL_FRAME_EVERY_SECONDS, type CropRect } from './crop.js';
