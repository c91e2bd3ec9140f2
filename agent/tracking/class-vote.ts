import {
  DEFAULT_MIN_FUSED_FRAMES,
  DEFAULT_MIN_RIDER_SECONDS,
  DEFAULT_RIDER_CLASS,
  DEFAULT_TWO_WHEELER_CLASSES,
  movesLikeAVehicle,
  type RiderOptions,
} from './rider-fusion.js';
import type { TrackPoint } from './types.js';

/**
 * Class handling for multi-class tracking. A small detector hesitates between neighbouring COCO classes
 * for the same object — in the Saigon test clip one dark car is reported as car, bus and truck on
 * successive frames — so association is allowed within a group of look-alike classes, and a track's
 * class is the score-weighted majority of its detections rather than the latest one.
 */

/** Classes a detector confuses with each other: a detection may continue a track of any class in its group. */
export const DEFAULT_CLASS_GROUPS: readonly (readonly string[])[] = [
  ['car', 'truck', 'bus'],
  ['motorcycle', 'bicycle'],
  ['backpack', 'handbag', 'suitcase'],
];

/** Whether a detection of class `b` may continue a track of class `a`. */
export function compatibleClasses(a: string, b: string, groups: readonly (readonly string[])[]): boolean {
  if (a === b) return true;
  return groups.some((g) => g.includes(a) && g.includes(b));
}

/** Score-weighted votes for a track's class. */
export class ClassVote {
  private readonly votes = new Map<string, { classId: number; weight: number }>();
  private best: { className: string; classId: number; weight: number };

  constructor(className: string, classId: number, score: number) {
    this.best = { className, classId, weight: score };
    this.votes.set(className, { classId, weight: score });
  }

  add(className: string, classId: number, score: number): void {
    const v = this.votes.get(className) ?? { classId, weight: 0 };
    v.weight += score;
    this.votes.set(className, v);
    // Ties keep the current class: a track does not flip on an equal vote.
    if (v.weight > this.best.weight && className !== this.best.className) this.best = { className, classId, weight: v.weight };
    else if (className === this.best.className) this.best.weight = v.weight;
  }

  get className(): string {
    return this.best.className;
  }

  get classId(): number {
    return this.best.classId;
  }

  /** Every class voted for, with its summed score. */
  weights(): Array<{ className: string; classId: number; weight: number }> {
    return [...this.votes].map(([className, v]) => ({ className, classId: v.classId, weight: v.weight }));
  }
}

/**
 * A track's class when riders are fused (tracking.riders): the score-weighted vote, except that a track
 * that is a rider becomes its two-wheeler for good (sticky, so a motorbike queued at a red light — a
 * still `person` on most frames — stays a vehicle). A track is a rider once it was seen as a two-wheeler
 * (a fused rider or the bike itself) on `minFusedFrames` frames while also seen as a person, or once its
 * `person` box moved like a vehicle (movesLikeAVehicle). Riders = the most frequent fused count, else 1.
 */
export class RiderClassVote {
  private readonly vote: ClassVote;
  private readonly riderClass: string;
  private readonly wheelers: readonly string[];
  private readonly minFusedFrames: number;
  private wheelerFrames = 0;
  private personFrames = 0;
  private readonly riderCounts = new Map<number, number>();
  private promoted: { className: string; classId: number } | undefined;
  /** Box heights over the motion window, for the tallest (see movesLikeAVehicle). */
  private readonly heights: Array<{ tMs: number; heightPx: number }> = [];

  constructor(
    private readonly options: RiderOptions,
    className: string,
    classId: number,
    score: number,
    riders?: number,
  ) {
    this.vote = new ClassVote(className, classId, score);
    this.riderClass = options.riderClass ?? DEFAULT_RIDER_CLASS;
    this.wheelers = options.twoWheelerClasses ?? DEFAULT_TWO_WHEELER_CLASSES;
    this.minFusedFrames = Math.max(1, options.minFusedFrames ?? DEFAULT_MIN_FUSED_FRAMES);
    this.count(className, riders);
  }

  /** One matched detection. */
  add(className: string, classId: number, score: number, riders?: number): void {
    this.vote.add(className, classId, score);
    this.count(className, riders);
  }

  /**
   * The track's motion after a match (`heightPx`: its box height now): a `person` that moves like a
   * vehicle is a rider from now on.
   */
  observeMotion(history: readonly TrackPoint[], heightPx: number): void {
    const last = history[history.length - 1];
    if (last === undefined) return;
    const windowMs = (this.options.minSeconds ?? DEFAULT_MIN_RIDER_SECONDS) * 1000;
    this.heights.push({ tMs: last.tMs, heightPx });
    while (this.heights.length > 0 && last.tMs - this.heights[0]!.tMs > windowMs + 1) this.heights.shift();
    if (this.promoted !== undefined || this.vote.className !== this.riderClass) return;
    const tallestPx = Math.max(...this.heights.map((h) => h.heightPx));
    if (!movesLikeAVehicle(history, tallestPx, this.options)) return;
    this.promote();
  }

  /** Whether the track is a ridden two-wheeler (sticky). */
  get isRider(): boolean {
    return this.promoted !== undefined;
  }

  /** Persons riding it: the most frequent fused count (ties: the larger), 1 when none was fused; undefined for non-riders. */
  get riders(): number | undefined {
    if (this.promoted === undefined) return undefined;
    let best = 1;
    let bestFrames = 0;
    for (const [n, frames] of this.riderCounts) {
      if (frames > bestFrames || (frames === bestFrames && n > best)) {
        best = n;
        bestFrames = frames;
      }
    }
    return best;
  }

  get className(): string {
    return this.promoted?.className ?? this.vote.className;
  }

  get classId(): number {
    return this.promoted?.classId ?? this.vote.classId;
  }

  private count(className: string, riders: number | undefined): void {
    if (this.wheelers.includes(className)) {
      this.wheelerFrames += 1;
      if (riders !== undefined && riders > 0) {
        this.personFrames += 1;
        this.riderCounts.set(riders, (this.riderCounts.get(riders) ?? 0) + 1);
      }
    } else if (className === this.riderClass) {
      this.personFrames += 1;
    }
    if (this.promoted === undefined && this.personFrames > 0 && this.wheelerFrames >= this.minFusedFrames) this.promote();
  }

  private promote(): void {
    // The two-wheeler the detector named most; a rider only ever seen as a person moves like a motorbike.
    const named = this.vote.weights().filter((w) => this.wheelers.includes(w.className));
    named.sort((a, b) => b.weight - a.weight);
    const top = named[0];
    const className = top?.className ?? this.wheelers[0] ?? 'motorcycle';
    const classId = top?.classId ?? this.options.classIds?.[className] ?? -1;
    this.promoted = { className, classId };
  }
}
