import type { Track } from '../tracking/types.js';
import { pointInPolygon, type Point } from './geometry.js';
import { DEFAULT_RULE_STATE_TTL_MS, classMatches, pointsSince, pruneStale } from './track-points.js';
import type { Category, Rule, RuleHit, Severity } from './types.js';

/**
 * An exit shorter than this does not end a stay (ms). A box jitters a few pixels from frame to frame, so
 * an object standing at the zone edge flickers in and out; at 5 fps, 500 ms tolerates two consecutive
 * outside frames. Measured from the first outside sighting to the next inside sighting (or to the latest
 * outside sighting): the time the object was seen to be out, not the time it was hidden.
 */
export const DEFAULT_ZONE_EXIT_TOLERANCE_MS = 500;

/** A zone_intrusion rule with its geometry already in analysis-frame pixels (see buildRules). */
export interface ZoneIntrusionOptions {
  id: string;
  zoneId: string;
  /** Zone polygon in analysis-frame pixels. */
  polygon: readonly Point[];
  /** Class names that count; every class when absent. */
  classes?: readonly string[];
  minSeconds: number;
  cooldownSeconds: number;
  severity: Severity;
  category?: Category;
  exitToleranceMs?: number;
  stateTtlMs?: number;
}

interface StayState {
  /** Last position time processed for this track. */
  lastPointMs: number;
  /** Start of the current stay inside the zone; undefined when outside. */
  enteredAtMs?: number;
  /** First outside sighting since the object was last seen inside. */
  outsideSinceMs?: number;
  /** Whether the current stay already raised a hit: one hit per stay. */
  firedThisStay: boolean;
  lastHitMs?: number;
}

/**
 * `zone_intrusion`: an object whose bottom-centre stays inside a polygon for `minSeconds` raises one hit
 * per stay. A later stay of the same track raises again only once `cooldownSeconds` have passed since
 * its previous hit (if still inside when the cooldown ends, the hit comes then).
 */
export class ZoneIntrusionRule implements Rule {
  readonly id: string;
  readonly type = 'zone_intrusion';
  private readonly zoneId: string;
  private readonly polygon: readonly Point[];
  private readonly classes?: ReadonlySet<string>;
  private readonly minMs: number;
  private readonly cooldownMs: number;
  private readonly severity: Severity;
  private readonly category: Category;
  private readonly exitToleranceMs: number;
  private readonly stateTtlMs: number;
  private readonly states = new Map<number, StayState>();

  constructor(options: ZoneIntrusionOptions) {
    this.id = options.id;
    this.zoneId = options.zoneId;
    this.polygon = options.polygon.map((p) => ({ x: p.x, y: p.y }));
    if (options.classes) this.classes = new Set(options.classes);
    this.minMs = options.minSeconds * 1000;
    this.cooldownMs = options.cooldownSeconds * 1000;
    this.severity = options.severity;
    this.category = options.category ?? 'security';
    this.exitToleranceMs = options.exitToleranceMs ?? DEFAULT_ZONE_EXIT_TOLERANCE_MS;
    this.stateTtlMs = options.stateTtlMs ?? DEFAULT_RULE_STATE_TTL_MS;
  }

  evaluate(tracks: readonly Track[], tMs: number): RuleHit[] {
    const hits: RuleHit[] = [];
    for (const track of tracks) {
      if (!classMatches(this.classes, track.className)) continue;
      let state = this.states.get(track.id);
      if (state === undefined) {
        state = { lastPointMs: -Infinity, firedThisStay: false };
        this.states.set(track.id, state);
      }
      const points = pointsSince(track, state.lastPointMs);
      let insideNow = false;
      for (const p of points) {
        insideNow = pointInPolygon(p, this.polygon);
        this.step(state, insideNow, p.tMs);
        state.lastPointMs = p.tMs;
      }
      if (points.length === 0 || !insideNow) continue;
      const hit = this.decide(state, track, tMs);
      if (hit) hits.push(hit);
    }
    pruneStale(this.states, (s) => s.lastPointMs, tMs, this.stateTtlMs);
    return hits;
  }

  private step(state: StayState, inside: boolean, t: number): void {
    if (inside) {
      const outFor = state.outsideSinceMs === undefined ? 0 : t - state.outsideSinceMs;
      if (state.enteredAtMs === undefined || outFor >= this.exitToleranceMs) {
        state.enteredAtMs = t;
        state.firedThisStay = false;
      }
      state.outsideSinceMs = undefined;
      return;
    }
    if (state.enteredAtMs === undefined) return;
    state.outsideSinceMs ??= t;
    if (t - state.outsideSinceMs >= this.exitToleranceMs) {
      state.enteredAtMs = undefined;
      state.outsideSinceMs = undefined;
      state.firedThisStay = false;
    }
  }

  private decide(state: StayState, track: Track, tMs: number): RuleHit | undefined {
    if (state.enteredAtMs === undefined || state.firedThisStay) return undefined;
    const dwellMs = state.lastPointMs - state.enteredAtMs;
    if (dwellMs < this.minMs) return undefined;
    if (state.lastHitMs !== undefined && tMs - state.lastHitMs < this.cooldownMs) return undefined;
    state.firedThisStay = true;
    state.lastHitMs = tMs;
    return {
      ruleId: this.id,
      ruleType: this.type,
      category: this.category,
      severity: this.severity,
      trackId: track.id,
      className: track.className,
      score: track.score,
      box: { ...track.box },
      tMs,
      zoneId: this.zoneId,
      durationSeconds: dwellMs / 1000,
    };
  }
}
