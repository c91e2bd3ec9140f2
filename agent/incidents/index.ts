/**
 * Incidents: turns rule hits into incidents (one id from start to end, throttled updates, evidence snapshots),
 * continues them across restarts, and caps what a busy scene sends (flood control, evidence budget).
 */
export { type EndReason, type Incident, type IncidentClipInfo, type IncidentRecord, type OpenIncidentState, type SuspendedIncident } from './types.js';
export { DEFAULT_MIN_UPDATE_GAP_MS, DEFAULT_STALE_MS, DEFAULT_UPDATE_INTERVAL_MS, IncidentLifecycle } from './lifecycle.js';
export { newIncidentId } from './create.js';
export { decideRestore, restoredEnd } from './resume.js';
export { DEFAULT_SNAPSHOT_JPEG_QUALITY, privateFrame, renderSnapshot, renderStill } from './snapshot.js';
export { DEFAULT_EVIDENCE_BYTES_PER_HOUR, EvidenceBudget } from './evidence-budget.js';
export { DEFAULT_FLOOD_MAX_NEW_PER_MINUTE, FloodControl } from './flood-control.js';
