export { INCIDENT_SCHEMA, type Incident, type IncidentRecord } from './types.js';
export { createIncident, newIncidentId, normaliseBox, type IncidentContext } from './create.js';
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
