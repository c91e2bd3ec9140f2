import { type Homography, motionOf, type Track } from '../tracking/index.js';
import { DEFAULT_TRACK_GONE_MS, Episodes } from './episodes.js';
import { pointInPolygon, type Point } from './geometry.js';
import { trackHit, withGroundSpeed, hitBase, type HitBase } from './hit.js';
import { ALWAYS, ScheduleGate, type Schedule } from './schedule.js';
import { DEFAULT_RULE_STATE_TTL_MS, classMatches, pointsSince, pruneStale } from './track-points.js';
import type { Category, Rule, RuleHit, Severity } from './types.js';
import { ZoneStay } from './zone-stay.js';

/** Motion is measured over this window (ms): 1 s averages out box jitter yet follows a U-turn. */
export const DEFAULT_WRONG_WAY_MOTION_WINDOW_MS = 1_000;
/** Moving with the flow for this long ends a wrong-way episode (ms): one frame of jitter does not. */
export const DEFAULT_WRONG_WAY_RECOVER_MS = 1_000;
/** A lane zone is left only after this long outside it (ms): vehicles straddle lane edges. */
export const DEFAULT_LANE_EXIT_TOLERANCE_MS = 1_000;

/** A wrong_way rule with geometry in analysis-frame pixels. */
export interface WrongWayOptions {
  id: string;
  zoneId: string;
  polygon: readonly Point[];
  /** Expected direction of travel: a unit vector in analysis-frame pixels (y down). */
  expected: Point;
  classes?: readonly string[];
  /** Motion within this angle of the reverse of `expected` is wrong-way (degrees). */
  toleranceDeg: number;
  /** How long the condition must hold (ms). */
  minMs: number;
  minDistancePx: number;
  /** Carried on hits: no new incident for the same object within it (ms). */
  cooldownMs: number;
  severity: Severity;
  /** IOC bucket of its hits: the rule type's catalogue category (buildRules passes it). */
  category: Category;
  schedule?: Schedule;
  ground?: Homography;
  goneMs?: number;
  stateTtlMs?: number;
}

interface WrongWayState {
  lastPointMs: number;
  stay: ZoneStay;
  /** Since when the track has been moving against the direction, and where it was then. */
  againstSinceMs?: number;
  anchor?: Point;
  /** Since when it has been moving with the flow again. */
  withSinceMs?: number;
  key?: string;
}

/**
 * `wrong_way`: a vehicle inside a lane zone moving against the lane's expected direction, for at least
 * `minMs` and `minDistancePx` of progress along the reverse direction. One incident per wrong-way
 * run, ended when the vehicle turns with the flow (for 1 s), leaves the lane, or disappears. A stopped
 * vehicle keeps its state: queueing against the flow is still against the flow.
 */
export class WrongWayRule implements Rule {
  readonly id: string;
  readonly type = 'wrong_way';
  private readonly base: HitBase;
  private readonly zoneId: string;
  private readonly polygon: readonly Point[];
  private readonly expected: Point;
  private readonly classes?: ReadonlySet<string>;
  private readonly cosAgainst: number;
  private readonly minMs: number;
  private readonly minDistancePx: number;
  private readonly schedule: ScheduleGate;
  private readonly ground?: Homography;
  private readonly goneMs: number;
  private readonly stateTtlMs: number;
  private readonly states = new Map<number, WrongWayState>();
  private readonly episodes = new Episodes();

  constructor(options: WrongWayOptions) {
    this.id = options.id;
    this.base = hitBase(this.type, options);
    this.zoneId = options.zoneId;
    this.polygon = options.polygon.map((p) => ({ ...p }));
    const len = Math.hypot(options.expected.x, options.expected.y);
    if (!(len > 0)) throw new RangeError('wrong_way: zero expected direction');
    this.expected = { x: options.expected.x / len, y: options.expected.y / len };
    if (options.classes) this.classes = new Set(options.classes);
    // Against = within toleranceDeg of the reverse direction, i.e. cos(motion, expected) ≤ −cos(tolerance).
    this.cosAgainst = -Math.cos((options.toleranceDeg * Math.PI) / 180);
    this.minMs = options.minMs;
    this.minDistancePx = options.minDistancePx;
    this.schedule = new ScheduleGate(options.schedule ?? ALWAYS);
    if (options.ground) this.ground = options.ground;
    this.goneMs = options.goneMs ?? DEFAULT_TRACK_GONE_MS;
    this.stateTtlMs = options.stateTtlMs ?? DEFAULT_RULE_STATE_TTL_MS;
  }

  evaluate(tracks: readonly Track[], tMs: number): RuleHit[] {
    if (!this.schedule.isActive(tMs)) {
      this.states.clear();
      return this.episodes.endAll(tMs);
    }
    const hits: RuleHit[] = [];
    for (const track of tracks) {
      if (!classMatches(this.classes, track.className)) continue;
      let s = this.states.get(track.id);
      if (s === undefined) {
        s = { lastPointMs: -Infinity, stay: new ZoneStay(DEFAULT_LANE_EXIT_TOLERANCE_MS) };
        this.states.set(track.id, s);
      }
      const points = pointsSince(track, Math.max(s.lastPointMs, this.schedule.floorMs - 0.5));
      for (const p of points) {
        s.stay.step(pointInPolygon(p, this.polygon), p.tMs);
        s.lastPointMs = p.tMs;
      }
      const last = points[points.length - 1];
      if (last === undefined) continue;
      const hit = this.decide(s, track, tracks, last, tMs);
      if (hit) hits.push(hit);
    }
    hits.push(...this.episodes.endGone(tMs, this.goneMs));
    for (const s of this.states.values()) if (s.key !== undefined && !this.episodes.has(s.key)) s.key = undefined;
    pruneStale(this.states, (s) => s.lastPointMs, tMs, this.stateTtlMs);
    return hits;
  }

  private decide(s: WrongWayState, track: Track, tracks: readonly Track[], at: Point, tMs: number): RuleHit | undefined {
    if (!s.stay.staying) return this.reset(s, tMs);

    const history = track.history.length > 0 ? track.history : [{ tMs, ...at }];
    const m = motionOf(history, { windowMs: DEFAULT_WRONG_WAY_MOTION_WINDOW_MS });
    if (m?.direction !== undefined) {
      const cos = m.direction.x * this.expected.x + m.direction.y * this.expected.y;
      if (cos <= this.cosAgainst) {
        s.withSinceMs = undefined;
        if (s.againstSinceMs === undefined) {
          // The run began at the start of the motion window, where the track was then.
          s.againstSinceMs = tMs - m.dtMs;
          s.anchor = { x: at.x - m.dxPx, y: at.y - m.dyPx };
        }
      } else if (cos > 0) {
        s.withSinceMs ??= tMs;
        if (tMs - s.withSinceMs >= DEFAULT_WRONG_WAY_RECOVER_MS) return this.reset(s, tMs);
      }
    }
    if (s.againstSinceMs === undefined || s.anchor === undefined) return undefined;

    const hit = withGroundSpeed({ ...trackHit(this.base, track, tMs, tracks), zoneId: this.zoneId }, track, this.ground);
    if (s.key !== undefined) return this.episodes.update(s.key, hit);
    // Progress along the reverse direction since the run began.
    const progress = (s.anchor.x - at.x) * this.expected.x + (s.anchor.y - at.y) * this.expected.y;
    if (tMs - s.againstSinceMs < this.minMs || progress < this.minDistancePx) return undefined;
    s.key = `${this.id}:${track.id}:${s.againstSinceMs}`;
    return this.episodes.start(s.key, hit, s.againstSinceMs);
  }

  private reset(s: WrongWayState, tMs: number): RuleHit | undefined {
    s.againstSinceMs = undefined;
    s.anchor = undefined;
    s.withSinceMs = undefined;
    if (s.key === undefined) return undefined;
    const end = this.episodes.end(s.key, tMs);
    s.key = undefined;
    return end;
  }
}
