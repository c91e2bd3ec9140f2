import type { Category, Severity } from '../rules/types.js';
import type { FoldedSummary } from './flood-control.js';

export const INCIDENT_SCHEMA = 'camwatch.incident/1';

/** What the IOC receives (JSON), minus evidence bytes. */
export interface Incident {
  schema: typeof INCIDENT_SCHEMA;
  /** ULID: sortable by time, unique across boxes. */
  id: string;
  agentId: string;
  cameraId: string;
  cameraName?: string;
  location?: { lat?: number; lon?: number; address?: string };
  type: string;
  category: Category;
  severity: Severity;
  /** `summary`: one event per rule and minute standing for the incidents flood control folded (see `folded`). */
  status: 'new' | 'update' | 'end' | 'summary';
  title: { vi: string; en: string };
  ruleId: string;
  zoneId?: string;
  lineId?: string;
  direction?: 'in' | 'out';
  className: string;
  score: number;
  trackId: number;
  /** [x, y, w, h], normalised 0..1 of the frame: independent of stream resolution. */
  bbox: [number, number, number, number];
  startedAt: string;
  /** Seconds the condition has lasted (dwell, time stationary, crowd duration); final on `end`. */
  durationSeconds?: number;
  counts?: Record<string, { in: number; out: number }>;
  snapshot?: { contentType: 'image/jpeg'; width?: number; height?: number; bytes: number; /** Why the picture was not kept (evidence budget). */ omitted?: string };
  /** Time of this update (status `update` / `end`). */
  updatedAt?: string;
  /** When the incident closed (status `end`). */
  endedAt?: string;
  /** Events sent for this incident so far, this one included (1 for `new`): orders events of one id. */
  sequence?: number;
  /** Another track shown in the evidence (the person next to a dumped object). */
  evidenceTrackId?: number;
  /** Objects counted (crowd, congestion). */
  objectCount?: number;
  /** Share (0..1) of the zone covered (congestion). */
  occupancy?: number;
  /** Ground speed (km/h), when the camera is calibrated. */
  speedKmh?: number;
  /** Why a camera health rule fired (`uniform`, `scene_change`, `blur`, `no_frames…`) and the numbers behind it. */
  reason?: string;
  metrics?: Record<string, number>;
  /** Status `summary`: the incidents of this rule flood control folded in one minute (agent/incidents/flood-control.ts). */
  folded?: FoldedSummary;
}

/** An incident and its evidence, as handed to the store. */
export interface IncidentRecord {
  incident: Incident;
  snapshotJpeg?: Buffer;
}
