import type { Box, RgbImage } from '../detection/index.js';
import type { Track } from '../tracking/index.js';

export type Category = 'traffic' | 'sanitation' | 'security' | 'health';
export type Severity = 'info' | 'low' | 'medium' | 'high' | 'critical';

/**
 * Where a hit stands in its incident's life. `start` opens an incident, `update` refreshes it (the
 * incident lifecycle throttles these), `end` closes it. `pending` is a condition that began but has not
 * held long enough yet: the lifecycle may keep this frame as evidence for the incident the same key may
 * open (e.g. the person standing next to a bag the moment it appeared). Absent = `start`.
 */
export type HitPhase = 'start' | 'update' | 'end' | 'pending';

/** What a rule decided at one instant about one track (or one zone): the input of the incident stage. */
export interface RuleHit {
  ruleId: string;
  ruleType: string;
  category: Category;
  severity: Severity;
  /** The track concerned; 0 for zone-level (crowd, congestion) and camera-level (health) hits. */
  trackId: number;
  className: string;
  /**
   * The best detection score that supports the hit: for a track, its best detection the tracker trusted (at or
   * above its high threshold), never a low-score box that only kept the track alive. What the incident reports.
   */
  score: number;
  /** Persons riding the two-wheeler of this hit (rider fusion); absent otherwise. */
  riders?: number;
  /** Score of the object's detection in this frame (may be low while it is partly hidden): snapshot quality. */
  detectionScore?: number;
  /** In analysis-frame pixels. */
  box: Box;
  tMs: number;
  zoneId?: string;
  lineId?: string;
  direction?: 'in' | 'out';
  /** Seconds the condition has held (e.g. dwell in a zone, time stationary). */
  durationSeconds?: number;
  /** Running per-class counters of a line (line_crossing). */
  counts?: Record<string, { in: number; out: number }>;
  /** See HitPhase; absent = `start`. */
  phase?: HitPhase;
  /**
   * Stable id of the condition across its start/update/end hits (e.g. `illegal-stop-1:track:42`).
   * Absent: a one-shot event (line_crossing) — an incident that opens and is never updated or ended.
   */
  key?: string;
  /** After this incident ends, the same rule and object do not open another for this long (ms). */
  cooldownMs?: number;
  /** Fraction (0..1) of the box hidden by other tracks' boxes: snapshots prefer unoccluded views. */
  occlusion?: number;
  /** Another track that explains the incident (the person next to a dumped object), with its box then. */
  evidenceTrackId?: number;
  evidenceBox?: Box;
  /**
   * The frame the evidence was seen on, when it is older than the hit's own frame (a `pending` hit of an
   * object found seconds after it appeared, showing the person who was by it then). Not serialised.
   */
  evidenceFrame?: RgbImage;
  /** Objects counted in the zone (crowd, congestion). */
  objectCount?: number;
  /** Fraction (0..1) of the zone covered by boxes (congestion). */
  occupancy?: number;
  /** Ground speed (km/h) when the camera is calibrated. */
  speedKmh?: number;
  /** Image speed of the track (analysis-frame px/s). */
  speedPxPerS?: number;
  /** Short machine-readable reason (e.g. camera health: `uniform`, `scene_change`, `blur`, `no_frames`). */
  reason?: string;
  /** Numbers behind the decision (e.g. sharpness and its baseline), for operators tuning thresholds. */
  metrics?: Record<string, number>;
}

/** What a rule may need besides the tracks; all optional so track-only rules ignore it. */
export interface RuleContext {
  /** The analysed frame (camera health rules look at its pixels). */
  frame?: RgbImage;
}

/** One configured rule on one camera. Pure: state lives inside, time comes from the caller. */
export interface Rule {
  readonly id: string;
  readonly type: string;
  /** True when `evaluate` needs the frame's pixels (`context.frame`); the pipeline then passes it. */
  readonly readsFrame?: boolean;
  /** Called once per analysed frame with the tracks the tracker confirmed in it. */
  evaluate(tracks: readonly Track[], tMs: number, context?: RuleContext): RuleHit[];
}
