import type { Box } from '../detection/index.js';
import type { Track } from '../tracking/index.js';
import { pointInPolygon } from './geometry.js';
import { boxDistance, trackHit } from './hit.js';
import { DEFAULT_EVIDENCE_BEFORE_MS, EvidenceFrames, staticHit } from './static-evidence.js';
import { coveredByClass } from './static-source.js';
import type { StaticObject } from './static-objects.js';
import { StaticObjectRule, type StaticRuleOptions } from './static-rule.js';
import type { StationaryObject } from './stationary.js';
import type { RuleContext, RuleHit } from './types.js';

/**
 * People seen this recently before an object appears may have put it there (ms): the object is
 * reported only once its track is confirmed, and the person may already be walking away.
 */
export const DEFAULT_EVIDENCE_LOOKBACK_MS = 3_000;
/** After the object appears, keep looking this long for the person next to it (ms). */
export const DEFAULT_EVIDENCE_LOOKAHEAD_MS = 3_000;

/** A dumping rule with geometry in analysis-frame pixels. */
export interface DumpingOptions extends StaticRuleOptions {
  /** Objects already there this long after the first frame are background (ms). */
  warmupMs: number;
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
 * `minMs`. "New": first seen after the rule's warm-up (what is there when the camera comes up is
 * the scene, not dumping) and first seen inside the zone (a bag carried in is not dumped until it is put
 * down and left, which object_left covers). The person nearest to the object when it appeared — seen
 * up to 3 s before or after — is attached as `evidenceTrackId`/`evidenceBox`, and a `pending` hit at
 * the appearance lets the incident stage keep that frame as the evidence snapshot.
 */
export class DumpingRule extends StaticObjectRule<DumpState> {
  private readonly warmupMs: number;
  private readonly recentPeople = new Map<number, SeenPerson>();
  private readonly frames?: EvidenceFrames;
  private startedAtMs?: number;

  constructor(options: DumpingOptions) {
    super('dumping', options);
    this.warmupMs = options.warmupMs;
    if (this.pixels !== undefined) this.frames = new EvidenceFrames();
  }

  protected openEpisode(s: DumpState): string | undefined {
    return s.started ? s.key : undefined;
  }

  evaluate(tracks: readonly Track[], tMs: number, context?: RuleContext): RuleHit[] {
    this.startedAtMs ??= tMs;
    for (const t of tracks) if (this.persons.has(t.className)) this.recentPeople.set(t.id, { box: { ...t.box }, tMs });
    for (const [id, p] of this.recentPeople) if (tMs - p.tMs > DEFAULT_EVIDENCE_LOOKBACK_MS) this.recentPeople.delete(id);

    const active = this.schedule.isActive(tMs);
    const hits: RuleHit[] = active ? [] : this.episodes.endAll(tMs);
    if (this.pixels !== undefined && context?.frame !== undefined) hits.push(...this.fromPixels(tracks, tMs, context.frame, active));
    // Objects are followed even off schedule, so one dumped at 21:59 is not "new" at 22:00.
    this.followTracks(tracks, tMs, hits, (obj) => this.decide(obj, tracks, tMs, active));
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

  /**
   * The static-pixel path: objects found without a class (static-objects.ts). Each new one sends a
   * `pending` hit with the last kept frame showing a person by it, starts once it has stood `minMs`
   * since its pixels changed, and ends when its pixels show the old background again.
   */
  private fromPixels(tracks: readonly Track[], tMs: number, frame: NonNullable<RuleContext['frame']>, active: boolean): RuleHit[] {
    const pixels = this.pixels!;
    this.frames!.offer(frame, tracks.filter((t) => this.persons.has(t.className)), tMs);
    const { born, seen, gone } = pixels.update(frame, tracks, tMs);
    const hits: RuleHit[] = [];
    for (const obj of born) {
      const s: DumpState = {
        eligible: active && obj.bornMs - this.startedAtMs! >= this.warmupMs && !(this.useTracks && coveredByClass(obj, tracks, this.classes)),
        appearedMs: obj.appearedMs,
        key: `${this.id}:${obj.key}`,
        started: false,
      };
      this.states.set(obj.key, s);
      if (!s.eligible) continue;
      const pending = staticHit(this.base, obj, tMs, this.zoneId);
      pending.phase = 'pending';
      pending.key = s.key;
      const seenBy = this.frames!.find(obj.box, this.radiusPx, obj.appearedMs - DEFAULT_EVIDENCE_BEFORE_MS, tMs);
      if (seenBy !== undefined) {
        s.evidence = { trackId: seenBy.trackId, box: { ...seenBy.box } };
        pending.evidenceTrackId = seenBy.trackId;
        pending.evidenceBox = { ...seenBy.box };
        pending.evidenceFrame = seenBy.frame;
      }
      hits.push(pending);
    }
    for (const obj of seen) {
      const s = this.states.get(obj.key);
      if (s === undefined || !s.eligible || !active) continue;
      const hit = this.pixelHit(s, obj, tMs);
      if (s.started) {
        const update = this.episodes.update(s.key, hit);
        if (update) hits.push(update);
      } else if (tMs - s.appearedMs >= this.minMs && obj.lastPresentMs === tMs) {
        s.started = true;
        hits.push(this.episodes.start(s.key, hit, s.appearedMs));
      }
    }
    this.endGone(gone, tMs, hits);
    return hits;
  }

  private pixelHit(s: DumpState, obj: StaticObject, tMs: number): RuleHit {
    const hit = staticHit(this.base, obj, tMs, this.zoneId);
    if (s.evidence !== undefined) {
      hit.evidenceTrackId = s.evidence.trackId;
      hit.evidenceBox = { ...s.evidence.box };
    }
    return hit;
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
