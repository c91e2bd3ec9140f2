import { createHash } from 'node:crypto';
import type { RuleHit } from '../rules/index.js';
import type { IncidentCamera } from './camera.js';
import type { EndReason, Incident, IncidentRecord, SuspendedIncident } from './types.js';

/**
 * Continuing open incidents across a restart or a reload (pure decisions; the lifecycle applies them).
 * A new process's rules know nothing of the old episodes and use new keys (tracks get new ids), so a restored
 * incident is matched to a new start by what stays true of the condition: the rule, its zone, and for
 * objects the place.
 */

/**
 * A restored incident waits at least this long (ms) for its condition to be seen again: the model is loaded
 * before the cameras start, but the stream must connect and the rule re-establish its condition.
 */
export const DEFAULT_RESUME_GRACE_MS = 30_000;
/** Added to a rule's own minSeconds for the grace: connecting the stream, the first frames, the tracker's minHits. */
export const DEFAULT_RESUME_SLACK_MS = 15_000;
/** Moving objects (intrusion, loitering, wrong way): a box overlapping the old one this much (IoU) is the same condition. */
export const DEFAULT_RESUME_TRACK_IOU = 0.3;
/** Objects standing still (illegal stop, object left, dumping): as the lifecycle's same-place cooldown. */
export const DEFAULT_RESUME_PLACE_IOU = 0.5;

/** How an incident of a rule type is recognised again: by its rule, its rule and zone, or its place. */
export type ResumeMatch = 'rule' | 'zone' | 'track' | 'place';

const PLACE_TYPES: ReadonlySet<string> = new Set(['illegal_stop', 'object_left', 'dumping']);
const ZONE_TYPES: ReadonlySet<string> = new Set(['crowd', 'congestion']);
const TRACK_TYPES: ReadonlySet<string> = new Set(['zone_intrusion', 'loitering', 'wrong_way']);

/** How incidents of a rule type are matched after a restart; camera health (and unknown types) by rule alone. */
export function resumeMatch(ruleType: string): ResumeMatch {
  if (PLACE_TYPES.has(ruleType)) return 'place';
  if (ZONE_TYPES.has(ruleType)) return 'zone';
  if (TRACK_TYPES.has(ruleType)) return 'track';
  return 'rule';
}

/**
 * Fingerprint of a rule as configured: its own fields plus the geometry of the zone, masks and line it
 * refers to. Names, titles and severity are left out: relabelling a rule does not change what it detects.
 * Undefined when the camera has no such rule.
 */
export function ruleFingerprint(camera: IncidentCamera, ruleId: string): string | undefined {
  const rule = camera.rules.find((r) => r.id === ruleId);
  if (rule === undefined) return undefined;
  const { name: _name, title: _title, severity: _severity, category: _category, ...fields } = rule;
  const zoneIds = new Set<string>();
  if ('zone' in rule && typeof rule.zone === 'string') zoneIds.add(rule.zone);
  if ('maskZones' in rule && rule.maskZones) for (const z of rule.maskZones) zoneIds.add(z);
  const zones = camera.zones.filter((z) => zoneIds.has(z.id)).map((z) => ({ id: z.id, units: z.units, points: z.points }));
  const lines = 'line' in rule ? camera.lines.filter((l) => l.id === rule.line).map((l) => ({ id: l.id, units: l.units, from: l.from, to: l.to })) : [];
  const text = JSON.stringify({ fields: sortKeys(fields), zones, lines, timezone: camera.timezone });
  return createHash('sha256').update(text).digest('hex').slice(0, 16);
}

/** How long a restored incident of this rule waits for its condition (ms): its minSeconds plus slack, at least 30 s. */
export function resumeGraceMs(camera: IncidentCamera, ruleId: string): number {
  const rule = camera.rules.find((r) => r.id === ruleId);
  const minSeconds = typeof rule?.minSeconds === 'number' ? rule.minSeconds : 0;
  return Math.max(DEFAULT_RESUME_GRACE_MS, minSeconds * 1000 + DEFAULT_RESUME_SLACK_MS);
}

/** What to do with one restored incident when a camera starts. */
export type RestoreDecision = { action: 'end'; reason: EndReason } | { action: 'await'; deadlineMs: number };

/**
 * A restored incident is ended at once when its rule is gone (`rule_removed`) or changed (`camera_reload`);
 * otherwise it waits until `deadlineMs` for its condition to be seen again.
 */
export function decideRestore(s: SuspendedIncident, camera: IncidentCamera | undefined, nowMs: number): RestoreDecision {
  if (camera === undefined || !camera.rules.some((r) => r.id === s.state.ruleId)) return { action: 'end', reason: 'rule_removed' };
  if (!camera.enabled) return { action: 'end', reason: 'camera_reload' };
  if (ruleFingerprint(camera, s.state.ruleId) !== s.state.ruleFingerprint) return { action: 'end', reason: 'camera_reload' };
  return { action: 'await', deadlineMs: nowMs + resumeGraceMs(camera, s.state.ruleId) };
}

/**
 * The restored incident a new hit continues, if any: same rule; for zone rules the same zone; for objects
 * the box overlapping the old one (normalised coordinates, so a changed stream size does not matter), the
 * best overlap winning. `bbox` is the hit's box normalised like `Incident.bbox`.
 */
export function findResumable<T extends SuspendedIncident>(
  hit: Pick<RuleHit, 'ruleId' | 'ruleType' | 'zoneId'>,
  bbox: readonly [number, number, number, number] | undefined,
  candidates: readonly T[],
): T | undefined {
  let best: T | undefined;
  let bestIou = -1;
  for (const c of candidates) {
    const s = c.state;
    if (s.ruleId !== hit.ruleId || s.ruleType !== hit.ruleType) continue;
    const how = resumeMatch(hit.ruleType);
    if (how === 'rule') return c;
    if (s.zoneId !== hit.zoneId) continue;
    if (how === 'zone') return c;
    if (bbox === undefined) continue;
    const overlap = bboxIou(s.bbox, bbox);
    const needed = how === 'place' ? DEFAULT_RESUME_PLACE_IOU : DEFAULT_RESUME_TRACK_IOU;
    if (overlap >= needed && overlap > bestIou) {
      best = c;
      bestIou = overlap;
    }
  }
  return best;
}

/**
 * The `end` event of a restored incident that did not continue: its next sequence, `endedAt` the last time
 * its condition was known to hold (the agent cannot know when it cleared while it was down), `updatedAt` now.
 */
export function restoredEnd(s: SuspendedIncident, reason: EndReason, nowMs: number): IncidentRecord {
  const incident: Incident = structuredClone(s.incident);
  const endedMs = Math.max(s.state.startMs, s.state.lastHitMs);
  incident.status = 'end';
  incident.sequence = s.state.sequence + 1;
  incident.endedAt = new Date(endedMs).toISOString();
  incident.updatedAt = new Date(Math.max(nowMs, endedMs)).toISOString();
  incident.durationSeconds = Math.max(incident.durationSeconds ?? 0, (endedMs - s.state.startMs) / 1000);
  incident.endReason = reason;
  return { incident };
}

/** IoU of two [x, y, w, h] boxes. */
export function bboxIou(a: readonly number[], b: readonly number[]): number {
  const [ax, ay, aw, ah] = a as [number, number, number, number];
  const [bx, by, bw, bh] = b as [number, number, number, number];
  const w = Math.min(ax + aw, bx + bw) - Math.max(ax, bx);
  const h = Math.min(ay + ah, by + bh) - Math.max(ay, by);
  if (w <= 0 || h <= 0) return 0;
  const inter = w * h;
  return inter / (aw * ah + bw * bh - inter);
}

function sortKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value as Record<string, unknown>).sort(([a], [b]) => a.localeCompare(b)).map(([k, v]) => [k, sortKeys(v)]));
  }
  return value;
}
