/** Count telemetry: line crossings and zone occupancy in time bins, persisted and published like incidents. */
export { DEFAULT_COUNT_BIN_SECONDS, DEFAULT_COUNT_ROLLUP_SECONDS, binPayload, type CountBinPayload, type CountBinState } from './bins.js';
export { CameraCounter, DEFAULT_COUNT_PERSIST_MS } from './camera-counter.js';
export { closeOrphanBins } from './orphan-bins.js';
export type { CountBinSink } from './sink.js';
