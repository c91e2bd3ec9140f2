import type { Track } from '../tracking/index.js';
import { pointInPolygon } from './geometry.js';
import { boxDistance, trackHit } from './hit.js';
import { staticTrack } from './static-evidence.js';
import type { StaticObject, StaticObjects } from './static-objects.js';
import { StaticObjectRule, type StaticRuleOptions } from './static-rule.js';
import { coveredByClass } from './static-source.js';
import type { StationaryObject } from './stationary.js';
import type { RuleContext, RuleHit } from './types.js';

/**
 * A person must stay near the object this long to count as attending it (ms): someone walking past a
 * bag at 1.5 m/s is within 100 px (at 640 px wide) for well under a second.
 */
export const DEFAULT_ATTEND_MS = 1_500;
/** A person staying by an open incident's object this long is its owner back: the incident ends (ms). */
export const DEFAULT_OWNER_RETURN_MS = 3_000;

/** An object_left rule with geometry in analysis-frame pixels. */
export type ObjectLeftOptions = StaticRuleOptions;

interface LeftState {
  /** Start of the current run of frames with a person near. */
  nearSinceMs?: number;
  /** Last frame of a run of attendance long enough to count (≥ DEFAULT_ATTEND_MS). */
  attendedUntilMs?: number;
  key?: string;
}

/**
 * `object_left`: a bag-like object standing still with no person within `personRadiusPx` (gap between
 * boxes) for `minMs`, counted from when it stood still or from the last time someone stayed by it.
 * Passers-by do not reset the clock; a person staying by it for 1.5 s does (it is attended), and once an
 * incident is open, a person staying 3 s ends it (the owner came back). The incident also ends when the
 * object is picked up (moves) or disappears.
 */
export class ObjectLeftRule extends StaticObjectRule<LeftState> {
  /** Static objects a track of `classes` covered when they were found: the track path reports those. */
  private readonly skipped = new Set<string>();

  constructor(options: ObjectLeftOptions) {
    super('object_left', options);
  }

  protected openEpisode(s: LeftState): string | undefined {
    return s.key;
  }

  evaluate(tracks: readonly Track[], tMs: number, context?: RuleContext): RuleHit[] {
    // The pixel model learns even off schedule: what was there before the window opens is background.
    const fromPixels = this.pixels !== undefined && context?.frame !== undefined ? this.pixels.update(context.frame, tracks, tMs) : undefined;
    if (!this.schedule.isActive(tMs)) {
      this.states.clear();
      return this.episodes.endAll(tMs);
    }
    const people = tracks.filter((t) => this.persons.has(t.className));
    const hits: RuleHit[] = [];
    if (fromPixels !== undefined) hits.push(...this.staticHits(fromPixels, people, tracks, tMs));
    this.followTracks(tracks, tMs, hits, (obj) => this.decide(obj, people, tracks, tMs));
    return hits;
  }

  /** Static objects (no class) go through the same attendance logic as still tracks of bags. */
  private staticHits(frame: ReturnType<StaticObjects['update']>, people: readonly Track[], tracks: readonly Track[], tMs: number): RuleHit[] {
    const hits: RuleHit[] = [];
    for (const obj of frame.born) if (this.useTracks && coveredByClass(obj, tracks, this.classes)) this.skipped.add(obj.key);
    for (const obj of frame.seen) {
      // Only judged when seen (not hidden behind a vehicle or person), so an incident opens on a frame that shows it.
      if (this.skipped.has(obj.key) || obj.lastPresentMs !== tMs) continue;
      const hit = this.decide(asStationary(obj, tMs), people, tracks, tMs);
      if (hit) {
        hit.reason = 'static_pixels';
        hits.push(hit);
      }
    }
    for (const obj of frame.gone) this.skipped.delete(obj.key);
    this.endGone(frame.gone, tMs, hits);
    return hits;
  }

  private decide(obj: StationaryObject, people: readonly Track[], tracks: readonly Track[], tMs: number): RuleHit | undefined {
    let s = this.states.get(obj.key);
    if (s === undefined) {
      s = {};
      this.states.set(obj.key, s);
    }
    const near = people.some((p) => boxDistance(p.box, obj.track.box) <= this.radiusPx);
    let attended = false;
    if (near) {
      s.nearSinceMs ??= tMs;
      const nearFor = tMs - s.nearSinceMs;
      if (nearFor >= DEFAULT_ATTEND_MS) {
        attended = true;
        s.attendedUntilMs = tMs;
      }
      if (s.key !== undefined && nearFor >= DEFAULT_OWNER_RETURN_MS) return this.close(s, tMs);
    } else {
      s.nearSinceMs = undefined;
    }
    const inZone = this.polygon === undefined || pointInPolygon(obj.point, this.polygon);
    // Picked up and carried off, or outside the watched area.
    if (!inZone || obj.stationarySinceMs === undefined) return this.close(s, tMs);

    const hit = trackHit(this.base, obj.track, tMs, tracks);
    if (this.zoneId !== undefined) hit.zoneId = this.zoneId;
    if (s.key !== undefined) return this.episodes.update(s.key, hit);
    if (attended) return undefined;
    // Unattended since it stood still, or since someone last stayed by it, whichever is later.
    const since = Math.max(obj.stationarySinceMs, s.attendedUntilMs ?? -Infinity);
    if (tMs - since < this.minMs) return undefined;
    s.key = `${this.id}:${obj.key}:${since}`;
    return this.episodes.start(s.key, hit, since);
  }

  private close(s: LeftState, tMs: number): RuleHit | undefined {
    if (s.key === undefined) return undefined;
    const end = this.episodes.end(s.key, tMs);
    s.key = undefined;
    return end;
  }
}

/** A static object as the still, never-moving object the attendance logic expects (still since it was found). */
function asStationary(obj: StaticObject, tMs: number): StationaryObject {
  const track = staticTrack(obj, tMs);
  return {
    key: obj.key,
    trackId: 0,
    track,
    point: track.history[0]!,
    firstSeenMs: obj.bornMs,
    lastSeenMs: tMs,
    stationarySinceMs: obj.bornMs,
    handedOver: false,
    lastPointMs: tMs,
  };
}
