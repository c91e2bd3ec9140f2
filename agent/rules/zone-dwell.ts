import type { Track } from '../tracking/index.js';
import { DEFAULT_TRACK_GONE_MS, Episodes } from './episodes.js';
import { pointInPolygon, type Point } from './geometry.js';
import { trackHit, hitBase, type HitBase } from './hit.js';
import { ALWAYS, ScheduleGate, type Schedule } from './schedule.js';
import { DEFAULT_RULE_STATE_TTL_MS, classMatches, pointsSince, pruneStale } from './track-points.js';
import type { Category, Rule, RuleHit, Severity } from './types.js';
import { ZoneStay } from './zone-stay.js';

/**
 * An exit shorter than this does not end a stay (ms). A box jitters a few pixels from frame to frame, so
 * an object standing at the zone edge flickers in and out; at 5 fps, 500 ms tolerates two consecutive
 * outside frames.
 */
export const DEFAULT_ZONE_EXIT_TOLERANCE_MS = 500;

/** A dwell rule (zone_intrusion, loitering) with its geometry already in analysis-frame pixels. */
export interface DwellRuleOptions {
  id: string;
  zoneId: string;
  /** Zone polygon in analysis-frame pixels. */
  polygon: readonly Point[];
  /** Class names that count; every class when absent. */
  classes?: readonly string[];
  /** How long the object must stay inside (ms). */
  minMs: number;
  /** Carried on hits: the incident lifecycle keeps the same track from re-opening within it (ms). */
  cooldownMs: number;
  severity: Severity;
  /** IOC bucket of its hits: the rule type's catalogue category (buildRules passes it). */
  category: Category;
  exitToleranceMs?: number;
  stateTtlMs?: number;
  schedule?: Schedule;
  /** A track not reported for this long has left: its open incident ends (ms). */
  goneMs?: number;
}

interface StayState {
  /** Last position time processed for this track. */
  lastPointMs: number;
  stay: ZoneStay;
  /** Key of the open episode, if any. */
  key?: string;
}

/**
 * An object whose bottom-centre stays inside a polygon for `minMs` opens an incident (`start`),
 * refreshed while it stays (`update`) and closed (`end`) when it leaves — beyond the exit tolerance — or
 * disappears. Each stay is one incident; the lifecycle's cooldown stops a track that steps out and back
 * in from opening a second one straight away.
 */
export class DwellRule implements Rule {
  readonly id: string;
  readonly type: 'zone_intrusion' | 'loitering';
  private readonly base: HitBase;
  private readonly zoneId: string;
  private readonly polygon: readonly Point[];
  private readonly classes?: ReadonlySet<string>;
  private readonly minMs: number;
  private readonly exitToleranceMs: number;
  private readonly stateTtlMs: number;
  private readonly goneMs: number;
  private readonly schedule: ScheduleGate;
  private readonly states = new Map<number, StayState>();
  private readonly episodes = new Episodes();

  constructor(type: 'zone_intrusion' | 'loitering', options: DwellRuleOptions) {
    this.id = options.id;
    this.type = type;
    this.base = hitBase(type, options);
    this.zoneId = options.zoneId;
    this.polygon = options.polygon.map((p) => ({ x: p.x, y: p.y }));
    if (options.classes) this.classes = new Set(options.classes);
    this.minMs = options.minMs;
    this.exitToleranceMs = options.exitToleranceMs ?? DEFAULT_ZONE_EXIT_TOLERANCE_MS;
    this.stateTtlMs = options.stateTtlMs ?? DEFAULT_RULE_STATE_TTL_MS;
    this.goneMs = options.goneMs ?? DEFAULT_TRACK_GONE_MS;
    this.schedule = new ScheduleGate(options.schedule ?? ALWAYS);
  }

  evaluate(tracks: readonly Track[], tMs: number): RuleHit[] {
    if (!this.schedule.isActive(tMs)) {
      this.states.clear();
      return this.episodes.endAll(tMs);
    }
    const hits: RuleHit[] = [];
    for (const track of tracks) {
      if (!classMatches(this.classes, track.className)) continue;
      let state = this.states.get(track.id);
      if (state === undefined) {
        state = { lastPointMs: -Infinity, stay: new ZoneStay(this.exitToleranceMs) };
        this.states.set(track.id, state);
      }
      const points = pointsSince(track, Math.max(state.lastPointMs, this.schedule.floorMs - 0.5));
      for (const p of points) {
        const began = state.stay.step(pointInPolygon(p, this.polygon), p.tMs);
        state.lastPointMs = p.tMs;
        // A new stay while the previous one's incident is open: that stay ended during the gap.
        if (began && state.key !== undefined) {
          const end = this.episodes.end(state.key, p.tMs);
          if (end) hits.push(end);
          state.key = undefined;
        }
      }
      if (points.length === 0) continue;
      const hit = this.decide(state, track, tracks, tMs);
      if (hit) hits.push(hit);
    }
    hits.push(...this.episodes.endGone(tMs, this.goneMs));
    for (const s of this.states.values()) if (s.key !== undefined && !this.episodes.has(s.key)) s.key = undefined;
    pruneStale(this.states, (s) => s.lastPointMs, tMs, this.stateTtlMs);
    return hits;
  }

  private decide(state: StayState, track: Track, tracks: readonly Track[], tMs: number): RuleHit | undefined {
    const { stay } = state;
    if (!stay.staying) {
      if (state.key === undefined) return undefined;
      const end = this.episodes.end(state.key, tMs);
      state.key = undefined;
      return end;
    }
    // Out for less than the tolerance: still the same stay, nothing new to report.
    if (stay.lastInsideMs !== state.lastPointMs) {
      if (state.key !== undefined) this.episodes.touch(state.key, tMs);
      return undefined;
    }
    const enteredAt = stay.enteredAtMs!;
    const hit = { ...trackHit(this.base, track, tMs, tracks), zoneId: this.zoneId };
    if (state.key !== undefined) return this.episodes.update(state.key, hit);
    if (state.lastPointMs - enteredAt < this.minMs) return undefined;
    state.key = `${this.id}:${track.id}:${enteredAt}`;
    return this.episodes.start(state.key, hit, enteredAt);
  }
}
