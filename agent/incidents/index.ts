/**
 * Incidents: turns rule hits into incidents (one id from start to end, throttled updates, evidence snapshots),
 * continues them across restarts, and caps what a busy scene sends (flood control, evidence budget).
 */
export {
  END_REASONS,
  INCIDENT_SCHEMA,
  type EndReason,
  type FoldedSummary,
  type Incident,
  type IncidentRecord,
  type OpenIncidentState,
  type SuspendedIncident,
} from './types.js';
export type { IncidentCamera, IncidentLine, IncidentRule, IncidentZone } from './camera.js';
export {
  DEFAULT_MIN_UPDATE_GAP_MS,
  DEFAULT_STALE_MS,
  DEFAULT_UPDATE_INTERVAL_MS,
  IncidentLifecycle,
  type LifecycleOptions,
  type SnapshotRenderer,
} from './lifecycle.js';
export { newIncidentId } from './create.js';
export { decideRestore, restoredEnd, type RestoreDecision } from './resume.js';
export { DEFAULT_SNAPSHOT_JPEG_QUALITY, renderSnapshot, type Snapshot, type SnapshotOptions, type SnapshotOverlay } from './snapshot.js';
export { DEFAULT_EVIDENCE_BYTES_PER_HOUR, EvidenceBudget } from './evidence-budget.js';
export { DEFAULT_FLOOD_MAX_NEW_PER_MINUTE, FloodControl, type FloodControlOptions } from './flood-control.js';
