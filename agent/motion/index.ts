/** Motion stage: decides which frames the detector must see, and where in them. */
export { MotionDetector, boundingRegion, DEFAULT_MIN_AREA_FRACTION, DEFAULT_PIXEL_THRESHOLD, type MotionRegion } from './motion-detector.js';
export { InferenceGate, DEFAULT_KEEPALIVE_SECONDS, DEFAULT_EMPTY_SWEEP_SECONDS, DEFAULT_ACTIVE_SPEED_PX_S, type GateReason } from './gate.js';
export { MotionCropper, mergeCropDetections, DEFAULT_FULL_FRAME_EVERY_SECONDS } from './crop.js';
export { IdleMotionCells, DEFAULT_IDLE_AFTER_INFERENCES, DEFAULT_IDLE_FORGET_MS } from './idle-motion.js';
