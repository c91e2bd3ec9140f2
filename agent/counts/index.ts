/** Count telemetry: line crossings and zone occupancy in time bins, persisted and published like incidents. */
export * from './bins.js';
export { CameraCounter, DEFAULT_COUNT_PERSIST_MS, type CameraCounterOptions } from './camera-counter.js';
export type { CountBinSink } from './sink.js';
