import { boxArea, intersectionArea } from '../core/index.js';
import type { Box } from '../detection/index.js';
import { groundSpeedKmh, type Homography, type Track } from '../tracking/index.js';
import type { Category, RuleHit, Severity } from './types.js';

/** What every hit of one rule shares. */
export interface HitBase {
  ruleId: string;
  ruleType: string;
  category: Category;
  severity: Severity;
  cooldownMs?: number;
}

/** The HitBase of a rule from its options (the builder gives the catalogue's category: descriptors/<type>.ts). */
export function hitBase(ruleType: string, options: { id: string; category: Category; severity: Severity; cooldownMs: number }): HitBase {
  return {
    ruleId: options.id,
    ruleType,
    category: options.category,
    severity: options.severity,
    cooldownMs: options.cooldownMs,
  };
}

/** The fields of a hit about one track (box copied: rules must not share mutable state with the caller). */
export function trackHit(base: HitBase, track: Track, tMs: number, tracks?: readonly Track[]): RuleHit {
  const hit: RuleHit = {
    ruleId: base.ruleId,
    ruleType: base.ruleType,
    category: base.category,
    severity: base.severity,
    trackId: track.id,
    className: track.className,
    score: track.bestScore ?? track.score,
    box: { ...track.box },
    tMs,
  };
  if (track.bestScore !== undefined && track.bestScore !== track.score) hit.detectionScore = track.score;
  if (base.cooldownMs !== undefined) hit.cooldownMs = base.cooldownMs;
  if (track.riders !== undefined) hit.riders = track.riders;
  if (track.speedPxPerS !== undefined) hit.speedPxPerS = round2(track.speedPxPerS);
  if (tracks !== undefined) hit.occlusion = round2(occlusionOf(track, tracks));
  return hit;
}

/** The same hit in another phase at another time (e.g. the `end` of an episode, built from its last hit). */
export function rephase(hit: RuleHit, phase: RuleHit['phase'], tMs: number, durationSeconds?: number): RuleHit {
  const out: RuleHit = { ...hit, box: { ...hit.box }, phase, tMs };
  if (durationSeconds !== undefined) out.durationSeconds = durationSeconds;
  return out;
}

/** Adds ground speed to a hit when the camera is calibrated. */
export function withGroundSpeed(hit: RuleHit, track: Track, ground: Homography | undefined): RuleHit {
  if (ground === undefined) return hit;
  const kmh = groundSpeedKmh(ground, track.history);
  if (kmh !== undefined) hit.speedKmh = Math.round(kmh * 10) / 10;
  return hit;
}

/**
 * Fraction of a track's box covered by other tracks' boxes (sum of overlaps, capped at 1: overlaps of
 * the others with each other are counted twice, which only matters in a dense pile where the view is
 * poor anyway).
 */
export function occlusionOf(track: Track, tracks: readonly Track[]): number {
  const a = boxArea(track.box);
  if (a <= 0) return 0;
  let covered = 0;
  for (const other of tracks) {
    if (other.id === track.id) continue;
    covered += intersectionArea(track.box, other.box);
  }
  return Math.min(1, covered / a);
}

/** Smallest box holding all the given boxes; undefined for none. */
export function unionBox(boxes: readonly Box[]): Box | undefined {
  if (boxes.length === 0) return undefined;
  let { x1, y1, x2, y2 } = boxes[0]!;
  for (const b of boxes) {
    x1 = Math.min(x1, b.x1);
    y1 = Math.min(y1, b.y1);
    x2 = Math.max(x2, b.x2);
    y2 = Math.max(y2, b.y2);
  }
  return { x1, y1, x2, y2 };
}

/** Gap between two boxes (px): 0 when they touch or overlap. */
export function boxDistance(a: Box, b: Box): number {
  const dx = Math.max(0, a.x1 - b.x2, b.x1 - a.x2);
  const dy = Math.max(0, a.y1 - b.y2, b.y1 - a.y2);
  return Math.hypot(dx, dy);
}

export function round2(v: number): number {
  return Math.round(v * 100) / 100;
}
