import type { Category, Severity } from '../rules/index.js';

export const INCIDENT_SCHEMA = 'camwatch.incident/1';

/**
 * Why an incident ended (on `end` events): `cleared` the rule saw the condition end; `stale` the rule
 * stopped reporting it; `stream_changed` the stream's frame size changed and the rules were rebuilt;
 * `agent_restart` it was open when the agent stopped or lost power and was not seen again within the grace
 * period after the restart; `camera_reload` the camera's config changed on a reload (its rule changed, or the
 * condition was not seen again after the reload); `rule_removed` its rule (or camera) no longer exists;
 * `agent_stop` the analysis of the camera stopped for good (end of an evaluated clip).
 */
export const END_REASONS = ['cleared', 'stale', 'stream_changed', 'agent_restart', 'camera_reload', 'rule_removed', 'agent_stop'] as const;
export type EndReason = (typeof END_REASONS)[number];

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
  /** The rule's, zone's and line's `name` from the config, when set: what an operator reads. */
  ruleName?: string;
  zoneId?: string;
  zoneName?: string;
  lineId?: string;
  lineName?: string;
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
  /**
   * The evidence clip (cameras[].clips): set on the events published once it exists. `url`: where the box
   * uploads it (clips.upload, without the query string); otherwise the `clip` command returns it.
   */
  clip?: IncidentClipInfo;
  /** Time of this update (status `update` / `end`). */
  updatedAt?: string;
  /** When the incident closed (status `end`): the last time its condition was seen. */
  endedAt?: string;
  /** Why it closed (status `end`). */
  endReason?: EndReason;
  /** Events sent for this incident so far, this one included (1 for `new`): orders events of one id. Always set. */
  sequence: number;
  /** Another track shown in the evidence (the person next to a dumped object). */
  evidenceTrackId?: number;
  /** Persons riding the two-wheeler (rider fusion: a motorbike with 2 riders is one vehicle, riders 2). */
  riders?: number;
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

/** What an incident event says of its evidence clip. */
export interface IncidentClipInfo {
  contentType: 'video/mp4';
  durationSeconds: number;
  bytes: number;
  /** Hex SHA-256 of the MP4: the IOC checks the file it fetched against it. */
  sha256: string;
  /** ISO 8601 wall time of the clip's first and last frame. */
  from: string;
  to: string;
  url?: string;
}

/** An incident and its evidence, as handed to the store. */
export interface IncidentRecord {
  incident: Incident;
  snapshotJpeg?: Buffer;
  /** The same picture without the overlay (kept on the box beside snapshotJpeg; not sent). */
  cleanJpeg?: Buffer;
  /** `new` events: a still of the main stream at full resolution, box drawn (stills.fullResolution; kept, not sent). */
  fullJpeg?: Buffer;
  /**
   * The lifecycle state of the incident after this event, saved with it in the same transaction so a restart
   * can continue it (see resume.ts). Absent on `end` events and one-shot incidents: nothing left to continue.
   */
  open?: OpenIncidentState;
}

/** What the lifecycle needs to continue an open incident after a restart or reload (JSON in the store). */
export interface OpenIncidentState {
  /** The rule's key of the condition when it was saved (a new process's rules use other keys). */
  key: string;
  ruleId: string;
  ruleType: string;
  /** Fingerprint of the rule's config (and its zone or line): a different one after a reload ends the incident. */
  ruleFingerprint: string;
  zoneId?: string;
  /** The object's box, normalised [x, y, w, h] as in `Incident.bbox`, for matching by place. */
  bbox: [number, number, number, number];
  sequence: number;
  startMs: number;
  lastHitMs: number;
  lastSentMs: number;
  /** Quality of the snapshot the IOC has; the evidence locked at the start stays the incident's picture. */
  bestQuality: number;
  evidenceLocked: boolean;
  acked: boolean;
  /** Seconds added to the rule's duration once the incident continued under a new rule episode. */
  durationOffsetSeconds: number;
}

/** An open incident handed from a stopped lifecycle (or the store) to a new one. */
export interface SuspendedIncident {
  state: OpenIncidentState;
  /** The incident as at its last saved event. */
  incident: Incident;
}

/** What a summary event adds to the incident fields (docs/mqtt.md, status `summary`). */
export interface FoldedSummary {
  /** Incidents of this rule folded in the window. */
  count: number;
  /** Folded incidents per class. */
  byClass: Record<string, number>;
  /** Their ids, oldest first (at most DEFAULT_FLOOD_MAX_IDS; `count` is exact). */
  ids: string[];
  /** ISO 8601 window [start, end) the cap applies to. */
  windowStart: string;
  windowEnd: string;
  /** The cap that was reached (`flood.maxNewPerMinute`). */
  maxNewPerMinute: number;
}
