export {
  END_REASONS,
  INCIDENT_SCHEMA,
  type EndReason,
  type Incident,
  type IncidentRecord,
  type OpenIncidentState,
  type SuspendedIncident,
} from './types.js';
export {
  DEFAULT_RESUME_GRACE_MS,
  DEFAULT_RESUME_PLACE_IOU,
  DEFAULT_RESUME_SLACK_MS,
  DEFAULT_RESUME_TRACK_IOU,
  bboxIou,
  decideRestore,
  findResumable,
  restoredEnd,
  resumeGraceMs,
  resumeMatch,
  ruleFingerprint,
  type RestoreDecision,
  type ResumeMatch,
} from './resume.js';
export {
  DEFAULT_EVIDENCE_COLOUR,
  applyHitDetails,
  createIncident,
  hitOverlay,
  incidentFromHit,
  newIncidentId,
  normaliseBox,
  type IncidentContext,
} from './create.js';
export {
  DEFAULT_MAX_PENDING,
  DEFAULT_MIN_UPDATE_GAP_MS,
  DEFAULT_PENDING_TTL_MS,
  DEFAULT_SAME_PLACE_IOU,
  DEFAULT_SNAPSHOT_GAIN,
  DEFAULT_SNAPSHOT_JUMP,
  DEFAULT_STALE_MS,
  DEFAULT_UPDATE_INTERVAL_MS,
  IncidentLifecycle,
  STATIONARY_RULE_TYPES,
  type LifecycleOptions,
  type SnapshotRenderer,
} from './lifecycle.js';
export { incidentLabels, type IncidentLabels } from './labels.js';
export { DEFAULT_EDGE_PENALTY, DEFAULT_FULL_SIZE_FRACTION, snapshotQuality, type QualityInput } from './quality.js';
export {
  DEFAULT_BOX_COLOUR,
  DEFAULT_LINE_COLOUR,
  DEFAULT_SNAPSHOT_JPEG_QUALITY,
  DEFAULT_ZONE_COLOUR,
  overlaySvg,
  renderSnapshot,
  type OverlayPoint,
  type Snapshot,
  type SnapshotOptions,
  type SnapshotOverlay,
} from './snapshot.js';
export { EvidenceBudget } from './evidence-budget.js';
export { FloodControl } from './flood-control.js';
