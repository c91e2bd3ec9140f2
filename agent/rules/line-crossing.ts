import type { Homography, Track } from '../tracking/index.js';
import { pathCrossesSegment, signedDistanceToLine, type Point, type Segment } from './geometry.js';
import { trackHit, withGroundSpeed, type HitBase } from './hit.js';
import { ALWAYS, ScheduleGate, type Schedule } from './schedule.js';
import { DEFAULT_RULE_STATE_TTL_MS, classMatches, pointsSince, pruneStale } from './track-points.js';
import type { Category, Rule, RuleHit, Severity } from './types.js';

/**
 * Hysteresis band around the line (px each side). A crossing counts only once the track is clearly on
 * the other side: beyond max(DEFAULT_LINE_HYSTERESIS_PX, DEFAULT_LINE_HYSTERESIS_BOX_FRACTION × box height).
 * Detector boxes jitter by a few pixels, more for big boxes near the camera, so the band grows with the
 * box; 4 px is about the jitter of a small, far object at 640 px wide.
 */
export const DEFAULT_LINE_HYSTERESIS_PX = 4;
export const DEFAULT_LINE_HYSTERESIS_BOX_FRACTION = 0.05;

/** "in": from the line's left side to its right side (looking from `from` to `to`); "out": the reverse. */
export type CrossingDirection = 'in' | 'out';
/** Cumulative crossings per class name. */
export type LineCounts = Record<string, { in: number; out: number }>;

/** A line_crossing rule with its geometry already in analysis-frame pixels (see buildRules). */
export interface LineCrossingOptions {
  id: string;
  lineId: string;
  /** Directed segment in analysis-frame pixels: left → right looking from `from` to `to` is "in". */
  segment: Segment;
  classes?: readonly string[];
  /** Which crossings raise a hit (with `alerts`); every crossing is counted regardless. */
  direction: CrossingDirection | 'both';
  /** Whether crossings in `direction` raise hits at all; default true here (the config's default is false: count only). */
  alerts?: boolean;
  severity: Severity;
  category?: Category;
  hysteresisPx?: number;
  hysteresisBoxFraction?: number;
  stateTtlMs?: number;
  /** Carried on hits: the lifecycle opens no new incident for the same track within it (ms). Counting is unaffected. */
  cooldownMs?: number;
  /** Crossings outside the schedule are neither counted nor reported. */
  schedule?: Schedule;
  /** Ground calibration (analysis-frame px → metres): hits then carry the speed in km/h. */
  ground?: Homography;
}

interface CrossingState {
  lastPointMs: number;
  prev?: Point;
  /** Side the track was last clearly on (-1 left, 1 right); provisional from its first sighting. */
  settledSide?: -1 | 1;
  /** Whether the path crossed the segment itself since the track was last clearly on a side. */
  crossedSegment: boolean;
}

/**
 * `line_crossing`: counts tracks crossing a directed tripwire per class and direction, and raises a hit
 * for each crossing in the configured direction.
 *
 * A crossing is a change of settled side (a Schmitt trigger: the side changes only beyond the hysteresis
 * band) during which the bottom-centre path actually met the segment. So an object hovering on the line
 * counts once, and one walking past the end of the segment (crossing only its extension) never counts.
 * Returning clearly to the first side is a real crossing back and counts "out".
 */
export class LineCrossingRule implements Rule {
  readonly id: string;
  readonly type = 'line_crossing';
  private readonly lineId: string;
  private readonly segment: Segment;
  private readonly classes?: ReadonlySet<string>;
  private readonly direction: CrossingDirection | 'both';
  private readonly alerts: boolean;
  private readonly severity: Severity;
  private readonly category: Category;
  private readonly hysteresisPx: number;
  private readonly hysteresisBoxFraction: number;
  private readonly stateTtlMs: number;
  private readonly base: HitBase;
  private readonly schedule: ScheduleGate;
  private readonly ground?: Homography;
  private readonly states = new Map<number, CrossingState>();
  private readonly counts = new Map<string, { in: number; out: number }>();

  constructor(options: LineCrossingOptions) {
    this.id = options.id;
    this.lineId = options.lineId;
    this.segment = { from: { ...options.segment.from }, to: { ...options.segment.to } };
    if (options.classes) this.classes = new Set(options.classes);
    this.direction = options.direction;
    this.alerts = options.alerts ?? true;
    this.severity = options.severity;
    this.category = options.category ?? 'traffic';
    this.hysteresisPx = options.hysteresisPx ?? DEFAULT_LINE_HYSTERESIS_PX;
    this.hysteresisBoxFraction = options.hysteresisBoxFraction ?? DEFAULT_LINE_HYSTERESIS_BOX_FRACTION;
    this.stateTtlMs = options.stateTtlMs ?? DEFAULT_RULE_STATE_TTL_MS;
    this.schedule = new ScheduleGate(options.schedule ?? ALWAYS);
    if (options.ground) this.ground = options.ground;
    this.base = {
      ruleId: this.id,
      ruleType: this.type,
      category: this.category,
      severity: this.severity,
      ...(options.cooldownMs !== undefined && { cooldownMs: options.cooldownMs }),
    };
  }

  /** The line this rule counts on. */
  get countedLineId(): string {
    return this.lineId;
  }

  evaluate(tracks: readonly Track[], tMs: number): RuleHit[] {
    const hits: RuleHit[] = [];
    // Off schedule: forget sides, so a track crossing while the rule was off is not counted when it resumes.
    if (!this.schedule.isActive(tMs)) {
      this.states.clear();
      return hits;
    }
    for (const track of tracks) {
      if (!classMatches(this.classes, track.className)) continue;
      let state = this.states.get(track.id);
      if (state === undefined) {
        state = { lastPointMs: -Infinity, crossedSegment: false };
        this.states.set(track.id, state);
      }
      const bandPx = Math.max(this.hysteresisPx, this.hysteresisBoxFraction * (track.box.y2 - track.box.y1));
      for (const p of pointsSince(track, Math.max(state.lastPointMs, this.schedule.floorMs - 0.5))) {
        const crossing = this.step(state, p, bandPx);
        state.lastPointMs = p.tMs;
        if (crossing === undefined) continue;
        const counter = this.counts.get(track.className) ?? { in: 0, out: 0 };
        counter[crossing] += 1;
        this.counts.set(track.className, counter);
        if (this.alerts && (this.direction === 'both' || this.direction === crossing)) hits.push(this.hit(track, crossing, tMs));
      }
    }
    pruneStale(this.states, (s) => s.lastPointMs, tMs, this.stateTtlMs);
    return hits;
  }

  /** Cumulative counters per class since the rule was built. */
  getCounts(): LineCounts {
    const out: LineCounts = {};
    for (const [cls, c] of this.counts) out[cls] = { in: c.in, out: c.out };
    return out;
  }

  private step(state: CrossingState, p: Point, bandPx: number): CrossingDirection | undefined {
    if (state.prev && pathCrossesSegment(state.prev, p, this.segment)) state.crossedSegment = true;
    state.prev = { x: p.x, y: p.y };

    const d = signedDistanceToLine(p, this.segment);
    if (state.settledSide === undefined) {
      // First sighting: even inside the band, its side is the best guess of where it came from.
      if (d !== 0) state.settledSide = d > 0 ? 1 : -1;
      return undefined;
    }
    const side = d >= bandPx ? 1 : d <= -bandPx ? -1 : 0;
    if (side === 0) return undefined;

    const crossed = side !== state.settledSide && state.crossedSegment;
    state.settledSide = side;
    // Clearly on a side again: an earlier touch of the segment is used up (or was just jitter).
    state.crossedSegment = false;
    if (!crossed) return undefined;
    return side === 1 ? 'in' : 'out';
  }

  /** A one-shot hit: no key, phase `start` — a crossing opens an incident that is never updated or ended. */
  private hit(track: Track, direction: CrossingDirection, tMs: number): RuleHit {
    const hit: RuleHit = { ...trackHit(this.base, track, tMs), phase: 'start', lineId: this.lineId, direction, counts: this.getCounts() };
    return withGroundSpeed(hit, track, this.ground);
  }
}
