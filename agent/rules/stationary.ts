import { groundSpeedKmh, type Homography, DEFAULT_CLASS_GROUPS, compatibleClasses, type Track, type TrackPoint } from '../tracking/index.js';
import { iou } from '../core/index.js';
import { pointsSince } from './track-points.js';

/** Speed is measured over this window (ms): a parked car's box wanders, but not 2 s in one direction. */
export const DEFAULT_STATIONARY_WINDOW_MS = 2_000;
/** Stillness is judged only once the window holds this much history (ms); before that it is unknown. */
export const DEFAULT_STATIONARY_MIN_SPAN_MS = 1_000;
/** Moving for less than this does not end stillness (ms): a jolt of the box, a door opening. */
export const DEFAULT_MOVE_TOLERANCE_MS = 1_000;
/**
 * A stationary object unseen for this long is gone (ms). Longer than a track's life (1.5 s lost buffer):
 * a bus passing in front of a parked car hides it for several seconds, and the car comes back under a
 * new track id; within this time that new track continues the same object (see `handoverIou`).
 */
export const DEFAULT_STATIONARY_LINGER_MS = 10_000;
/** A new track whose box overlaps a recently unseen stationary object's box this much is that object again. */
export const DEFAULT_HANDOVER_IOU = 0.5;

export interface StationaryOptions {
  /** Classes tracked; all when absent. */
  classes?: ReadonlySet<string>;
  maxSpeedPxPerS: number;
  /** With `ground`: stationary below this ground speed instead. */
  maxSpeedKmh?: number;
  ground?: Homography;
  windowMs?: number;
  minSpanMs?: number;
  moveToleranceMs?: number;
  lingerMs?: number;
  handoverIou?: number;
  classGroups?: readonly (readonly string[])[];
}

/** One physical object, possibly seen under several track ids over time. */
export interface StationaryObject {
  /** Stable across track ids: `<first track id>@<first seen ms>`. */
  readonly key: string;
  trackId: number;
  /** The latest track copy seen. */
  track: Track;
  /** Latest bottom-centre. */
  point: TrackPoint;
  readonly firstSeenMs: number;
  lastSeenMs: number;
  /** Since when it has been still; undefined while moving or not yet known. */
  stationarySinceMs?: number;
  /** Whether this object came back under a new track id at least once. */
  handedOver: boolean;
  /** Internal: first moving observation since last still. */
  movingSinceMs?: number;
  lastPointMs: number;
}

/** What one frame did: objects seen in it, and objects just declared gone. */
export interface StationaryFrame {
  seen: StationaryObject[];
  gone: StationaryObject[];
}

/**
 * Follows objects of some classes and decides which are still, surviving track-id changes of objects
 * that stay put — the common ground of illegal_stop, object_left and dumping. Pure.
 */
export class StationaryObjects {
  private readonly objects = new Map<string, StationaryObject>();
  private readonly byTrack = new Map<number, string>();
  private readonly o: Required<Omit<StationaryOptions, 'classes' | 'maxSpeedKmh' | 'ground'>> &
    Pick<StationaryOptions, 'classes' | 'maxSpeedKmh' | 'ground'>;

  constructor(options: StationaryOptions) {
    this.o = {
      ...options,
      windowMs: options.windowMs ?? DEFAULT_STATIONARY_WINDOW_MS,
      minSpanMs: options.minSpanMs ?? DEFAULT_STATIONARY_MIN_SPAN_MS,
      moveToleranceMs: options.moveToleranceMs ?? DEFAULT_MOVE_TOLERANCE_MS,
      lingerMs: options.lingerMs ?? DEFAULT_STATIONARY_LINGER_MS,
      handoverIou: options.handoverIou ?? DEFAULT_HANDOVER_IOU,
      classGroups: options.classGroups ?? DEFAULT_CLASS_GROUPS,
    };
  }

  update(tracks: readonly Track[], tMs: number): StationaryFrame {
    const seen: StationaryObject[] = [];
    const seenKeys = new Set<string>();
    for (const track of tracks) {
      if (this.o.classes !== undefined && !this.o.classes.has(track.className)) continue;
      const obj = this.objectFor(track, tMs, seenKeys);
      const points = pointsSince(track, obj.lastPointMs);
      const last = points[points.length - 1];
      if (last === undefined) continue;
      obj.lastPointMs = last.tMs;
      obj.point = { ...last };
      obj.track = track;
      obj.lastSeenMs = tMs;
      this.judge(obj, track, tMs);
      seen.push(obj);
      seenKeys.add(obj.key);
    }
    const gone: StationaryObject[] = [];
    for (const [key, obj] of this.objects) {
      if (tMs - obj.lastSeenMs <= this.o.lingerMs) continue;
      gone.push(obj);
      this.objects.delete(key);
      if (this.byTrack.get(obj.trackId) === key) this.byTrack.delete(obj.trackId);
    }
    // Track ids whose object has moved on to another id (or gone) are dropped so the map stays bounded.
    for (const [trackId, key] of this.byTrack) {
      const obj = this.objects.get(key);
      if (obj === undefined || obj.trackId !== trackId) this.byTrack.delete(trackId);
    }
    return { seen, gone };
  }

  /** The object a track belongs to: its own, a recently unseen one at the same place, or a new one. */
  private objectFor(track: Track, tMs: number, seenKeys: ReadonlySet<string>): StationaryObject {
    const known = this.byTrack.get(track.id);
    const existing = known === undefined ? undefined : this.objects.get(known);
    if (existing !== undefined) return existing;

    let best: StationaryObject | undefined;
    let bestIou = this.o.handoverIou;
    for (const obj of this.objects.values()) {
      if (seenKeys.has(obj.key) || obj.lastSeenMs >= tMs) continue;
      // Only a still object is worth carrying over: a moving one has no reason to be where it was.
      if (obj.stationarySinceMs === undefined) continue;
      if (!compatibleClasses(obj.track.className, track.className, this.o.classGroups)) continue;
      const overlap = iou(obj.track.box, track.box);
      if (overlap >= bestIou) {
        best = obj;
        bestIou = overlap;
      }
    }
    if (best !== undefined) {
      best.trackId = track.id;
      best.handedOver = true;
      // The new track's history starts now: positions of the old id are not comparable point by point.
      best.lastPointMs = -Infinity;
      this.byTrack.set(track.id, best.key);
      return best;
    }

    const first = track.history[0];
    const obj: StationaryObject = {
      key: `${track.id}@${track.firstSeenMs}`,
      trackId: track.id,
      track,
      point: first ?? { tMs, x: (track.box.x1 + track.box.x2) / 2, y: track.box.y2 },
      firstSeenMs: track.firstSeenMs,
      lastSeenMs: tMs,
      handedOver: false,
      lastPointMs: -Infinity,
    };
    this.objects.set(obj.key, obj);
    this.byTrack.set(track.id, obj.key);
    return obj;
  }

  private judge(obj: StationaryObject, track: Track, tMs: number): void {
    const still = this.isStill(track.history);
    if (still === undefined) return;
    if (still) {
      obj.movingSinceMs = undefined;
      // Still through the whole window: it has been still since the window began.
      obj.stationarySinceMs ??= Math.max(obj.firstSeenMs, tMs - this.o.windowMs);
      return;
    }
    obj.movingSinceMs ??= tMs;
    if (tMs - obj.movingSinceMs >= this.o.moveToleranceMs) obj.stationarySinceMs = undefined;
  }

  /** Whether the history over the window shows a still object; undefined when the window is too short to tell. */
  private isStill(history: readonly TrackPoint[]): boolean | undefined {
    const last = history[history.length - 1];
    if (last === undefined) return undefined;
    let first: TrackPoint | undefined;
    for (let i = history.length - 2; i >= 0; i--) {
      const p = history[i]!;
      if (last.tMs - p.tMs > this.o.windowMs) break;
      first = p;
    }
    if (first === undefined || last.tMs - first.tMs < this.o.minSpanMs) return undefined;
    if (this.o.ground !== undefined && this.o.maxSpeedKmh !== undefined) {
      const kmh = groundSpeedKmh(this.o.ground, history, this.o.windowMs);
      return kmh === undefined ? undefined : kmh <= this.o.maxSpeedKmh;
    }
    const speed = (Math.hypot(last.x - first.x, last.y - first.y) * 1000) / (last.tMs - first.tMs);
    return speed <= this.o.maxSpeedPxPerS;
  }
}

