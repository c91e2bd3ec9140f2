import { formatSourceError, type SourceStateChange } from '../frames/index.js';
import type { Incident, IncidentRecord } from '../incidents/index.js';
import { redactUrl } from '../core/index.js';
import { ruleTypeInfo } from '../rules/index.js';

export type SnapshotMode = 'inline' | 'topic' | 'none';

/**
 * The published incident event: Incident fields as they were at this event, with `snapshot: inline` the
 * JPEG as base64 in `snapshot.data`, and `historical: true` on a replay (see isHistorical).
 */
export type IncidentPayload = Omit<Incident, 'snapshot'> & {
  snapshot?: Partial<NonNullable<Incident['snapshot']>> & {
    contentType: 'image/jpeg';
    /** Base64 JPEG (snapshot: inline, within the size cap). */
    data?: string;
    /** Where the raw JPEG was published just before this event (snapshot: topic). */
    topic?: string;
    /** Why an inline snapshot was left out. */
    omitted?: string;
  };
  historical?: true;
  /** The ONVIF event topic meaning the same as `type` (first of the catalogue's), when one exists. */
  onvifTopic?: string;
};

/** How an event goes out: its snapshot mode, and whether it is a replay. */
export interface PayloadOptions {
  historical?: boolean;
  /** snapshot: topic — the evidence topic the JPEG goes to. */
  evidenceTopic?: string;
  /** snapshot: inline — larger JPEGs are left out of the event (brokers cap message size). */
  maxInlineBytes?: number;
}

/** Inline snapshots above this are left out: a 640 px JPEG is 30–80 KB; brokers often cap messages at 256 KB–1 MB. */
export const DEFAULT_MAX_INLINE_SNAPSHOT_BYTES = 256 * 1024;

/** An event published this long (ms) after it was stored is a replay even on the current connection (a slow drain). */
export const DEFAULT_HISTORICAL_AFTER_MS = 5 * 60_000;

/**
 * A replay is an event stored before the current broker connection started (queued during an outage or
 * before a restart), one queued again by `camwatch incidents resend`, or one published more than
 * `historicalAfterMs` after it was stored. The IOC uses the flag to keep replays out of live alarms (pure).
 */
export function isHistorical(
  row: { createdAtMs: number; resendOf?: number },
  connectedAtMs: number,
  age: { nowMs: number; historicalAfterMs?: number } = { nowMs: row.createdAtMs },
): boolean {
  if (row.resendOf !== undefined || row.createdAtMs < connectedAtMs) return true;
  return age.nowMs - row.createdAtMs > (age.historicalAfterMs ?? DEFAULT_HISTORICAL_AFTER_MS);
}

/**
 * The Incident fields, listed rather than spread: the payload leaves the box, so a property that got
 * attached to the object at runtime (a config fragment, a credential) must not ride along.
 */
const INCIDENT_FIELDS = [
  'schema', 'id', 'agentId', 'cameraId', 'cameraName', 'location', 'type', 'category', 'severity', 'status',
  'title', 'ruleId', 'ruleName', 'zoneId', 'zoneName', 'lineId', 'lineName', 'direction', 'className', 'score', 'trackId',
  'bbox', 'startedAt', 'durationSeconds', 'counts', 'updatedAt', 'endedAt', 'endReason', 'sequence', 'evidenceTrackId', 'riders', 'objectCount', 'occupancy',
  'speedKmh', 'reason', 'metrics', 'folded', 'clip',
] as const satisfies readonly (keyof Incident)[];

/** Builds the published object (pure). */
export function incidentPayload(record: IncidentRecord, mode: SnapshotMode, options: PayloadOptions = {}): IncidentPayload {
  const src = record.incident;
  const out: Record<string, unknown> = {};
  for (const key of INCIDENT_FIELDS) {
    if (src[key] !== undefined) out[key] = src[key];
  }
  // Events stored before every event carried one (line_crossing's one-shot `new`s) go out as what they were:
  // the first event of their incident. The sequence is required by the schema: the IOC de-duplicates on it.
  out.sequence = src.sequence ?? 1;
  const jpeg = record.snapshotJpeg;
  const meta = src.snapshot;
  if (meta !== undefined || jpeg !== undefined) {
    const snapshot: NonNullable<IncidentPayload['snapshot']> = { contentType: 'image/jpeg' };
    if (meta !== undefined) {
      if (meta.width !== undefined) snapshot.width = meta.width;
      if (meta.height !== undefined) snapshot.height = meta.height;
      snapshot.bytes = meta.bytes;
    }
    if (jpeg !== undefined) {
      snapshot.bytes = jpeg.length;
      if (mode === 'topic' && options.evidenceTopic !== undefined) snapshot.topic = options.evidenceTopic;
      else if (mode === 'inline' && jpeg.length <= (options.maxInlineBytes ?? DEFAULT_MAX_INLINE_SNAPSHOT_BYTES)) snapshot.data = jpeg.toString('base64');
      else if (mode === 'inline') snapshot.omitted = 'larger than mqtt.maxInlineSnapshotBytes; use mqtt.snapshot: topic';
    } else if (meta?.omitted !== undefined) {
      // Never stored (the camera's evidence budget): say so whatever the mode.
      snapshot.omitted = meta.omitted;
    } else if (mode !== 'none') {
      // The event had a picture, but it was gone before the event went out: pruned by the store quota, or
      // unreadable in a damaged store (sent without it rather than holding the outbox back, outbox-statements.ts).
      snapshot.omitted = 'not in the store when this event was sent (pruned by the store quota, or lost to store damage)';
    }
    out.snapshot = snapshot;
  }
  // The ONVIF rule-engine / VideoSource event topic of the same meaning, for IOCs that speak ONVIF names.
  const onvifTopic = ruleTypeInfo(src.type)?.onvifTopics[0];
  if (onvifTopic !== undefined) out.onvifTopic = onvifTopic;
  if (options.historical === true) out.historical = true;
  return out as IncidentPayload;
}

/** The MQTT payload bytes of an incident (UTF-8 JSON). */
export function renderIncidentPayload(record: IncidentRecord, mode: SnapshotMode, options: PayloadOptions = {}): Buffer {
  return Buffer.from(JSON.stringify(incidentPayload(record, mode, options)), 'utf8');
}

/** Retained on the status topic. `state` is what dashboards key on; the rest is for people. */
export interface StatusPayload {
  state: 'online' | 'offline';
  agentId: string;
  /** ISO time the state was published; absent in the Last Will, which the broker sends later on our behalf. */
  at?: string;
  reason?: 'shutdown' | 'connection-lost';
}

export function renderStatusPayload(status: StatusPayload): Buffer {
  return Buffer.from(JSON.stringify(status), 'utf8');
}

/** Retained on a camera's state topic. */
export function renderCameraStatePayload(change: SourceStateChange): Buffer {
  const body: Record<string, unknown> = {
    cameraId: change.cameraId,
    state: change.state,
    reconnects: change.reconnects,
    at: new Date(change.atMs).toISOString(),
  };
  // The frames stage promises lastError carries no credentials; URLs are scrubbed again anyway, since
  // this leaves the box.
  if (change.lastError !== undefined) body.lastError = redactUrl(formatSourceError(change.lastError));
  return Buffer.from(JSON.stringify(body), 'utf8');
}
