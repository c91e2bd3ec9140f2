/** Motion stage: decides which frames the detector must see. */
export { MotionDetector, type MotionOptions, type MotionResult } from './motion-detector.js';
export { InferenceGate, DEFAULT_ACTIVE_SPEED_PX_S, DEFAULT_KEEPALIVE_SECONDS, type GateReason } from './gate.js';
