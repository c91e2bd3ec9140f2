import type { Box } from '../detection/types.js';
import type { Track } from '../tracking/types.js';
import { Episodes } from './episodes.js';
import { pointInPolygon, type Point } from './geometry.js';
import { boxDistance, trackHit, hitBase, type HitBase } from './hit.js';
import { ALWAYS, type Schedule } from './schedule.js';
import { StationaryObjects, type StationaryObject } from './stationary.js';
import type { Category, Rule, RuleHit, Severity } from './types.js';

/**
 * People seen this recently before an object appears may have put it there (ms): the object is
 * reported only once its track is confirmed, and the person may already be walking away.
 */
export const DEFAULT_EVIDENCE_LOOKBACK_MS = 3_000;
/** After the object appears, keep looking this long for the person next to it (ms). */
export const DEFAULT_EVIDENCE_LOOKAHEAD_MS = 3_000;

/** A dumping rule with geometry in analysis-frame pixels. */
export interface DumpingOptions {
  id: string;
  zoneId?: string;
  polygon?: readonly Point[];
  classes: readonly string[];
  personClasses: readonly string[];
  personRadiusPx: number;
  minSeconds: number;
  maxSpeedPxPerS: number;
  warmupSeconds: number;
  cooldownSeconds: number;
  severity: Severity;
  category?: Category;
  schedule?: Schedule;
  lingerMs?: number;
}

interface DumpState {
  /** False for objects that were already there at start-up or appeared outside the zone: never reported. */
  eligible: boolean;
  appearedMs: number;
  evidence?: { trackId: number; box: Box };
  key: string;
  started: boolean;
}

interface SeenPerson {
  box: Box;
  tMs: number;
}

/**
 * `dumping`: a NEW object of the configured classes appears in the zone and stays still for
 * `minSeconds`. "New": first seen after the rule's warm-up (what is there when the camera comes up is
 * the scene, not dumping) and first seen inside the zone (a bag carried in is not dumped until it is put
 * down and left, which object_left covers). The person nearest to the object when it appeared — seen
 * up to 3 s before or after — is attached as `evidenceTrackId`/`evidenceBox`, and a `pending` hit at
 * the appearance lets the incident stage keep that frame as the evidence snapshot.
 */
export class DumpingRule implements Rule {
  readonly id: string;
  readonly type = 'dumping';
  private readonly base: HitBase;
  private readonly zoneId?: string;
  private readonly polygon?: readonly Point[];
  private readonly persons: ReadonlySet<string>;
  private readonly radiusPx: number;
  private readonly minMs: number;
  private readonly warmupMs: number;
  private readonly schedule: Schedule;
  private readonly objects: StationaryObjects;
  private readonly states = new Map<string, DumpState>();
  private readonly recentPeople = new Map<number, SeenPerson>();
  private readonly episodes = new Episodes();
  private startedAtMs?: number;

  constructor(options: DumpingOptions) {
    this.id = options.id;
    this.base = hitBase(this.type, options);
    if (options.zoneId !== undefined) this.zoneId = options.zoneId;
    if (options.polygon !== undefined) this.polygon = options.polygon.map((p) => ({ ...p }));
    this.persons = new Set(options.personClasses);
    this.radiusPx = options.personRadiusPx;
    this.minMs = options.minSeconds * 1000;
    this.warmupMs = options.warmupSeconds * 1000;
    this.schedule = options.schedule ?? ALWAYS;
    this.objects = new StationaryObjects({
      classes: new Set(options.classes),
      maxSpeedPxPerS: options.maxSpeedPxPerS,
      ...(options.lingerMs !== undefined && { lingerMs: options.lingerMs }),
    });
  }

  evaluate(tracks: readonly Track[], tMs: number): RuleHit[] {
    this.startedAtMs ??= tMs;
    for (const t of tracks) if (this.persons.has(t.className)) this.recentPeople.set(t.id, { box: { ...t.box }, tMs });
    for (const [id, p] of this.recentPeople) if (tMs - p.tMs > DEFAULT_EVIDENCE_LOOKBACK_MS) this.recentPeople.delete(id);

    // Objects are followed even off schedule, so one dumped at 21:59 is not "new" at 22:00.
    const { seen, gone } = this.objects.update(tracks, tMs);
    const active = this.schedule.isActive(tMs);
    const hits: RuleHit[] = active ? [] : this.episodes.endAll(tMs);
    for (const obj of seen) {
      const hit = this.decide(obj, tracks, tMs, active);
      if (hit) hits.push(hit);
    }
    for (const obj of gone) {
      const s = this.states.get(obj.key);
      this.states.delete(obj.key);
      const end = s?.started ? this.episodes.end(s.key, tMs) : undefined;
      if (end) hits.push(end);
    }
    return hits;
  }

  private decide(obj: StationaryObject, tracks: readonly Track[], tMs: number, active: boolean): RuleHit | undefined {
    let s = this.states.get(obj.key);
    if (s === undefined) {
      const inZone = this.polygon === undefined || pointInPolygon(obj.point, this.polygon);
      s = {
        eligible: inZone && active && obj.firstSeenMs - this.startedAtMs! >= this.warmupMs,
        appearedMs: obj.firstSeenMs,
        key: `${this.id}:${obj.key}`,
        started: false,
      };
      this.states.set(obj.key, s);
      if (!s.eligible) return undefined;
      this.findEvidence(s, obj);
      return this.hit(s, obj, tracks, tMs, 'pending');
    }
    if (!s.eligible || !active) return undefined;
    if (s.evidence === undefined && tMs - s.appearedMs <= DEFAULT_EVIDENCE_LOOKAHEAD_MS && this.findEvidence(s, obj)) {
      return this.hit(s, obj, tracks, tMs, 'pending');
    }
    if (s.started) {
      // Picked up again (moving): the dumping is over.
      if (obj.stationarySinceMs === undefined) {
        s.eligible = false;
        return this.episodes.end(s.key, tMs);
      }
      return this.episodes.update(s.key, this.hit(s, obj, tracks, tMs));
    }
    if (obj.stationarySinceMs === undefined || tMs - s.appearedMs < this.minMs) return undefined;
    s.started = true;
    return this.episodes.start(s.key, this.hit(s, obj, tracks, tMs), s.appearedMs);
  }

  /** The nearest person within the radius seen around the appearance; true when one was found. */
  private findEvidence(s: DumpState, obj: StationaryObject): boolean {
    let best: { trackId: number; box: Box; d: number } | undefined;
    for (const [trackId, p] of this.recentPeople) {
      const d = boxDistance(p.box, obj.track.box);
      if (d <= this.radiusPx && (best === undefined || d < best.d)) best = { trackId, box: p.box, d };
    }
    if (best === undefined) return false;
    s.evidence = { trackId: best.trackId, box: { ...best.box } };
    return true;
  }

  private hit(s: DumpState, obj: StationaryObject, tracks: readonly Track[], tMs: number, phase?: 'pending'): RuleHit {
    const hit = trackHit(this.base, obj.track, tMs, tracks);
    if (this.zoneId !== undefined) hit.zoneId = this.zoneId;
    if (s.evidence !== undefined) {
      hit.evidenceTrackId = s.evidence.trackId;
      hit.evidenceBox = { ...s.evidence.box };
    }
    if (phase === 'pending') {
      hit.phase = 'pending';
      hit.key = s.key;
    }
    return hit;
  }
}
