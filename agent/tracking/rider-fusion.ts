import { intersectionArea } from '../core/index.js';
import type { Box, Detection } from '../detection/index.js';
import type { TrackPoint } from './types.js';

/**
 * Riders and the two-wheelers under them are one vehicle. A COCO detector reports a motorbike rider as
 * `person` and, often, a weak (or no) `motorcycle` box under them: on the Vietnamese clips YOLOX-nano
 * scores the riders 0.5-0.75 and the bikes under them 0.1-0.35 — mostly below the threshold that starts
 * a track. Two cues turn them into one object of the two-wheeler's class that knows how many ride it:
 * (a) in one frame, a person box whose lower half lies on a two-wheeler box (`fuseRiders`); (b) over
 * time, a `person` track that moves like a vehicle (`movesLikeAVehicle`).
 */

/** Classes a person may ride. */
export const DEFAULT_TWO_WHEELER_CLASSES: readonly string[] = ['motorcycle', 'bicycle'];
/** The class of riders (COCO). */
export const DEFAULT_RIDER_CLASS = 'person';
/**
 * Share of the smaller of (two-wheeler box, rider's lower half) the two must share. A rider seen from
 * behind covers the bike entirely (share ~1); seen from the side the bike box spans the rider's legs (~0.6).
 */
export const DEFAULT_MIN_RIDER_OVERLAP = 0.5;
/**
 * Largest horizontal distance between rider and bike centres, as a share of the wider box: a rider sits
 * on the middle of the bike (measured ≤ 0.15 on the Hanoi stop-line clip); a pedestrian standing beside a
 * parked bike is at least half their widths away (≥ 0.5).
 */
export const DEFAULT_MAX_RIDER_CENTRE_OFFSET = 0.35;
/**
 * How far (share of the person's height) the person's box may reach below the bike's: a rider's feet are
 * on the footrest or the ground beside the wheels; a pedestrian in front of a parked bike stands lower in the image.
 */
export const DEFAULT_MAX_FEET_BELOW_BIKE = 0.15;
/**
 * Image speed, in heights of the object's own box per second, above which a `person` track is taken for a
 * rider. Walking is ~0.8 heights/s side-on (1.4 m/s over a 1.7 m person) and less when walking towards or
 * away from the camera; a motorbike at 20 km/h is ~3.3 heights/s side-on.
 */
export const DEFAULT_MIN_RIDER_SPEED_HEIGHTS_PER_S = 2;
/** How long that speed must be kept (s): a jogger's stride or a tracker jump lasts less. */
export const DEFAULT_MIN_RIDER_SECONDS = 1;
/** Frames in which a person track must be seen fused onto a two-wheeler before it becomes one (a passer-by behind a parked bike is one frame). */
export const DEFAULT_MIN_FUSED_FRAMES = 2;

/** Tuning of rider fusion; defaults above. */
export interface RiderOptions {
  riderClass?: string;
  twoWheelerClasses?: readonly string[];
  minOverlap?: number;
  maxCentreOffset?: number;
  maxFeetBelowBike?: number;
  minSpeedHeightsPerS?: number;
  minSeconds?: number;
  minFusedFrames?: number;
  /** classId of each two-wheeler class in the model (the class a promoted track takes); absent → -1. */
  classIds?: Readonly<Record<string, number>>;
}

/** Whether `person` rides `bike` in one frame (pure geometry, boxes in the same image). */
export function ridesOn(person: Box, bike: Box, options: RiderOptions = {}): boolean {
  return riderOverlap(person, bike, options) >= (options.minOverlap ?? DEFAULT_MIN_RIDER_OVERLAP);
}

/**
 * How well `person` sits on `bike`: the shared share of the smaller of (bike, person's lower half), or 0
 * when the centres are too far apart or the person reaches too far below the bike.
 */
export function riderOverlap(person: Box, bike: Box, options: RiderOptions = {}): number {
  const pw = person.x2 - person.x1;
  const ph = person.y2 - person.y1;
  const bw = bike.x2 - bike.x1;
  const bh = bike.y2 - bike.y1;
  if (pw <= 0 || ph <= 0 || bw <= 0 || bh <= 0) return 0;
  const offset = Math.abs((person.x1 + person.x2) / 2 - (bike.x1 + bike.x2) / 2);
  if (offset > (options.maxCentreOffset ?? DEFAULT_MAX_RIDER_CENTRE_OFFSET) * Math.max(pw, bw)) return 0;
  if (person.y2 - bike.y2 > (options.maxFeetBelowBike ?? DEFAULT_MAX_FEET_BELOW_BIKE) * ph) return 0;
  const lower: Box = { x1: person.x1, y1: person.y1 + ph / 2, x2: person.x2, y2: person.y2 };
  const shared = intersectionArea(lower, bike);
  return shared / Math.min(bw * bh, pw * (ph / 2));
}

/**
 * (a) Fuses every person riding a two-wheeler box into one detection: the bike's class and classId, the
 * union of the boxes, the best score of the parts (a confident rider makes the vehicle certain even when
 * its bike scores 0.15), `riders` = persons fused. Each person goes to the most confident bike it sits on; further
 * two-wheeler boxes that the same rider sits on (the detector's second box on one bike) are absorbed.
 * Pedestrians and riderless bikes pass unchanged. Pure; the input is not modified.
 */
export function fuseRiders(detections: readonly Detection[], options: RiderOptions = {}): Detection[] {
  const riderClass = options.riderClass ?? DEFAULT_RIDER_CLASS;
  const wheelers = options.twoWheelerClasses ?? DEFAULT_TWO_WHEELER_CLASSES;
  const bikes: number[] = [];
  const persons: number[] = [];
  detections.forEach((d, i) => {
    if (wheelers.includes(d.className)) bikes.push(i);
    else if (d.className === riderClass) persons.push(i);
  });
  if (bikes.length === 0 || persons.length === 0) return detections.slice();

  const minOverlap = options.minOverlap ?? DEFAULT_MIN_RIDER_OVERLAP;
  // Rider → the bike it sits on best (and every other bike it sits on, to absorb duplicates).
  const ridersOf = new Map<number, number[]>();
  const absorbed = new Set<number>();
  const usedPersons = new Set<number>();
  // Most confident bikes first: of two boxes on one bike, the better one carries the vehicle.
  bikes.sort((a, b) => detections[b]!.score - detections[a]!.score);
  for (const p of persons) {
    // The most confident bike the person sits on (bikes are sorted by score).
    const best = bikes.find((b) => riderOverlap(detections[p]!.box, detections[b]!.box, options) >= minOverlap) ?? -1;
    if (best === -1) continue;
    usedPersons.add(p);
    ridersOf.set(best, [...(ridersOf.get(best) ?? []), p]);
  }
  // A rider's other bikes are the same vehicle seen twice (class-wise NMS keeps a motorcycle and a bicycle box).
  const carriers = bikes.filter((b) => ridersOf.has(b));
  for (const b of bikes) {
    if (ridersOf.has(b)) continue;
    for (const c of carriers) {
      if (ridersOf.get(c)!.some((p) => riderOverlap(detections[p]!.box, detections[b]!.box, options) >= minOverlap)) {
        absorbed.add(b);
        break;
      }
    }
  }

  const out: Detection[] = [];
  detections.forEach((d, i) => {
    if (usedPersons.has(i) || absorbed.has(i)) return;
    const riders = ridersOf.get(i);
    if (riders === undefined) {
      out.push(d);
      return;
    }
    const parts = [d, ...riders.map((p) => detections[p]!)];
    out.push({
      classId: d.classId,
      className: d.className,
      score: Math.max(...parts.map((x) => x.score)),
      box: union(parts.map((x) => x.box)),
      riders: riders.length,
    });
  });
  return out;
}

/**
 * (b) Whether a track moved like a vehicle: its bottom-centre covered at least `minSpeedHeightsPerS`
 * box heights per second, on average over the last `minSeconds` (displacement, not path: jitter cancels).
 * `heightPx` is the tallest the track's box was over that time: a person walking out of the frame has
 * a box that shrinks to a sliver at the edge (206 → 82 px in 1 s in the lobby clip), which would turn a
 * walk into 3 heights/s. A history spanning less than 80 % of minSeconds → false.
 */
export function movesLikeAVehicle(history: readonly TrackPoint[], heightPx: number, options: RiderOptions = {}): boolean {
  const minSeconds = options.minSeconds ?? DEFAULT_MIN_RIDER_SECONDS;
  const minSpeed = options.minSpeedHeightsPerS ?? DEFAULT_MIN_RIDER_SPEED_HEIGHTS_PER_S;
  const last = history[history.length - 1];
  if (last === undefined || heightPx <= 0) return false;
  const windowMs = minSeconds * 1000;
  let first: TrackPoint | undefined;
  for (let i = history.length - 2; i >= 0; i--) {
    const p = history[i]!;
    if (last.tMs - p.tMs > windowMs + 1) break;
    first = p;
  }
  if (first === undefined) return false;
  const dtMs = last.tMs - first.tMs;
  if (dtMs < 0.8 * windowMs) return false;
  const speed = (Math.hypot(last.x - first.x, last.y - first.y) * 1000) / dtMs;
  return speed / heightPx >= minSpeed;
}

function union(boxes: readonly Box[]): Box {
  return {
    x1: Math.min(...boxes.map((b) => b.x1)),
    y1: Math.min(...boxes.map((b) => b.y1)),
    x2: Math.max(...boxes.map((b) => b.x2)),
    y2: Math.max(...boxes.map((b) => b.y2)),
  };
}
