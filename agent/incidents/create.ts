import { monotonicFactory } from 'ulid';
import type { Box } from '../detection/index.js';
import type { Frame } from '../frames/index.js';
import type { RuleHit } from '../rules/index.js';
import type { IncidentCamera } from './camera.js';
import { incidentLabels } from './labels.js';
import { renderStill, type SnapshotOptions, type SnapshotOverlay } from './snapshot.js';
import type { StillPrivacy } from '../privacy/index.js';
import { INCIDENT_SCHEMA, type Incident, type IncidentRecord } from './types.js';

/** Colour of the evidence track's box (the person next to a dumped object): distinct from the object's red. */
export const DEFAULT_EVIDENCE_COLOUR = '#00e05a';

/** Decimal places kept in normalised bboxes: 1e-4 of a 1920 px frame is 0.2 px. */
const BBOX_DECIMALS = 4;

/**
 * One process-wide monotonic factory: two incidents created in the same millisecond (two rules firing
 * on one frame) still get ids that sort in creation order, which the outbox and the IOC rely on.
 */
const nextUlid = monotonicFactory();

/** A new incident id: a ULID seeded with `nowMs`, strictly greater than every id issued before it. */
export function newIncidentId(nowMs: number = Date.now()): string {
  return nextUlid(nowMs);
}

/** Where an incident comes from (agent, camera) and how to make its evidence. */
export interface IncidentContext {
  agentId: string;
  camera: IncidentCamera;
  /** Clock for the id's time part (epoch ms); injectable for tests. */
  now?: () => number;
  /** false → no snapshot (e.g. evidence disabled); otherwise JPEG options. */
  snapshot?: SnapshotOptions | false;
  /** The camera's privacy step (masks, face / plate blur), applied to every picture before it is encoded. */
  privacy?: StillPrivacy;
  /**
   * Called when drawing or encoding the snapshot fails. The incident is still returned, without
   * evidence: losing the picture is better than losing the incident.
   */
  onSnapshotError?: (err: unknown) => void;
}

/** Turns a rule hit on a frame into an incident plus its JPEG evidence (box and label drawn). */
export async function createIncident(hit: RuleHit, frame: Frame, ctx: IncidentContext): Promise<IncidentRecord> {
  const incident = incidentFromHit(hit, frame, ctx);
  if (ctx.snapshot === false) return { incident };
  try {
    const snap = await renderStill(frame, hitOverlay(hit), ctx.snapshot ?? {}, ctx.privacy);
    incident.snapshot = { contentType: 'image/jpeg', width: snap.width, height: snap.height, bytes: snap.jpeg.length };
    return { incident, snapshotJpeg: snap.jpeg };
  } catch (err) {
    ctx.onSnapshotError?.(err);
    return { incident };
  }
}

/**
 * A `new` incident (sequence 1) from a hit, without evidence. `frame` gives the size the hit's box is in (undefined
 * for hits with no frame, e.g. camera_down: the bbox is then the whole frame).
 */
export function incidentFromHit(hit: RuleHit, frame: { width: number; height: number } | undefined, ctx: IncidentContext): Incident {
  const { camera } = ctx;
  const labels = incidentLabels(camera, hit);
  const incident: Incident = {
    schema: INCIDENT_SCHEMA,
    id: newIncidentId(ctx.now ? ctx.now() : Date.now()),
    agentId: ctx.agentId,
    cameraId: camera.id,
    ...(camera.name !== undefined && { cameraName: camera.name }),
    ...(camera.location !== undefined && { location: { ...camera.location } }),
    type: hit.ruleType,
    category: labels.category,
    severity: hit.severity,
    status: 'new',
    title: labels.title,
    ruleId: hit.ruleId,
    ...(labels.ruleName !== undefined && { ruleName: labels.ruleName }),
    ...(hit.zoneId !== undefined && { zoneId: hit.zoneId }),
    ...(labels.zoneName !== undefined && { zoneName: labels.zoneName }),
    ...(hit.lineId !== undefined && { lineId: hit.lineId }),
    ...(labels.lineName !== undefined && { lineName: labels.lineName }),
    ...(hit.direction !== undefined && { direction: hit.direction }),
    className: hit.className,
    score: hit.score,
    trackId: hit.trackId,
    bbox: frame && frame.width > 0 && frame.height > 0 ? normaliseBox(hit.box, frame.width, frame.height) : [0, 0, 1, 1],
    startedAt: new Date(hit.tMs).toISOString(),
    // Every event carries its sequence, the one-shot events (line_crossing) that never get an update too:
    // the IOC de-duplicates on (id, status, sequence).
    sequence: 1,
    ...(hit.durationSeconds !== undefined && { durationSeconds: hit.durationSeconds }),
    ...(hit.counts !== undefined && { counts: copyCounts(hit.counts) }),
  };
  applyHitDetails(incident, hit);
  return incident;
}

/** Copies the optional facts of a hit that change over an incident's life onto the incident. */
export function applyHitDetails(incident: Incident, hit: RuleHit): void {
  if (hit.evidenceTrackId !== undefined) incident.evidenceTrackId = hit.evidenceTrackId;
  if (hit.riders !== undefined) incident.riders = hit.riders;
  if (hit.objectCount !== undefined) incident.objectCount = hit.objectCount;
  if (hit.occupancy !== undefined) incident.occupancy = hit.occupancy;
  if (hit.speedKmh !== undefined) incident.speedKmh = hit.speedKmh;
  if (hit.reason !== undefined) incident.reason = hit.reason;
  if (hit.metrics !== undefined) incident.metrics = { ...hit.metrics };
}

/** What a hit's snapshot shows: its box labelled with class and score, and the evidence track's box. */
export function hitOverlay(hit: RuleHit): SnapshotOverlay {
  const boxes: NonNullable<SnapshotOverlay['boxes']> = [];
  // Camera-level hits cover the frame: a frame-sized rectangle adds nothing.
  if (hit.trackId !== 0 || hit.category !== 'health') boxes.push({ box: hit.box, label: `${hit.className} ${hit.score.toFixed(2)}` });
  if (hit.evidenceBox !== undefined) {
    boxes.push({ box: hit.evidenceBox, label: `#${hit.evidenceTrackId ?? '?'}`, colour: DEFAULT_EVIDENCE_COLOUR });
  }
  return { boxes };
}

/** [x, y, w, h] as fractions of the frame, clipped to it: independent of the stream's resolution. */
export function normaliseBox(box: Box, frameWidth: number, frameHeight: number): [number, number, number, number] {
  const x1 = clamp01(Math.min(box.x1, box.x2) / frameWidth);
  const y1 = clamp01(Math.min(box.y1, box.y2) / frameHeight);
  const x2 = clamp01(Math.max(box.x1, box.x2) / frameWidth);
  const y2 = clamp01(Math.max(box.y1, box.y2) / frameHeight);
  const x = round(x1);
  const y = round(y1);
  // Rounded separately, x + w could exceed 1 by one unit of the last decimal; keep the box inside.
  return [x, y, Math.min(round(x2 - x1), round(1 - x)), Math.min(round(y2 - y1), round(1 - y))];
}

function clamp01(v: number): number {
  return Number.isFinite(v) ? Math.min(1, Math.max(0, v)) : 0;
}

function round(v: number): number {
  const f = 10 ** BBOX_DECIMALS;
  return Math.round(v * f) / f;
}

function copyCounts(counts: Record<string, { in: number; out: number }>): Record<string, { in: number; out: number }> {
  const out: Record<string, { in: number; out: number }> = {};
  for (const [cls, c] of Object.entries(counts)) out[cls] = { in: c.in, out: c.out };
  return out;
}
